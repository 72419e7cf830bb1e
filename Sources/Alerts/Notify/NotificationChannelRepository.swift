import Foundation
import Notifications
import OctoCore
import OctoStore
import PostgresNIO

extension Transaction {
    /// Notification channels of the tenant.
    public var notificationChannels: NotificationChannelRepository { NotificationChannelRepository(tx: self) }
}

/// Notification channels (RLS, audited). Secrets are sealed with the provider and channel as context
/// and never answered; without a secret key only channels holding no secret can be stored.
public struct NotificationChannelRepository: Sendable {
    let tx: Transaction

    static let columns = "id, name, enabled, min_severity, pop_id, language, settings::text AS settings, secrets_sealed, pacing::text AS pacing, owner_user_id, via_channel_id, created_at, updated_at"

    func context(_ id: UUID) -> String { "notification-channel:\(tx.providerID?.lowercased ?? "-"):\(id.lowercased)" }

    /// Decodes a row; with `secrets`, the channel's secrets are opened.
    func decode(_ row: PostgresRandomAccessRow, secrets: SecretBox?) throws -> NotificationChannelRecord {
        let id: UUID = try row.value("id")
        var channel: NotificationChannel = try JSONDecoder().decode(NotificationChannel.self, from: Data(try row.value("settings", as: String.self).utf8))
        if let secrets, let sealed = try row.value("secrets_sealed", as: String?.self) {
            let values = try JSONDecoder().decode([String: String].self, from: Data(try secrets.open(sealed, context: context(id)).utf8))
            channel = channel.mapSecrets { field, secret in values[field.rawValue].map { NotificationSecret($0) } ?? secret }
        }
        let pacing = try row.value("pacing", as: String?.self).map { try JSONDecoder().decode(NotificationPacing.self, from: Data($0.utf8)) }
        return NotificationChannelRecord(id: id, name: try row.value("name"), enabled: try row.value("enabled"),
                                         minSeverity: AlertSeverity(rawValue: try row.value("min_severity")) ?? .warning, popId: try row.value("pop_id"),
                                         language: NotificationMessage.Language(rawValue: try row.value("language")) ?? .ptBR, channel: channel,
                                         pacing: pacing ?? .standard, ownerUserId: try row.value("owner_user_id"), viaChannelId: try row.value("via_channel_id"),
                                         createdAt: try row.value("created_at"), updatedAt: try row.value("updated_at"))
    }

    /// Channels by name, secrets redacted.
    public func list(page: PageRequest) async throws -> Page<NotificationChannelRecord> {
        let total = try await tx.query("SELECT count(*) FROM notification_channels").alertRows { try $0.value("count", as: Int.self) }.first ?? 0
        let items = try await tx.query("""
            SELECT \(unescaped: Self.columns) FROM notification_channels ORDER BY name, id LIMIT \(page.limit) OFFSET \(page.offset)
            """).alertRows { try decode($0, secrets: nil) }
        return Page(items: items.map(\.redactedRecord), total: total, limit: page.limit, offset: page.offset)
    }

    /// One channel, or 404; secrets opened when `secrets` is given, else empty.
    public func get(_ id: UUID, secrets: SecretBox? = nil) async throws -> NotificationChannelRecord {
        guard var record = try await tx.query("SELECT \(unescaped: Self.columns) FROM notification_channels WHERE id = \(id)")
            .alertRows({ try decode($0, secrets: secrets) }).first else { throw OctoError.notFound("notification channel") }
        guard secrets != nil else { return record.redactedRecord }
        if record.viaChannelId != nil { record.channel = try await sendingChannel(of: record, secrets: secrets) }
        return record
    }

    /// Every enabled channel, secrets opened (the delivery's view).
    func enabled(secrets: SecretBox?) async throws -> [NotificationChannelRecord] {
        try await tx.query("SELECT \(unescaped: Self.columns) FROM notification_channels WHERE enabled ORDER BY name")
            .alertRows { try decode($0, secrets: secrets) }
    }

