/// Why an SMTP exchange failed, with the server's reply when there was one.
public struct SMTPError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kinds of failure.
    public enum Kind: String, Sendable, Hashable {
        /// The TCP connection could not be made or was dropped.
        case connection
        /// The server did not answer within the command timeout.
        case timeout
        /// The TLS handshake after STARTTLS failed (untrusted certificate, wrong name…).
        case tls
        /// TLS is required but the server does not offer STARTTLS (or refused it).
        case startTLSUnavailable = "starttls_unavailable"
        /// Credentials are configured but the server offers neither AUTH PLAIN nor AUTH LOGIN.
        case authenticationUnavailable = "authentication_unavailable"
        /// The server answered a command with an unexpected reply; see ``SMTPError/replyCode``.
        case rejected
        /// The server's answer is not SMTP.
        case `protocol`
        /// The message or an address cannot be sent as given.
        case invalidMessage = "invalid_message"
    }

    /// The kind of failure.
    public var kind: Kind
    /// The command that failed (`MAIL FROM`, `AUTH PLAIN`…; never the credentials).
    public var command: String?
    /// The server's reply code, e.g. 535 for rejected credentials.
    public var replyCode: Int?
    /// The server's reply text (all lines joined by a space).
    public var replyText: String?
    /// Details.
    public var message: String

    /// Creates an error.
    public init(_ kind: Kind, _ message: String, command: String? = nil, replyCode: Int? = nil, replyText: String? = nil) {
        self.kind = kind
        self.message = message
        self.command = command
        self.replyCode = replyCode
        self.replyText = replyText
    }

    /// A dropped connection, a timeout and a 4xx reply may succeed later; everything else needs a
    /// change of configuration or message first.
    public var isRetryable: Bool {
        switch kind {
        case .connection, .timeout: return true
        case .rejected: return (replyCode ?? 0) / 100 == 4
        case .tls, .startTLSUnavailable, .authenticationUnavailable, .protocol, .invalidMessage: return false
        }
    }

    /// `rejected: AUTH PLAIN → 535 5.7.8 Authentication credentials invalid`.
    public var description: String {
        var text = "\(kind.rawValue): \(message)"
        if let command { text += " [\(command)]" }
        if let replyCode { text += " → \(replyCode)" + (replyText.map { " \($0)" } ?? "") }
        return text
    }
}
