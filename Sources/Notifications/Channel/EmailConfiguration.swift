import Foundation

/// An SMTP server, the author and the recipients of a channel's e-mails.
public struct EmailConfiguration: Sendable, Hashable, Codable {
    /// SMTP server host.
    public var host: String
    /// SMTP server port (587 submission, 25 relay).
    public var port: Int
    /// `starttls` (required) or `none`.
    public var security: SMTPConfiguration.Security
    /// A PEM certificate (private CA or self-signed server) to trust instead of the system's store.
    public var trustedCertificatePEM: String?
    /// The name to verify in the server's certificate when it differs from `host`.
    public var tlsServerName: String?
    /// AUTH user name; nil to send without authenticating.
    public var username: String?
    /// AUTH password.
    public var password: NotificationSecret?
    /// PLAIN or LOGIN; nil picks what the server offers (PLAIN first).
    public var authMechanism: SMTPConfiguration.AuthMechanism?
    /// `MAIL FROM` and `From:` address.
    public var fromAddress: String
    /// `From:` display name.
    public var fromName: String?
    /// Recipient addresses.
    public var recipients: [String]
    /// The EHLO name.
    public var heloName: String
    /// Seconds allowed for each server reply.
    public var timeoutSeconds: Int

    // camelCase keys without acronyms, so OctoJSON's snake_case conversion round-trips them.
    private enum CodingKeys: String, CodingKey {
        case host, port, security, trustedCertificatePEM = "trustedCertificatePem", tlsServerName, username, password
        case authMechanism, fromAddress, fromName, recipients, heloName, timeoutSeconds
    }

    /// Creates a configuration.
    public init(host: String, port: Int = 587, security: SMTPConfiguration.Security = .startTLS, trustedCertificatePEM: String? = nil,
                tlsServerName: String? = nil, username: String? = nil, password: NotificationSecret? = nil,
                authMechanism: SMTPConfiguration.AuthMechanism? = nil, fromAddress: String, fromName: String? = "OctoISP",
                recipients: [String], heloName: String = "localhost", timeoutSeconds: Int = 60) {
        self.host = host
        self.port = port
        self.security = security
        self.trustedCertificatePEM = trustedCertificatePEM
        self.tlsServerName = tlsServerName
        self.username = username
        self.password = password
        self.authMechanism = authMechanism
        self.fromAddress = fromAddress
        self.fromName = fromName
        self.recipients = recipients
        self.heloName = heloName
        self.timeoutSeconds = timeoutSeconds
    }

    /// Decodes; absent optional fields take the defaults of ``init(host:port:security:trustedCertificatePEM:tlsServerName:username:password:authMechanism:fromAddress:fromName:recipients:heloName:timeoutSeconds:)``.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(host: try container.decode(String.self, forKey: .host), port: try container.decodeIfPresent(Int.self, forKey: .port) ?? 587,
                  security: try container.decodeIfPresent(SMTPConfiguration.Security.self, forKey: .security) ?? .startTLS,
                  trustedCertificatePEM: try container.decodeIfPresent(String.self, forKey: .trustedCertificatePEM),
                  tlsServerName: try container.decodeIfPresent(String.self, forKey: .tlsServerName),
                  username: try container.decodeIfPresent(String.self, forKey: .username),
                  password: try container.decodeIfPresent(NotificationSecret.self, forKey: .password),
                  authMechanism: try container.decodeIfPresent(SMTPConfiguration.AuthMechanism.self, forKey: .authMechanism),
                  fromAddress: try container.decode(String.self, forKey: .fromAddress),
                  fromName: container.contains(.fromName) ? try container.decodeIfPresent(String.self, forKey: .fromName) : "OctoISP",
                  recipients: try container.decode([String].self, forKey: .recipients),
                  heloName: try container.decodeIfPresent(String.self, forKey: .heloName) ?? "localhost",
                  timeoutSeconds: try container.decodeIfPresent(Int.self, forKey: .timeoutSeconds) ?? 60)
    }

    /// The client configuration.
    public var smtp: SMTPConfiguration {
        SMTPConfiguration(host: host, port: port, security: security, trust: trustedCertificatePEM.map { .pem($0) } ?? .system,
                          tlsServerName: tlsServerName, username: username, password: password?.value, authMechanism: authMechanism,
                          heloName: heloName, connectTimeout: .seconds(min(timeoutSeconds, 30)), commandTimeout: .seconds(timeoutSeconds))
    }

    /// The e-mail for `message`, dated `date`. Its Message-ID is derived from the notification id,
    /// so a retried delivery carries the same one.
    public func mail(for message: NotificationMessage, date: Date) throws(SMTPError) -> MailMessage {
        let rendered = NotificationRenderer.render(message)
        let from = try MailAddress(fromAddress, name: fromName)
        var to: [MailAddress] = []
        for recipient in recipients { to.append(try MailAddress(recipient)) }
        let domain = fromAddress.split(separator: "@").last.map(String.init) ?? "octoisp.invalid"
        var headers = ["X-OctoISP-Notification": message.id.uuidString.lowercased(),
                       "X-OctoISP-Severity": message.severity.rawValue,
                       "X-OctoISP-Status": message.status.rawValue]
        if let alert = message.alertID { headers["X-OctoISP-Alert"] = alert.uuidString.lowercased() }
        if let incident = message.incidentID { headers["X-OctoISP-Incident"] = incident.uuidString.lowercased() }
        return MailMessage(from: from, to: to, subject: rendered.subject, text: rendered.text, html: rendered.html, date: date,
                           messageID: "\(message.id.uuidString.lowercased())@\(domain)", headers: headers)
    }
}
