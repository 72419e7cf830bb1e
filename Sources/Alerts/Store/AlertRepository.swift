import Foundation
import OctoCore
import OctoStore
import PostgresNIO

extension Transaction {
    /// Alerts of the tenant.
    public var alerts: AlertRepository { AlertRepository(tx: self) }
    /// Incidents of the tenant.
    public var incidents: IncidentRepository { IncidentRepository(tx: self) }
}

/// Filters of `GET /alerts`.
public struct AlertFilter: Sendable {
    /// `active` (pending, firing, resolving; the default), a single state, or `all`.
    public var state: String = "active"
    /// Only this severity and above.
    public var severity: AlertSeverity?
    /// Only this POP's devices.
    public var popId: UUID?
    /// Only this device.
    public var deviceId: UUID?
    /// Only this rule.
    public var ruleId: UUID?
    /// Include suppressed alerts (default true).
    public var suppressed = true

    /// Creates a filter.
    public init(state: String = "active", severity: AlertSeverity? = nil, popId: UUID? = nil, deviceId: UUID? = nil, ruleId: UUID? = nil,
                suppressed: Bool = true) {
        self.state = state
        self.severity = severity
        self.popId = popId
        self.deviceId = deviceId
        self.ruleId = ruleId
        self.suppressed = suppressed
    }
}

/// Alerts and their timelines (RLS).
public struct AlertRepository: Sendable {
    let tx: Transaction

    static let columns = """
        a.id, a.rule_id, r.name AS rule_name, a.fingerprint, a.device_id, d.name AS device_name, d.pop_id, a.target, a.labels::text AS labels,
        a.severity, a.state, a.value, a.summary, a.summary_pt, a.no_data, a.started_at, a.fired_at, a.clear_since, a.resolved_at, a.evaluated_at,
        a.suppressed_by, a.affected, a.incident_id
        FROM alerts a JOIN alert_rules r ON r.id = a.rule_id LEFT JOIN devices d ON d.provider_id = a.provider_id AND d.id = a.device_id
        """

    static func decode(_ row: PostgresRandomAccessRow) throws -> Alert {
        Alert(id: try row.value("id"), ruleId: try row.value("rule_id"), ruleName: try row.value("rule_name"), fingerprint: try row.value("fingerprint"),
              deviceId: try row.value("device_id"), deviceName: try row.value("device_name"), popId: try row.value("pop_id"),
              target: try row.value("target"), labels: try row.json("labels"), severity: AlertSeverity(rawValue: try row.value("severity")) ?? .warning,
              state: AlertStateMachine.State(rawValue: try row.value("state")) ?? .pending, value: try row.value("value"),
              summary: try row.value("summary"), summaryPtBr: try row.value("summary_pt"), noData: try row.value("no_data"), startedAt: try row.value("started_at"),
              firedAt: try row.value("fired_at"), clearSince: try row.value("clear_since"), resolvedAt: try row.value("resolved_at"),
              evaluatedAt: try row.value("evaluated_at"), suppressedBy: try row.value("suppressed_by"),
              affected: Int(try row.value("affected", as: Int32.self)), incidentId: try row.value("incident_id"))
    }

