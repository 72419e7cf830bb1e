/// One configured destination for notifications, with its settings.
///
/// Encodes as `{"type": "email" | "webhook" | "telegram" | "webpush", "settings": {…}}`. Secret
/// fields are ``NotificationSecret`` values; the engine seals them before storing and opens them
/// after loading with ``mapSecrets(_:)``, and answers the API with ``redacted``.
public enum NotificationChannel: Sendable, Hashable, Codable {
    /// E-mail through an SMTP server.
    case email(EmailConfiguration)
    /// A signed JSON POST.
    case webhook(WebhookConfiguration)
    /// A Telegram chat through a bot.
    case telegram(TelegramConfiguration)
    /// A browser push subscription.
    case webPush(WebPushConfiguration)

    /// The kind of channel.
    public var kind: ChannelKind {
        switch self {
        case .email: return .email
        case .webhook: return .webhook
        case .telegram: return .telegram
        case .webPush: return .webPush
        }
    }

    /// The secrets this channel holds (an e-mail channel without AUTH holds none).
    public var secrets: [NotificationSecretField: NotificationSecret] {
        switch self {
        case .email(let settings): return settings.password.map { [.smtpPassword: $0] } ?? [:]
        case .webhook(let settings): return [.webhookKey: settings.key]
        case .telegram(let settings): return [.telegramBotToken: settings.botToken]
        case .webPush(let settings): return [.vapidPrivateKey: settings.vapidPrivateKey]
        }
    }

    /// The same channel with each secret replaced by `transform(field, secret)`: seal before
    /// storing, open after loading.
    public func mapSecrets(_ transform: (NotificationSecretField, NotificationSecret) throws -> NotificationSecret) rethrows -> NotificationChannel {
        switch self {
        case .email(var settings):
            if let password = settings.password { settings.password = try transform(.smtpPassword, password) }
            return .email(settings)
        case .webhook(var settings):
            settings.key = try transform(.webhookKey, settings.key)
            return .webhook(settings)
        case .telegram(var settings):
            settings.botToken = try transform(.telegramBotToken, settings.botToken)
            return .telegram(settings)
        case .webPush(var settings):
            settings.vapidPrivateKey = try transform(.vapidPrivateKey, settings.vapidPrivateKey)
            return .webPush(settings)
        }
    }

    /// The channel with every secret emptied, for API answers and logs.
    public var redacted: NotificationChannel {
        mapSecrets { _, _ in NotificationSecret("") }
    }

    private enum CodingKeys: String, CodingKey {
        case type, settings
    }

    /// Decodes `{"type": …, "settings": …}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(ChannelKind.self, forKey: .type) {
        case .email: self = .email(try container.decode(EmailConfiguration.self, forKey: .settings))
        case .webhook: self = .webhook(try container.decode(WebhookConfiguration.self, forKey: .settings))
        case .telegram: self = .telegram(try container.decode(TelegramConfiguration.self, forKey: .settings))
        case .webPush: self = .webPush(try container.decode(WebPushConfiguration.self, forKey: .settings))
        }
    }

    /// Encodes `{"type": …, "settings": …}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .type)
        switch self {
        case .email(let settings): try container.encode(settings, forKey: .settings)
        case .webhook(let settings): try container.encode(settings, forKey: .settings)
        case .telegram(let settings): try container.encode(settings, forKey: .settings)
        case .webPush(let settings): try container.encode(settings, forKey: .settings)
        }
    }
}
