import Foundation
import Notifications
import OctoCore
import OctoStore
import PostgresNIO

/// `POST /me/email-subscriptions` and `PATCH …/{id}`: a person's own alert e-mails, sent through one
/// of the provider's e-mail channels to the person's address.
public struct EmailSubscriptionInput: Sendable, Codable {
    /// The provider's e-mail channel whose SMTP server sends (only when subscribing).
    public var viaChannelId: UUID?
    public var enabled: Bool?
    public var minSeverity: AlertSeverity?
    public var popId: Nullable<UUID>?
    public var language: NotificationMessage.Language?
    public var pacing: NotificationPacing?

    /// Creates an input.
    public init(viaChannelId: UUID? = nil, enabled: Bool? = nil, minSeverity: AlertSeverity? = nil, popId: Nullable<UUID>? = nil,
                language: NotificationMessage.Language? = nil, pacing: NotificationPacing? = nil) {
        self.viaChannelId = viaChannelId
        self.enabled = enabled
        self.minSeverity = minSeverity
        self.popId = popId
        self.language = language
        self.pacing = pacing
    }
}

extension NotificationChannelRepository {
    /// The user's e-mail subscriptions.
    public func emailSubscriptions(of user: UUID) async throws -> [NotificationChannelRecord] {
        try await tx.query("""
            SELECT \(unescaped: Self.columns) FROM notification_channels WHERE owner_user_id = \(user) AND via_channel_id IS NOT NULL ORDER BY created_at, id
            """).alertRows { try decode($0, secrets: nil).redactedRecord }
    }

    /// Subscribes `user` to alert e-mails through the provider's e-mail channel `input.viaChannelId`;
    /// 409 when already subscribed through it. The subscription holds no secret of its own: the SMTP
    /// server and its password are the via channel's, read when sending, and the address is the
    /// user's, read when sending too.
    public func subscribeEmail(_ input: EmailSubscriptionInput, user: UUID, by actor: Actor) async throws -> NotificationChannelRecord {
        let email = try await address(of: user)
        guard let viaId = input.viaChannelId else { throw OctoError.invalid("via_channel_id", "missing field 'via_channel_id'") }
        let via: NotificationChannelRecord
        do {
            via = try await get(viaId)
        } catch let error as OctoError where error.code == .notFound {
            throw OctoError.invalid("via_channel_id", "no notification channel \(viaId.lowercased) in this provider")
        }
        guard case .email(var configuration) = via.channel, via.ownerUserId == nil else {
            throw OctoError.invalid("via_channel_id", "via_channel_id must be one of the provider's e-mail channels")
        }
        let taken = try await tx.query("SELECT count(*) FROM notification_channels WHERE owner_user_id = \(user) AND via_channel_id = \(viaId)")
            .alertRows { try $0.value("count", as: Int.self) }.first ?? 0
        guard taken == 0 else { throw OctoError(.conflict, "already subscribed to alert e-mails through \(via.name)") }
        configuration.recipients = [email]
        configuration.password = nil
        let id = UUID()
        let now = tx.clock.now
        let record = NotificationChannelRecord(id: id, name: "E-mail · \(email.prefix(120)) · \(id.lowercased.prefix(6))", enabled: input.enabled ?? true,
                                               minSeverity: input.minSeverity ?? .critical, popId: input.popId?.wrapped,
                                               language: input.language ?? via.language, channel: .email(configuration),
                                               pacing: input.pacing ?? .standard, ownerUserId: user, viaChannelId: viaId, createdAt: now, updatedAt: now)
        try await save(record, new: true, secrets: nil)
        try await tx.query("UPDATE notification_channels SET owner_user_id = \(user), via_channel_id = \(viaId) WHERE id = \(id)")
        try await tx.audit("notification_channel.create", by: actor, target: ("notification_channel", id.lowercased),
                           before: NotificationChannelRecord?.none, after: record.redactedRecord)
        return record.redactedRecord
    }

    /// Changes what one of the user's e-mail subscriptions hears about; 404 for another user's.
    public func updateEmail(_ id: UUID, _ input: EmailSubscriptionInput, user: UUID, by actor: Actor) async throws -> NotificationChannelRecord {
        try await ownedEmail(id, user: user)
        guard input.viaChannelId == nil else { throw OctoError.invalid("via_channel_id", "to send through another channel, subscribe through it") }
        return try await update(id, NotificationChannelInput(enabled: input.enabled, minSeverity: input.minSeverity, popId: input.popId,
                                                             language: input.language, pacing: input.pacing), secrets: nil, by: actor)
    }

    /// Ends one of the user's e-mail subscriptions; 404 for another user's.
    public func unsubscribeEmail(_ id: UUID, user: UUID, by actor: Actor) async throws {
        try await ownedEmail(id, user: user)
        try await delete(id, by: actor)
    }

    func ownedEmail(_ id: UUID, user: UUID) async throws {
        let owned = try await tx.query("SELECT count(*) FROM notification_channels WHERE id = \(id) AND owner_user_id = \(user) AND via_channel_id IS NOT NULL")
            .alertRows { try $0.value("count", as: Int.self) }.first ?? 0
        guard owned == 1 else { throw OctoError.notFound("e-mail subscription") }
    }

    /// What an e-mail subscription sends with: the via channel's SMTP settings and secrets as they are
    /// now, to the owner's address as it is now.
    func sendingChannel(of record: NotificationChannelRecord, secrets: SecretBox?) async throws -> NotificationChannel {
        guard let viaId = record.viaChannelId, let owner = record.ownerUserId else { return record.channel }
        let via = try await get(viaId, secrets: secrets)
        guard case .email(var configuration) = via.channel else { return record.channel }
        configuration.recipients = [try await address(of: owner)]
        return .email(configuration)
    }

    /// A user's e-mail address as it is now.
    func address(of user: UUID) async throws -> String {
        guard let address = try await tx.query("SELECT email FROM users WHERE id = \(user)").alertRows({ try $0.value("email", as: String.self) }).first else {
            throw OctoError.notFound("user")
        }
        return address
    }
}
