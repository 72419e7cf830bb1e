import Foundation
import OctoCore
import PostgresNIO

extension Transaction {
    /// The tenant's audit log (read side).
    public var auditLog: AuditRepository { AuditRepository(tx: self) }
}

/// Reads the audit log; writing goes through ``Transaction/audit(_:)``.
public struct AuditRepository: Sendable {
    let tx: Transaction

    static func decode(_ row: PostgresRandomAccessRow) throws -> AuditEntry {
        func json(_ column: String) throws -> JSONValue? {
            try row.get(column, as: String?.self).flatMap { try? OctoJSON.decoder.decode(JSONValue.self, from: Data($0.utf8)) }
        }
        return AuditEntry(id: try row.get("id"), providerId: try row.get("provider_id"), seq: try row.get("seq"),
                          at: try row.get("at"),
                          actorType: AuditEntry.ActorType(rawValue: try row.get("actor_type")) ?? .system,
                          actorId: try row.get("actor_id"), actorLabel: try row.get("actor_label"), action: try row.get("action"),
                          targetType: try row.get("target_type"), targetId: try row.get("target_id"),
                          before: try json("before"), after: try json("after"), ip: try row.get("ip"),
                          requestId: try row.get("request_id"))
    }

    /// A page of entries, newest first.
    /// `ORDER BY` of a list: a whitelisted column (``AuditFilter/sortKeys``), the id breaking ties.
    static func order(_ sort: ListSort?) -> String {
        guard let sort else { return "at DESC, id DESC" }
        return sort.sql(columns: ["at": "at", "action": "action", "actor_label": "actor_label", "target_type": "target_type"])
    }

    public func list(_ filter: AuditFilter, page: PageRequest) async throws -> Page<AuditEntry> {
        let actionPrefix = filter.action.map { "\(LikePattern.escape($0))%" }
        let condition: PostgresQuery = """
            provider_id IS NOT DISTINCT FROM \(tx.providerID)
            AND (\(actionPrefix)::text IS NULL OR action LIKE \(actionPrefix))
            AND (\(filter.actorId)::uuid IS NULL OR actor_id = \(filter.actorId))
            AND (\(filter.targetId)::text IS NULL OR target_id = \(filter.targetId))
            AND (\(filter.since)::timestamptz IS NULL OR at >= \(filter.since))
            AND (\(filter.until)::timestamptz IS NULL OR at < \(filter.until))
            """
        let items = try await tx.query(PostgresQuery(unsafeSQL: """
            SELECT id, provider_id, seq, at, actor_type, actor_id, actor_label, action, target_type, target_id,
                   before::text AS before, after::text AS after, host(ip) AS ip, request_id
            FROM audit_log WHERE \(condition.sql) ORDER BY \(Self.order(filter.sort)) LIMIT \(page.limit) OFFSET \(page.offset)
            """, binds: condition.binds)).map(Self.decode)
        let total = try await tx.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int AS count FROM audit_log WHERE \(condition.sql)",
                                                     binds: condition.binds)).first { try $0.get("count", as: Int.self) } ?? 0
        return Page(items: items, total: total, limit: page.limit, offset: page.offset)
    }
}