    /// Alerts matching `filter`: most severe first, then newest.
    public func list(_ filter: AlertFilter, page: PageRequest) async throws -> Page<Alert> {
        let states: [String] = switch filter.state {
        case "active": ["pending", "firing", "resolving"]
        case "all": ["pending", "firing", "resolving", "resolved"]
        default: [filter.state]
        }
        let severities = AlertSeverity.allCases.filter { $0 >= (filter.severity ?? .info) }.map(\.rawValue)
        let total = try await tx.query("""
            SELECT count(*) FROM alerts a LEFT JOIN devices d ON d.provider_id = a.provider_id AND d.id = a.device_id
            WHERE a.state = ANY(\(states)) AND a.severity = ANY(\(severities)) AND (\(filter.popId)::uuid IS NULL OR d.pop_id = \(filter.popId))
              AND (\(filter.deviceId)::uuid IS NULL OR a.device_id = \(filter.deviceId)) AND (\(filter.ruleId)::uuid IS NULL OR a.rule_id = \(filter.ruleId))
              AND (\(filter.suppressed) OR a.suppressed_by IS NULL)
            """).alertRows { try $0.value("count", as: Int.self) }.first ?? 0
        let items = try await tx.query("""
            SELECT \(unescaped: Self.columns)
            WHERE a.state = ANY(\(states)) AND a.severity = ANY(\(severities)) AND (\(filter.popId)::uuid IS NULL OR d.pop_id = \(filter.popId))
              AND (\(filter.deviceId)::uuid IS NULL OR a.device_id = \(filter.deviceId)) AND (\(filter.ruleId)::uuid IS NULL OR a.rule_id = \(filter.ruleId))
              AND (\(filter.suppressed) OR a.suppressed_by IS NULL)
            ORDER BY CASE a.severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, a.started_at DESC, a.id
            LIMIT \(page.limit) OFFSET \(page.offset)
            """).alertRows(Self.decode)
        return Page(items: items, total: total, limit: page.limit, offset: page.offset)
    }

    /// One alert, or 404.
    public func get(_ id: UUID) async throws -> Alert {
        guard let alert = try await tx.query("SELECT \(unescaped: Self.columns) WHERE a.id = \(id)").alertRows(Self.decode).first else {
            throw OctoError.notFound("alert")
        }
        return alert
    }

    /// The alerts that fire now and notify (firing or resolving, not suppressed): what a notification
    /// group tells as firing.
    func notifying() async throws -> [Alert] {
        try await tx.query("""
            SELECT \(unescaped: Self.columns) WHERE a.state IN ('firing', 'resolving') AND a.suppressed_by IS NULL ORDER BY a.started_at, a.id
            """).alertRows(Self.decode)
    }

    /// These alerts, those that still exist.
    func get(_ ids: [UUID]) async throws -> [Alert] {
        guard !ids.isEmpty else { return [] }
        return try await tx.query("SELECT \(unescaped: Self.columns) WHERE a.id = ANY(\(ids)) ORDER BY a.started_at, a.id").alertRows(Self.decode)
    }

    /// An alert's timeline, oldest first.
    public func events(_ id: UUID) async throws -> [AlertEvent] {
        try await tx.query("SELECT at, state, value, note FROM alert_events WHERE alert_id = \(id) ORDER BY id").alertRows { row in
            AlertEvent(at: try row.value("at"), state: try row.value("state"), value: try row.value("value"), note: try row.value("note"))
        }
    }
}

/// Incidents and their timelines (RLS; operator actions audited).
public struct IncidentRepository: Sendable {
    let tx: Transaction

    static let columns = """
        id, title, title_pt, severity, status, device_id, pop_id, affected, opened_at, acknowledged_at, acknowledged_by, assigned_to, resolved_at, resolved_by
        """

    static func decode(_ row: PostgresRandomAccessRow) throws -> Incident {
        Incident(id: try row.value("id"), title: try row.value("title"), titlePtBr: try row.value("title_pt"), severity: AlertSeverity(rawValue: try row.value("severity")) ?? .warning,
                 status: Incident.Status(rawValue: try row.value("status")) ?? .open, deviceId: try row.value("device_id"), popId: try row.value("pop_id"),
                 affected: Int(try row.value("affected", as: Int32.self)), openedAt: try row.value("opened_at"),
                 acknowledgedAt: try row.value("acknowledged_at"), acknowledgedBy: try row.value("acknowledged_by"),
                 assignedTo: try row.value("assigned_to"), resolvedAt: try row.value("resolved_at"), resolvedBy: try row.value("resolved_by"))
    }

    /// Incidents, newest first; `open` keeps the unresolved ones.
    public func list(open: Bool, popId: UUID?, page: PageRequest) async throws -> Page<Incident> {
        let total = try await tx.query("""
            SELECT count(*) FROM incidents WHERE (NOT \(open) OR status <> 'resolved') AND (\(popId)::uuid IS NULL OR pop_id = \(popId))
            """).alertRows { try $0.value("count", as: Int.self) }.first ?? 0
        let items = try await tx.query("""
            SELECT \(unescaped: Self.columns) FROM incidents WHERE (NOT \(open) OR status <> 'resolved') AND (\(popId)::uuid IS NULL OR pop_id = \(popId))
            ORDER BY opened_at DESC, id LIMIT \(page.limit) OFFSET \(page.offset)
            """).alertRows(Self.decode)
        return Page(items: items, total: total, limit: page.limit, offset: page.offset)
    }

