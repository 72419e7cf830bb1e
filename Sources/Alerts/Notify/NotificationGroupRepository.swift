import Foundation
import OctoCore
import OctoStore
import PostgresNIO

extension Transaction {
    /// What each channel last told each group of alerts (RLS).
    var notificationGroups: NotificationGroupRepository { NotificationGroupRepository(tx: self) }
}

/// The state behind ``NotificationPacing``: one row per channel and group key.
struct NotificationGroupRepository: Sendable {
    let tx: Transaction

    /// Starts the group-wait clock of a group that has none; an existing group keeps its state.
    func touch(channel: UUID, key: String) async throws {
        try await tx.query("""
            INSERT INTO notification_groups (provider_id, channel_id, group_key, first_seen_at)
            VALUES ((SELECT app_provider_id()), \(channel), \(key), \(tx.clock.now))
            ON CONFLICT (provider_id, channel_id, group_key) DO NOTHING
            """)
    }

    /// The group's state, locked until the transaction ends; nil when the channel tells it nothing.
    func lock(channel: UUID, key: String) async throws -> NotificationGroupState? {
        try await tx.query("""
            SELECT first_seen_at, last_sent_at, notified_firing FROM notification_groups
            WHERE channel_id = \(channel) AND group_key = \(key) FOR UPDATE
            """).alertRows { row in
                NotificationGroupState(firstSeenAt: try row.value("first_seen_at"), lastSentAt: try row.value("last_sent_at"),
                                       notifiedFiring: Set(try row.value("notified_firing", as: [UUID].self)))
            }.first
    }

    /// Records a notification that went out.
    func sent(channel: UUID, key: String, firing: Set<UUID>, at: Date) async throws {
        try await tx.query("""
            UPDATE notification_groups SET last_sent_at = \(at), notified_firing = \(Array(firing))
            WHERE channel_id = \(channel) AND group_key = \(key)
            """)
    }

    /// Forgets alerts that stopped notifying without resolving (suppressed since): they are not told as
    /// resolved, and told again if they notify again.
    func forget(channel: UUID, key: String, alerts: Set<UUID>) async throws {
        guard !alerts.isEmpty else { return }
        try await tx.query("""
            UPDATE notification_groups SET notified_firing = ARRAY(SELECT unnest(notified_firing) EXCEPT SELECT unnest(\(Array(alerts))))
            WHERE channel_id = \(channel) AND group_key = \(key)
            """)
    }

    /// Forgets a group with nothing left to tell.
    func delete(channel: UUID, key: String) async throws {
        try await tx.query("DELETE FROM notification_groups WHERE channel_id = \(channel) AND group_key = \(key)")
    }
}
