import Foundation
import Notifications
import OctoCore

/// A provider's notification channel as stored and shown: routing (severity, POP), language and the
/// channel's settings, with every secret empty in answers (write-only).
public struct NotificationChannelRecord: Sendable, Hashable, Codable {
    /// Id.
    public var id: UUID
    /// Unique name per provider.
    public var name: String
    /// Disabled channels receive nothing.
    public var enabled: Bool
    /// Alerts of this severity and above.
    public var minSeverity: AlertSeverity
    /// Only alerts of this POP's devices (nil: every POP).
    public var popId: UUID?
    /// `pt-BR` or `en`.
    public var language: NotificationMessage.Language
    /// `{"type": "email" | "webhook" | "telegram" | "webpush", "settings": {…}}`.
    public var channel: NotificationChannel
    /// Grouping, timers and quiet hours (``NotificationPacing/standard`` when not set).
    public var pacing: NotificationPacing
    /// The user whose own subscription this is (a browser's Web Push or an e-mail opt-in); nil for the
    /// provider's channels.
    public var ownerUserId: UUID?
    /// For a person's e-mail opt-in: the provider's e-mail channel whose SMTP server sends it.
    public var viaChannelId: UUID? = nil
    /// Created.
    public var createdAt: Date
    /// Updated.
    public var updatedAt: Date

    /// Whether an alert of `severity` on a device of `pop` goes here.
    public func routes(severity: AlertSeverity, pop: UUID?) -> Bool {
        enabled && severity >= minSeverity && (popId == nil || popId == pop)
    }
}

/// `POST /notification-channels` and `PATCH …/{id}`: absent fields stay; in `channel`, an empty secret
/// keeps the stored one.
public struct NotificationChannelInput: Sendable, Codable {
    public var name: String?
    public var enabled: Bool?
    public var minSeverity: AlertSeverity?
    public var popId: Nullable<UUID>?
    public var language: NotificationMessage.Language?
    public var channel: NotificationChannel?
    public var pacing: NotificationPacing?

    /// Creates an input.
    public init(name: String? = nil, enabled: Bool? = nil, minSeverity: AlertSeverity? = nil, popId: Nullable<UUID>? = nil,
                language: NotificationMessage.Language? = nil, channel: NotificationChannel? = nil, pacing: NotificationPacing? = nil) {
        self.name = name
        self.enabled = enabled
        self.minSeverity = minSeverity
        self.popId = popId
        self.language = language
        self.channel = channel
        self.pacing = pacing
    }
}

/// One delivery attempt of one alert (or a test) through one channel.
public struct NotificationDelivery: Sendable, Hashable, Codable {
    public var alertId: UUID?
    public var channelId: UUID
    public var channelName: String?
    /// `firing`, `resolved` or `test`.
    public var status: String
    /// `sent`, `retrying` or `failed`.
    public var outcome: String
    public var attempt: Int
    public var detail: String?
    public var at: Date
    /// The group of alerts the notification told about (`pop=…,rule=…`).
    public var groupKey: String?
    /// `initial`, `change` or `repeat`.
    public var reason: String?
}