    /// One incident, or 404.
    public func get(_ id: UUID) async throws -> Incident {
        guard let incident = try await tx.query("SELECT \(unescaped: Self.columns) FROM incidents WHERE id = \(id)").alertRows(Self.decode).first else {
            throw OctoError.notFound("incident")
        }
        return incident
    }

    /// The timeline, oldest first.
    public func events(_ id: UUID) async throws -> [IncidentEvent] {
        try await tx.query("SELECT at, kind, actor, text, text_pt FROM incident_events WHERE incident_id = \(id) ORDER BY id").alertRows { row in
            IncidentEvent(at: try row.value("at"), kind: try row.value("kind"), actor: try row.value("actor"), text: try row.value("text"),
                          textPtBr: try row.value("text_pt"))
        }
    }

    /// What an operator does to an incident.
    public enum Action: Sendable {
        case acknowledge
        case assign(UUID?)
        case note(String)
        case resolve
    }

    /// Applies `action`; 409 when the incident is resolved (except notes).
    public func act(_ id: UUID, _ action: Action, by actor: Actor) async throws -> Incident {
        let before = try await get(id)
        let now = tx.clock.now
        let who = actor.label ?? actor.id?.lowercased ?? "unknown"
        func event(_ kind: String, _ text: String?) async throws {
            try await tx.query("""
                INSERT INTO incident_events (provider_id, incident_id, at, kind, actor, text)
                VALUES ((SELECT app_provider_id()), \(id), \(now), \(kind), \(who), \(text))
                """)
        }
        if case .note = action {} else if before.status == .resolved {
            throw OctoError(.conflict, "the incident is resolved")
        }
        switch action {
        case .acknowledge:
            guard before.status == .open else { throw OctoError(.conflict, "the incident is already acknowledged") }
            try await tx.query("UPDATE incidents SET status = 'acknowledged', acknowledged_at = \(now), acknowledged_by = \(actor.id) WHERE id = \(id)")
            try await event("acknowledged", nil)
        case .assign(let user):
            if let user {
                let found = try await tx.query("SELECT count(*) FROM users WHERE id = \(user)").alertRows { try $0.value("count", as: Int.self) }.first ?? 0
                guard found == 1 else { throw OctoError.invalid("user_id", "no user \(user.lowercased) in this provider") }
            }
            try await tx.query("UPDATE incidents SET assigned_to = \(user) WHERE id = \(id)")
            try await event("assigned", user?.lowercased)
        case .note(let text):
            guard (1...4000).contains(text.count) else { throw OctoError.invalid("text", "a note is 1–4000 characters") }
            try await event("note", text)
        case .resolve:
            try await tx.query("UPDATE incidents SET status = 'resolved', resolved_at = \(now), resolved_by = \(actor.id) WHERE id = \(id)")
            try await event("resolved", nil)
        }
        let after = try await get(id)
        let name = switch action { case .acknowledge: "acknowledge"; case .assign: "assign"; case .note: "note"; case .resolve: "resolve" }
        try await tx.audit("incident.\(name)", by: actor, target: ("incident", id.lowercased), before: before, after: after)
        try await tx.publish(topic: "incidents", data: .object(["event": .string(name), "id": .string(id.lowercased)]))
        return after
    }
}

extension AlertRepository {
    /// The alerts of an incident (at most 500, root causes and most severe first).
    public func list(incident: UUID) async throws -> [Alert] {
        try await tx.query("""
            SELECT \(unescaped: Self.columns) WHERE a.incident_id = \(incident)
            ORDER BY (a.suppressed_by IS NULL) DESC, CASE a.severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, a.started_at, a.id
            LIMIT 500
            """).alertRows(Self.decode)
    }
}