    /// Creates a channel.
    public func create(_ input: NotificationChannelInput, secrets: SecretBox?, by actor: Actor) async throws -> NotificationChannelRecord {
        guard let name = input.name else { throw OctoError.invalid("name", "missing field 'name'") }
        guard let channel = input.channel else { throw OctoError.invalid("channel", "missing field 'channel'") }
        let now = tx.clock.now
        let record = NotificationChannelRecord(id: UUID(), name: name, enabled: input.enabled ?? true, minSeverity: input.minSeverity ?? .warning,
                                               popId: input.popId?.wrapped, language: input.language ?? .ptBR, channel: channel,
                                               pacing: input.pacing ?? .standard, ownerUserId: nil, createdAt: now, updatedAt: now)
        try await save(record, new: true, secrets: secrets)
        try await tx.audit("notification_channel.create", by: actor, target: ("notification_channel", record.id.lowercased),
                           before: NotificationChannelRecord?.none, after: record.redactedRecord)
        return record.redactedRecord
    }

    /// Changes a channel; empty secrets in `input.channel` keep the stored ones.
    public func update(_ id: UUID, _ input: NotificationChannelInput, secrets: SecretBox?, by actor: Actor) async throws -> NotificationChannelRecord {
        let before = try await get(id, secrets: secrets)
        var record = before
        if let name = input.name { record.name = name }
        if let enabled = input.enabled { record.enabled = enabled }
        if let severity = input.minSeverity { record.minSeverity = severity }
        if let pop = input.popId { record.popId = pop.wrapped }
        if let language = input.language { record.language = language }
        if let pacing = input.pacing { record.pacing = pacing }
        if let channel = input.channel {
            let old = before.channel.kind == channel.kind ? before.channel.secrets : [:]
            record.channel = channel.mapSecrets { field, secret in secret.value.isEmpty ? (old[field] ?? secret) : secret }
        }
        record.updatedAt = tx.clock.now
        try await save(record, new: false, secrets: secrets)
        try await tx.audit("notification_channel.update", by: actor, target: ("notification_channel", id.lowercased),
                           before: before.redactedRecord, after: record.redactedRecord)
        return record.redactedRecord
    }

    /// Deletes a channel and its delivery log.
    public func delete(_ id: UUID, by actor: Actor) async throws {
        let before = try await get(id)
        try await tx.query("DELETE FROM notification_channels WHERE id = \(id)")
        try await tx.audit("notification_channel.delete", by: actor, target: ("notification_channel", id.lowercased),
                           before: before, after: NotificationChannelRecord?.none)
    }

