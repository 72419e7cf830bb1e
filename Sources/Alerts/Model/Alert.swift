import Foundation

/// One rule on one target while it is (or was) wrong.
public struct Alert: Sendable, Hashable, Codable {
    /// Id.
    public var id: UUID
    /// The rule.
    public var ruleId: UUID
    /// The rule's name (for lists).
    public var ruleName: String?
    /// Rule + target + labels: one active alert per fingerprint.
    public var fingerprint: String
    /// The device, when the target is one or belongs to one.
    public var deviceId: UUID?
    /// The device's name.
    public var deviceName: String?
    /// The device's POP.
    public var popId: UUID?
    /// `device`, `interface:3`, `series:42`, …
    public var target: String
    /// Labels (rule labels, target labels).
    public var labels: [String: String]
    /// Severity.
    public var severity: AlertSeverity
    /// pending, firing, resolving or resolved.
    public var state: AlertStateMachine.State
    /// The last value observed.
    public var value: Double?
    /// A sentence for the NOC, in English.
    public var summary: String
    /// The same sentence in Portuguese (`nil` for alerts stored before it was written).
    public var summaryPtBr: String?
    /// The last evaluation had no data.
    public var noData: Bool
    /// When the episode began.
    public var startedAt: Date
    /// When it started firing.
    public var firedAt: Date?
    /// Since when the condition has been clear while firing.
    public var clearSince: Date?
    /// When it resolved.
    public var resolvedAt: Date?
    /// Last evaluation.
    public var evaluatedAt: Date
    /// `silence:<id>`, `maintenance:<id>` or `parent:<alert id>` when suppressed (still recorded).
    public var suppressedBy: String?
    /// For a parent's alert: how many child alerts it suppresses.
    public var affected: Int
    /// The incident it belongs to.
    public var incidentId: UUID?
}

/// A sentence the platform writes for people, in each language it speaks.
public struct AlertText: Sendable, Hashable {
    /// English.
    public var en: String
    /// Portuguese (Brazil).
    public var pt: String

    /// Creates the pair.
    public init(en: String, pt: String) {
        self.en = en
        self.pt = pt
    }

    /// The text in `language`.
    public func text(ptBR: Bool) -> String { ptBR ? pt : en }
}

/// One step of an alert's timeline.
public struct AlertEvent: Sendable, Hashable, Codable {
    /// When.
    public var at: Date
    /// The state it entered (or `suppressed`/`unsuppressed`).
    public var state: String
    /// The value then.
    public var value: Double?
    /// Details.
    public var note: String?
}
