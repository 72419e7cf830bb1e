/// Where and how the SMTP client connects.
public struct SMTPConfiguration: Sendable, Hashable {
    /// Transport security.
    public enum Security: String, Sendable, Hashable, Codable {
        /// Plain TCP. Only for a relay on a trusted network.
        case none
        /// STARTTLS is required: a server that does not offer it (or refuses it) fails the delivery.
        case startTLS = "starttls"
    }

    /// SASL mechanisms the client speaks.
    public enum AuthMechanism: String, Sendable, Hashable, Codable {
        /// RFC 4616: one round trip.
        case plain = "PLAIN"
        /// The older two-step mechanism some servers still require.
        case login = "LOGIN"
    }

    /// Server host name or address.
    public var host: String
    /// Server port (587 for submission with STARTTLS, 25 for relay).
    public var port: Int
    /// Plain or STARTTLS.
    public var security: Security
    /// Certificates trusted after STARTTLS.
    public var trust: TLSTrust
    /// The name checked against the server's certificate; defaults to `host` (an IP address is
    /// checked as such).
    public var tlsServerName: String?
    /// User name for AUTH; nil to send without authenticating.
    public var username: String?
    /// Password for AUTH.
    public var password: String?
    /// The mechanism to use; nil picks PLAIN when offered, else LOGIN.
    public var authMechanism: AuthMechanism?
    /// The name this client gives in EHLO.
    public var heloName: String
    /// Deadline to establish the TCP connection.
    public var connectTimeout: Duration
    /// Deadline for each server reply (the greeting, each command, the end of DATA).
    public var commandTimeout: Duration

    /// Creates a configuration.
    public init(host: String, port: Int, security: Security = .startTLS, trust: TLSTrust = .system, tlsServerName: String? = nil,
                username: String? = nil, password: String? = nil, authMechanism: AuthMechanism? = nil,
                heloName: String = "localhost", connectTimeout: Duration = .seconds(15), commandTimeout: Duration = .seconds(60)) {
        self.host = host
        self.port = port
        self.security = security
        self.trust = trust
        self.tlsServerName = tlsServerName
        self.username = username
        self.password = password
        self.authMechanism = authMechanism
        self.heloName = heloName
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
    }
}

extension SMTPConfiguration: CustomStringConvertible, CustomDebugStringConvertible {
    /// `smtp://user@host:port (starttls)`, without the password.
    public var description: String {
        "smtp://\(username.map { "\($0)@" } ?? "")\(host):\(port) (\(security.rawValue))"
    }

    /// Same as ``description``.
    public var debugDescription: String { description }
}

/// One reply of an SMTP server: a code and one or more lines of text.
public struct SMTPReply: Sendable, Hashable, CustomStringConvertible {
    /// The three-digit code.
    public var code: Int
    /// The text of each line, after the code and its separator.
    public var lines: [String]

    /// All lines joined by a space.
    public var text: String { lines.joined(separator: " ") }

    /// `250 OK`.
    public var description: String { "\(code) \(text)" }
}
