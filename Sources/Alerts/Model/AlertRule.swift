import Foundation
import OctoCore

/// A rule: a condition over the devices of a scope, with a severity and timing.
public struct AlertRule: Sendable, Hashable, Codable {
    /// Id.
    public var id: UUID
    /// Unique name per provider.
    public var name: String
    /// What the rule is for.
    public var description: String?
    /// Disabled rules are not evaluated; their active alerts resolve.
    public var enabled: Bool
    /// Severity of its alerts.
    public var severity: AlertSeverity
    /// Provider, POP, group or device.
    public var scope: AlertScope
    /// The POP, group or device (nil for the provider).
    public var scopeId: UUID?
    /// Only devices of these kinds (`olt`, `router`, …); nil for every kind.
    public var deviceKinds: [String]?
    /// Whether provider- and POP-wide rules include CPEs and ONTs (a customer switching a router off is not an incident).
    public var includeCpe: Bool
    /// What is watched.
    public var condition: AlertCondition
    /// Seconds the condition must hold before the alert fires.
    public var forSeconds: Int
    /// Seconds the condition must stay clear before the alert resolves.
    public var keepFiringForSeconds: Int
    /// Labels added to every alert of the rule.
    public var labels: [String: String]
    /// The built-in rule this one was made from, if any.
    public var builtin: String?
    /// Created.
    public var createdAt: Date
    /// Updated.
    public var updatedAt: Date
}

/// `POST /alert-rules` and `PATCH /alert-rules/{id}` (absent fields unchanged on PATCH).
public struct AlertRuleInput: Sendable, Codable {
    public var name: String?
    public var description: String?
    public var enabled: Bool?
    public var severity: AlertSeverity?
    public var scope: AlertScope?
    public var scopeId: UUID?
    public var deviceKinds: [String]?
    public var includeCpe: Bool?
    public var condition: AlertCondition?
    public var forSeconds: Int?
    public var keepFiringForSeconds: Int?
    public var labels: [String: String]?

    /// Creates an input.
    public init(name: String? = nil, description: String? = nil, enabled: Bool? = nil, severity: AlertSeverity? = nil, scope: AlertScope? = nil,
                scopeId: UUID? = nil, deviceKinds: [String]? = nil, includeCpe: Bool? = nil, condition: AlertCondition? = nil,
                forSeconds: Int? = nil, keepFiringForSeconds: Int? = nil, labels: [String: String]? = nil) {
        self.name = name
        self.description = description
        self.enabled = enabled
        self.severity = severity
        self.scope = scope
        self.scopeId = scopeId
        self.deviceKinds = deviceKinds
        self.includeCpe = includeCpe
        self.condition = condition
        self.forSeconds = forSeconds
        self.keepFiringForSeconds = keepFiringForSeconds
        self.labels = labels
    }

    static let kinds: Set<String> = ["cpe", "ont", "router", "switch", "olt", "access_point", "server", "other"]

    /// `rule` with this input applied, validated; 400 naming the field.
    func applied(to rule: AlertRule) throws(OctoError) -> AlertRule {
        var rule = rule
        if let name { rule.name = name.trimmingCharacters(in: .whitespaces) }
        if let description { rule.description = description }
        if let enabled { rule.enabled = enabled }
        if let severity { rule.severity = severity }
        if let scope { rule.scope = scope; rule.scopeId = scope == .provider ? nil : scopeId }
        else if let scopeId { rule.scopeId = scopeId }
        if let deviceKinds { rule.deviceKinds = deviceKinds.isEmpty ? nil : deviceKinds }
        if let includeCpe { rule.includeCpe = includeCpe }
        if let condition { rule.condition = condition }
        if let forSeconds { rule.forSeconds = forSeconds }
        if let keepFiringForSeconds { rule.keepFiringForSeconds = keepFiringForSeconds }
        if let labels { rule.labels = labels }
        guard (1...200).contains(rule.name.count) else { throw .invalid("name", "name must be 1–200 characters") }
        guard (rule.scope == .provider) == (rule.scopeId == nil) else {
            throw .invalid("scope_id", rule.scope == .provider ? "a provider-wide rule has no scope_id" : "scope \(rule.scope.rawValue) needs scope_id")
        }
        for kind in rule.deviceKinds ?? [] where !Self.kinds.contains(kind) {
            throw .invalid("device_kinds", "unknown device kind \(kind)")
        }
        guard (0...86_400).contains(rule.forSeconds) else { throw .invalid("for_seconds", "for_seconds must be 0–86400") }
        guard (0...86_400).contains(rule.keepFiringForSeconds) else {
            throw .invalid("keep_firing_for_seconds", "keep_firing_for_seconds must be 0–86400")
        }
        guard rule.labels.count <= 20, rule.labels.allSatisfy({ (1...64).contains($0.key.count) && $0.value.count <= 200 }) else {
            throw .invalid("labels", "at most 20 labels, keys 1–64 and values up to 200 characters")
        }
        try rule.condition.validate()
        return rule
    }

    /// A new rule from this input; 400 naming the first missing field.
    func newRule(now: Date) throws(OctoError) -> AlertRule {
        guard let name else { throw .invalid("name", "missing field 'name'") }
        guard let condition else { throw .invalid("condition", "missing field 'condition'") }
        let draft = AlertRule(id: UUID(), name: name, description: nil, enabled: true, severity: severity ?? .warning, scope: scope ?? .provider,
                              scopeId: nil, deviceKinds: nil, includeCpe: false, condition: condition, forSeconds: 0, keepFiringForSeconds: 0,
                              labels: [:], builtin: nil, createdAt: now, updatedAt: now)
        var input = self
        if input.scope == nil, input.scopeId == nil { input.scope = .provider }
        return try input.applied(to: draft)
    }
}
