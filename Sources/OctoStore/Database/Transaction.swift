import Foundation
import Logging
import OctoCore
import PostgresNIO

/// One unit of work inside a database transaction, bound to a tenant (or to none on the global path).
public struct Transaction: Sendable {
    /// The leased connection; valid only inside the transaction's closure.
    let connection: PostgresConnection
    /// The tenant this transaction is bound to; `nil` on the platform chain.
    public let providerID: UUID?
    /// The logger for its queries.
    public let logger: Logger
    /// Wall-clock time.
    public let clock: any WallClock
    /// What runs once this transaction has committed.
    let hooks: CommitHooks

    init(connection: PostgresConnection, providerID: UUID?, logger: Logger, clock: any WallClock, hooks: CommitHooks = CommitHooks()) {
        self.connection = connection
        self.providerID = providerID
        self.logger = logger
        self.clock = clock
        self.hooks = hooks
    }

    /// Registers `work` to run after this transaction commits, never after a rollback. It runs before
    /// the transaction's `withTenant`/`withGlobal` call returns; a failure is logged at error level (the
    /// commit stands), so `work` must be something the committed rows let a sweeper redo.
    public func afterCommit(_ work: @escaping @Sendable (Database) async throws -> Void) {
        hooks.append(work)
    }

    /// Runs a query and returns its rows.
    @discardableResult
    public func query(_ query: PostgresQuery, file: String = #fileID, line: Int = #line) async throws -> PostgresRowSequence {
        try await connection.answer(query, logger: logger, file: file, line: line)
    }

    /// Appends an audit record to the provider's chain, in this transaction.
    public func audit(_ record: AuditRecord) async throws {
        try await query("""
            INSERT INTO audit_log (provider_id, seq, at, actor_type, actor_id, actor_label, action, target_type,
                                   target_id, before, after, ip, request_id, prev_hash, hash)
            VALUES (\(providerID), 0, now(), \(record.actorType.rawValue), \(record.actorId), \(record.actorLabel),
                    \(record.action), \(record.targetType), \(record.targetId), \(record.before)::jsonb,
                    \(record.after)::jsonb, \(record.ip)::inet, \(record.requestId), '\\x'::bytea, '\\x'::bytea)
            """)
    }

    /// Publishes an event to realtime subscribers of `topic` in this transaction's provider; delivered
    /// to every process when the transaction commits.
    public func publish(topic: String, data: JSONValue) async throws {
        guard let providerID else { return }
        let event = RealtimeEvent(providerId: providerID, topic: topic, data: data)
        try await query("SELECT pg_notify(\(RealtimeEvent.channel), \(try event.encoded()))")
    }
}
