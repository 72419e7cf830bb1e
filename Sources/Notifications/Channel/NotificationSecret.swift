/// A secret inside a channel's settings: the SMTP password, the bot token, the webhook key, the
/// VAPID private key.
///
/// It encodes as a plain JSON string so the engine can store it sealed (see
/// ``NotificationChannel/mapSecrets(_:)``), and it never prints its value.
public struct NotificationSecret: Sendable, Hashable, Codable, CustomStringConvertible, CustomDebugStringConvertible,
    ExpressibleByStringLiteral {
    /// The secret text (or, once sealed by the engine, the sealed form).
    public var value: String

    /// Wraps `value`.
    public init(_ value: String) {
        self.value = value
    }

    /// Wraps a literal (tests, examples).
    public init(stringLiteral value: String) {
        self.value = value
    }

    /// Decodes from a JSON string.
    public init(from decoder: any Decoder) throws {
        value = try decoder.singleValueContainer().decode(String.self)
    }

    /// Encodes as a JSON string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    /// `<secret>`: logs and error messages never show the value.
    public var description: String { "<secret>" }

    /// `<secret>`.
    public var debugDescription: String { "<secret>" }
}

/// The secret fields of the channel settings, named for sealing contexts and API redaction.
public enum NotificationSecretField: String, Sendable, Hashable, Codable, CaseIterable {
    /// ``EmailConfiguration/password``.
    case smtpPassword = "smtp_password"
    /// ``WebhookConfiguration/key``.
    case webhookKey = "webhook_key"
    /// ``TelegramConfiguration/botToken``.
    case telegramBotToken = "telegram_bot_token"
    /// ``WebPushConfiguration/vapidPrivateKey``.
    case vapidPrivateKey = "vapid_private_key"
}