    func save(_ record: NotificationChannelRecord, new: Bool, secrets: SecretBox?) async throws {
        guard (1...200).contains(record.name.count) else { throw OctoError.invalid("name", "name must be 1–200 characters") }
        if let pop = record.popId {
            let found = try await tx.query("SELECT count(*) FROM pops WHERE id = \(pop)").alertRows { try $0.value("count", as: Int.self) }.first ?? 0
            guard found == 1 else { throw OctoError.invalid("pop_id", "no POP \(pop.lowercased) in this provider") }
        }
        try Self.validate(record.channel)
        do throws(PacingError) {
            try record.pacing.validate()
        } catch {
            throw OctoError.invalid("pacing.\(error.field)", "pacing.\(error.field) must be \(error.reason)")
        }
        let pacing = String(decoding: try JSONEncoder().encode(record.pacing), as: UTF8.self)
        let values = record.channel.secrets.filter { !$0.value.value.isEmpty }
        var sealed: String?
        if !values.isEmpty {
            guard let secrets else {
                throw OctoError.invalid("channel", "channels holding a password, key or token need a secret key (OCTOISP_SECRET_KEY) to be stored sealed")
            }
            let text = String(decoding: try JSONEncoder().encode(Dictionary(uniqueKeysWithValues: values.map { ($0.key.rawValue, $0.value.value) })),
                              as: UTF8.self)
            sealed = try secrets.seal(text, context: context(record.id))
        }
        let settings = String(decoding: try JSONEncoder().encode(record.channel.redacted), as: UTF8.self)
        do {
            if new {
                try await tx.query("""
                    INSERT INTO notification_channels (id, provider_id, name, kind, enabled, min_severity, pop_id, language, settings, secrets_sealed,
                                                       pacing, created_at, updated_at)
                    VALUES (\(record.id), (SELECT app_provider_id()), \(record.name), \(record.channel.kind.rawValue), \(record.enabled),
                            \(record.minSeverity.rawValue), \(record.popId), \(record.language.rawValue), \(settings)::jsonb, \(sealed),
                            \(pacing)::jsonb, \(record.createdAt), \(record.updatedAt))
                    """)
            } else {
                try await tx.query("""
                    UPDATE notification_channels SET name = \(record.name), kind = \(record.channel.kind.rawValue), enabled = \(record.enabled),
                        min_severity = \(record.minSeverity.rawValue), pop_id = \(record.popId), language = \(record.language.rawValue),
                        settings = \(settings)::jsonb, secrets_sealed = \(sealed), pacing = \(pacing)::jsonb, updated_at = \(record.updatedAt)
                    WHERE id = \(record.id)
                    """)
            }
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw OctoError(.conflict, "a notification channel named \(record.name) exists")
        }
    }

    /// What cannot be delivered to: a 400 naming the field.
    static func validate(_ channel: NotificationChannel) throws(OctoError) {
        switch channel {
        case .webhook(let settings):
            guard let scheme = settings.url.scheme?.lowercased(), scheme == "http" || scheme == "https", settings.url.host != nil else {
                throw .invalid("channel.settings.url", "a webhook URL is http or https with a host")
            }
            guard !settings.key.value.isEmpty else { throw .invalid("channel.settings.key", "a webhook needs a signing key") }
        case .telegram(let settings):
            guard !settings.botToken.value.isEmpty else { throw .invalid("channel.settings.bot_token", "a Telegram channel needs the bot token") }
        default:
            break
        }
    }

    /// Logs one attempt.
    func log(alert: UUID?, channel: UUID, status: String, outcome: String, attempt: Int, detail: String?, group: String? = nil,
             reason: String? = nil) async throws {
        try await tx.query("""
            INSERT INTO notification_deliveries (provider_id, alert_id, channel_id, status, outcome, attempt, detail, at, group_key, reason)
            VALUES ((SELECT app_provider_id()), \(alert), \(channel), \(status), \(outcome), \(attempt), \(detail), \(tx.clock.now),
                    \(group), \(reason))
            """)
    }

    /// The delivery log of an alert, oldest first.
    public func deliveries(alert: UUID) async throws -> [NotificationDelivery] {
        try await tx.query("""
            SELECT d.alert_id, d.channel_id, c.name, d.status, d.outcome, d.attempt, d.detail, d.at, d.group_key, d.reason
            FROM notification_deliveries d JOIN notification_channels c ON c.id = d.channel_id WHERE d.alert_id = \(alert) ORDER BY d.id
            """).alertRows { row in
                NotificationDelivery(alertId: try row.value("alert_id"), channelId: try row.value("channel_id"), channelName: try row.value("name"),
                                     status: try row.value("status"), outcome: try row.value("outcome"),
                                     attempt: Int(try row.value("attempt", as: Int32.self)), detail: try row.value("detail"), at: try row.value("at"),
                                     groupKey: try row.value("group_key"), reason: try row.value("reason"))
            }
    }
}

extension NotificationChannelRecord {
    /// The record with every secret emptied.
    public var redactedRecord: NotificationChannelRecord {
        var copy = self
        copy.channel = channel.redacted
        return copy
    }
}
