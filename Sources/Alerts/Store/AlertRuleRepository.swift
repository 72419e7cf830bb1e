import Foundation
import OctoCore
import OctoStore
import PostgresNIO

extension Transaction {
    /// Alert rules of the tenant.
    public var alertRules: AlertRuleRepository { AlertRuleRepository(tx: self) }
}

/// Alert rules in the tenant transaction (RLS); every change audited.
public struct AlertRuleRepository: Sendable {
    let tx: Transaction

    static let columns = """
        id, name, description, enabled, severity, scope, scope_id, device_kinds, include_cpe, condition::text AS condition,
        for_seconds, keep_firing_for_seconds, labels::text AS labels, builtin, created_at, updated_at
        """

    static func decode(_ row: PostgresRandomAccessRow) throws -> AlertRule {
        AlertRule(id: try row.value("id"), name: try row.value("name"), description: try row.value("description"),
                  enabled: try row.value("enabled"), severity: AlertSeverity(rawValue: try row.value("severity")) ?? .warning,
                  scope: AlertScope(rawValue: try row.value("scope")) ?? .provider, scopeId: try row.value("scope_id"),
                  deviceKinds: try row.value("device_kinds"), includeCpe: try row.value("include_cpe"),
                  condition: try row.json("condition"), forSeconds: Int(try row.value("for_seconds", as: Int32.self)),
                  keepFiringForSeconds: Int(try row.value("keep_firing_for_seconds", as: Int32.self)),
                  labels: try row.json("labels"), builtin: try row.value("builtin"),
                  createdAt: try row.value("created_at"), updatedAt: try row.value("updated_at"))
    }

    /// Rules, by name; only enabled ones when `enabledOnly`.
    public func list(enabledOnly: Bool = false, page: PageRequest? = nil) async throws -> Page<AlertRule> {
        let page = try page ?? PageRequest(limit: PageRequest.maxLimit)
        let total = try await tx.query("SELECT count(*) FROM alert_rules WHERE enabled OR NOT \(enabledOnly)").alertRows { try $0.value("count", as: Int.self) }.first ?? 0
        let items = try await tx.query("""
            SELECT \(unescaped: Self.columns) FROM alert_rules WHERE enabled OR NOT \(enabledOnly) ORDER BY name, id LIMIT \(page.limit) OFFSET \(page.offset)
            """).alertRows(Self.decode)
        return Page(items: items, total: total, limit: page.limit, offset: page.offset)
    }

    /// Every enabled rule (the evaluator's view).
    public func enabled() async throws -> [AlertRule] {
        try await tx.query("SELECT \(unescaped: Self.columns) FROM alert_rules WHERE enabled ORDER BY name, id").alertRows(Self.decode)
    }

    /// One rule, or 404.
    public func get(_ id: UUID) async throws -> AlertRule {
        guard let rule = try await tx.query("SELECT \(unescaped: Self.columns) FROM alert_rules WHERE id = \(id)").alertRows(Self.decode).first else {
            throw OctoError.notFound("alert rule")
        }
        return rule
    }

    /// Checks that the scope's POP, group or device is the tenant's.
    func checkScope(_ rule: AlertRule) async throws {
        guard let id = rule.scopeId else { return }
        let table = switch rule.scope { case .pop: "pops"; case .group: "device_groups"; case .device: "devices"; case .provider: "" }
        let found = try await tx.query("SELECT count(*) FROM \(unescaped: table) WHERE id = \(id)").alertRows { try $0.value("count", as: Int.self) }.first ?? 0
        guard found == 1 else { throw OctoError.invalid("scope_id", "no \(rule.scope.rawValue) \(id.lowercased) in this provider") }
    }

    /// Creates a rule; 409 when the name is taken.
    public func create(_ input: AlertRuleInput, by actor: Actor) async throws -> AlertRule {
        let rule = try input.newRule(now: tx.clock.now)
        try await checkScope(rule)
        try await save(rule, new: true)
        try await tx.audit("alert_rule.create", by: actor, target: ("alert_rule", rule.id.lowercased), before: AlertRule?.none, after: rule)
        return rule
    }

    /// Changes a rule.
    public func update(_ id: UUID, _ input: AlertRuleInput, by actor: Actor) async throws -> AlertRule {
        let before = try await get(id)
        var rule = try input.applied(to: before)
        rule.updatedAt = tx.clock.now
        try await checkScope(rule)
        try await save(rule, new: false)
        try await tx.audit("alert_rule.update", by: actor, target: ("alert_rule", id.lowercased), before: before, after: rule)
        return rule
    }

    /// Deletes a rule and its alerts.
    public func delete(_ id: UUID, by actor: Actor) async throws {
        let before = try await get(id)
        try await tx.query("DELETE FROM alert_rules WHERE id = \(id)")
        try await tx.audit("alert_rule.delete", by: actor, target: ("alert_rule", id.lowercased), before: before, after: AlertRule?.none)
    }

    func save(_ rule: AlertRule, new: Bool) async throws {
        let condition = try jsonText(rule.condition)
        let labels = try jsonText(rule.labels)
        do {
            if new {
                try await tx.query("""
                    INSERT INTO alert_rules (id, provider_id, name, description, enabled, severity, scope, scope_id, device_kinds, include_cpe,
                        condition, for_seconds, keep_firing_for_seconds, labels, builtin, created_at, updated_at)
                    VALUES (\(rule.id), (SELECT app_provider_id()), \(rule.name), \(rule.description), \(rule.enabled), \(rule.severity.rawValue),
                        \(rule.scope.rawValue), \(rule.scopeId), \(rule.deviceKinds), \(rule.includeCpe), \(condition)::jsonb, \(rule.forSeconds),
                        \(rule.keepFiringForSeconds), \(labels)::jsonb, \(rule.builtin), \(rule.createdAt), \(rule.updatedAt))
                    """)
            } else {
                try await tx.query("""
                    UPDATE alert_rules SET name = \(rule.name), description = \(rule.description), enabled = \(rule.enabled),
                        severity = \(rule.severity.rawValue), scope = \(rule.scope.rawValue), scope_id = \(rule.scopeId),
                        device_kinds = \(rule.deviceKinds), include_cpe = \(rule.includeCpe), condition = \(condition)::jsonb,
                        for_seconds = \(rule.forSeconds), keep_firing_for_seconds = \(rule.keepFiringForSeconds), labels = \(labels)::jsonb,
                        updated_at = \(rule.updatedAt)
                    WHERE id = \(rule.id)
                    """)
            }
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw OctoError(.conflict, "an alert rule named \(rule.name) exists")
        }
    }
}
