/// Why a notification was not delivered, and whether trying again later can help.
///
/// Every sender in this module throws only this type, so the job handler that calls the dispatcher
/// decides with ``isRetryable`` whether to retry with backoff or dead-letter the delivery.
public struct DeliveryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Whether a later attempt may succeed.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// A timeout, a refused or dropped connection, a 5xx, 408 or 429, an SMTP 4xx reply.
        case retryable
        /// The receiver refused the message or the configuration is wrong: a 4xx, an SMTP 5xx reply,
        /// failed authentication, STARTTLS required but not offered, an untrusted certificate.
        case permanent
    }

    /// Retryable or permanent.
    public var kind: Kind
    /// The channel that failed.
    public var channel: ChannelKind
    /// What happened, for logs and the notification log; never contains a secret.
    public var message: String
    /// The HTTP status the receiver answered, for webhook, Telegram and Web Push.
    public var httpStatus: Int?
    /// The SMTP reply code, for e-mail.
    public var smtpReplyCode: Int?
    /// How long the receiver asked us to wait (Telegram's `retry_after`, HTTP `Retry-After`), in seconds.
    public var retryAfterSeconds: Int?
    /// The Web Push subscription no longer exists (404 or 410): the engine should delete it.
    public var subscriptionGone: Bool

    /// Creates an error.
    public init(_ kind: Kind, channel: ChannelKind, _ message: String, httpStatus: Int? = nil, smtpReplyCode: Int? = nil,
                retryAfterSeconds: Int? = nil, subscriptionGone: Bool = false) {
        self.kind = kind
        self.channel = channel
        self.message = message
        self.httpStatus = httpStatus
        self.smtpReplyCode = smtpReplyCode
        self.retryAfterSeconds = retryAfterSeconds
        self.subscriptionGone = subscriptionGone
    }

    /// Whether a later attempt may succeed.
    public var isRetryable: Bool { kind == .retryable }

    /// `webhook retryable (HTTP 503): …`.
    public var description: String {
        var text = "\(channel.rawValue) \(kind.rawValue)"
        if let httpStatus { text += " (HTTP \(httpStatus))" }
        if let smtpReplyCode { text += " (SMTP \(smtpReplyCode))" }
        if let retryAfterSeconds { text += " (retry after \(retryAfterSeconds) s)" }
        return text + ": " + message
    }

    /// How an HTTP receiver's status classifies: `nil` for 2xx (delivered); 408, 429 and 5xx are
    /// retryable; every other status (3xx, 4xx) is permanent. Redirects are not followed.
    public static func kind(forHTTPStatus status: Int) -> Kind? {
        switch status {
        case 200..<300: return nil
        case 408, 429: return .retryable
        case 500..<600: return .retryable
        default: return .permanent
        }
    }
}

/// The kinds of notification channel.
public enum ChannelKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// E-mail through SMTP.
    case email
    /// An HTTP POST of JSON, signed with HMAC-SHA256.
    case webhook
    /// Telegram Bot API `sendMessage`.
    case telegram
    /// Web Push (RFC 8030/8291/8292) to a browser subscription.
    case webPush = "webpush"
}

/// What a successful delivery returns.
public struct DeliveryReceipt: Sendable, Hashable {
    /// The channel that delivered.
    public var channel: ChannelKind
    /// The HTTP status of the receiver's answer, for HTTP channels.
    public var httpStatus: Int?
    /// The receiver's own reference, when it gives one: Telegram's `message_id`, the SMTP server's
    /// final reply text (often its queue id), a push service's `Location`.
    public var reference: String?

    /// Creates a receipt.
    public init(channel: ChannelKind, httpStatus: Int? = nil, reference: String? = nil) {
        self.channel = channel
        self.httpStatus = httpStatus
        self.reference = reference
    }
}
