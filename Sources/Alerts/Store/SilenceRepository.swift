import Foundation
import OctoCore
import OctoStore
import PostgresNIO

extension Transaction {
    /// Silences of the tenant.
    public var silences: SilenceRepository { SilenceRepository(tx: self) }
    /// Maintenance windows of the tenant.
    public var maintenanceWindows: MaintenanceRepository { MaintenanceRepository(tx: self) }
}

/// Silences (RLS, audited).
public struct SilenceRepository: Sendable {
    let tx: Transaction

    static func decode(_ row: PostgresRandomAccessRow) throws -> Silence {
        Silence(id: try row.value("id"), matchers: try row.json("matchers"), startsAt: try row.value("starts_at"), endsAt: try row.value("ends_at"),
                reason: try row.value("reason"), createdBy: try row.value("created_by"), createdAt: try row.value("created_at"))
    }

    /// Silences, newest first; `active` keeps those in force now.
    public func list(active: Bool, page: PageRequest) async throws -> Page<Silence> {
        let now = tx.clock.now
        let total = try await tx.query("""
            SELECT count(*) FROM silences WHERE NOT \(active) OR (starts_at <= \(now) AND ends_at > \(now))
            """).alertRows { try $0.value("count", as: Int.self) }.first ?? 0
        let items = try await tx.query("""
            SELECT id, matchers::text AS matchers, starts_at, ends_at, reason, created_by, created_at FROM silences
            WHERE NOT \(active) OR (starts_at <= \(now) AND ends_at > \(now)) ORDER BY created_at DESC, id LIMIT \(page.limit) OFFSET \(page.offset)
            """).alertRows(Self.decode)
        return Page(items: items, total: total, limit: page.limit, offset: page.offset)
    }

    /// One silence, or 404.
    public func get(_ id: UUID) async throws -> Silence {
        guard let silence = try await tx.query("""
            SELECT id, matchers::text AS matchers, starts_at, ends_at, reason, created_by, created_at FROM silences WHERE id = \(id)
            """).alertRows(Self.decode).first else { throw OctoError.notFound("silence") }
        return silence
    }

    /// Creates a silence.
    public func create(_ input: SilenceInput, by actor: Actor) async throws -> Silence {
        let now = tx.clock.now
        let (start, end) = try input.validate(now: now)
        let silence = Silence(id: UUID(), matchers: input.matchers, startsAt: start, endsAt: end, reason: input.reason, createdBy: actor.label ?? actor.id?.lowercased ?? "unknown", createdAt: now)
        try await tx.query("""
            INSERT INTO silences (id, provider_id, matchers, starts_at, ends_at, reason, created_by, created_at)
            VALUES (\(silence.id), (SELECT app_provider_id()), \(try jsonText(silence.matchers))::jsonb, \(start), \(end), \(silence.reason),
                    \(silence.createdBy), \(now))
            """)
        try await tx.audit("silence.create", by: actor, target: ("silence", silence.id.lowercased), before: Silence?.none, after: silence)
        return silence
    }

    /// Ends a silence now (it stays in the history).
    public func expire(_ id: UUID, by actor: Actor) async throws -> Silence {
        let before = try await get(id)
        let now = tx.clock.now
        var after = before
        after.endsAt = max(min(before.endsAt, now), before.startsAt)
        try await tx.query("UPDATE silences SET ends_at = \(after.endsAt) WHERE id = \(id)")
        try await tx.audit("silence.expire", by: actor, target: ("silence", id.lowercased), before: before, after: after)
        return after
    }
}

/// Maintenance windows (RLS, audited).
public struct MaintenanceRepository: Sendable {
    let tx: Transaction

    static let columns = "id, name, scope, scope_id, starts_at, ends_at, recurrence, until, reason, created_by, created_at"

    static func decode(_ row: PostgresRandomAccessRow) throws -> MaintenanceWindow {
        MaintenanceWindow(id: try row.value("id"), name: try row.value("name"), scope: AlertScope(rawValue: try row.value("scope")) ?? .provider,
                          scopeId: try row.value("scope_id"), startsAt: try row.value("starts_at"), endsAt: try row.value("ends_at"),
                          recurrence: (try row.value("recurrence", as: String?.self)).flatMap(MaintenanceWindow.Recurrence.init(rawValue:)),
                          until: try row.value("until"), reason: try row.value("reason"), createdBy: try row.value("created_by"),
                          createdAt: try row.value("created_at"))
    }

    /// Windows by start, newest first.
    public func list(page: PageRequest) async throws -> Page<MaintenanceWindow> {
        let total = try await tx.query("SELECT count(*) FROM maintenance_windows").alertRows { try $0.value("count", as: Int.self) }.first ?? 0
        let items = try await tx.query("""
            SELECT \(unescaped: Self.columns) FROM maintenance_windows ORDER BY starts_at DESC, id LIMIT \(page.limit) OFFSET \(page.offset)
            """).alertRows(Self.decode)
        return Page(items: items, total: total, limit: page.limit, offset: page.offset)
    }

    /// One window, or 404.
    public func get(_ id: UUID) async throws -> MaintenanceWindow {
        guard let window = try await tx.query("SELECT \(unescaped: Self.columns) FROM maintenance_windows WHERE id = \(id)").alertRows(Self.decode).first else {
            throw OctoError.notFound("maintenance window")
        }
        return window
    }

    /// Creates a window.
    public func create(_ input: MaintenanceWindowInput, by actor: Actor) async throws -> MaintenanceWindow {
        try input.validate()
        if let id = input.scopeId {
            let table = switch input.scope { case .pop: "pops"; case .group: "device_groups"; default: "devices" }
            let found = try await tx.query("SELECT count(*) FROM \(unescaped: table) WHERE id = \(id)").alertRows { try $0.value("count", as: Int.self) }.first ?? 0
            guard found == 1 else { throw OctoError.invalid("scope_id", "no \(input.scope.rawValue) \(id.lowercased) in this provider") }
        }
        let window = MaintenanceWindow(id: UUID(), name: input.name, scope: input.scope, scopeId: input.scopeId, startsAt: input.startsAt,
                                       endsAt: input.endsAt, recurrence: input.recurrence, until: input.until, reason: input.reason,
                                       createdBy: actor.label ?? actor.id?.lowercased ?? "unknown", createdAt: tx.clock.now)
        try await tx.query("""
            INSERT INTO maintenance_windows (id, provider_id, name, scope, scope_id, starts_at, ends_at, recurrence, until, reason, created_by, created_at)
            VALUES (\(window.id), (SELECT app_provider_id()), \(window.name), \(window.scope.rawValue), \(window.scopeId), \(window.startsAt),
                    \(window.endsAt), \(window.recurrence?.rawValue), \(window.until), \(window.reason), \(window.createdBy), \(window.createdAt))
            """)
        try await tx.audit("maintenance_window.create", by: actor, target: ("maintenance_window", window.id.lowercased),
                           before: MaintenanceWindow?.none, after: window)
        return window
    }

    /// Deletes a window.
    public func delete(_ id: UUID, by actor: Actor) async throws {
        let before = try await get(id)
        try await tx.query("DELETE FROM maintenance_windows WHERE id = \(id)")
        try await tx.audit("maintenance_window.delete", by: actor, target: ("maintenance_window", id.lowercased), before: before,
                           after: MaintenanceWindow?.none)
    }
}
