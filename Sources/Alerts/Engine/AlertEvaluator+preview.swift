import Foundation
import OctoCore
import OctoStore
import PostgresNIO

/// What a rule would match now: the answer of `POST /alert-rules/preview`.
public struct AlertRulePreview: Sendable, Hashable, Codable {
    /// One target the condition holds for (or has no data for).
    public struct Match: Sendable, Hashable, Codable {
        /// The device.
        public var deviceId: UUID?
        /// Its name.
        public var deviceName: String?
        /// `device`, `interface:<ifIndex>`, `series:<id>` or `informs`.
        public var target: String
        /// Labels of the series or interface.
        public var labels: [String: String]
        /// `breach` or `no_data`.
        public var state: String
        /// The observed value, when there is one.
        public var value: Double?
        /// What an alert would say, in English.
        public var summary: String
        /// The same in Portuguese.
        public var summaryPtBr: String
    }

    /// Devices in the rule's scope.
    public var targets: Int
    /// Targets observed (state rules observe only what is unhealthy now).
    public var observed: Int
    /// Targets the condition holds for now.
    public var breaching: Int
    /// Targets without data to decide on.
    public var noData: Int
    /// The first matches (breaches first, then no-data), at most `limit`.
    public var matches: [Match]
    /// Whether more matches exist than listed.
    public var truncated: Bool
}

extension AlertEvaluator {
    /// What the rule described by `input` would match at the clock's now, inside the caller's tenant
    /// transaction, storing nothing: the rule editor's preview. The rule need not be saved and is
    /// validated as a new one (a missing name is allowed); timing (`for`) is not applied — a match here
    /// is a breach now.
    public func preview(_ input: AlertRuleInput, limit: Int = 100, in tx: Transaction) async throws -> AlertRulePreview {
        var draft = input
        if draft.name == nil { draft.name = "preview" }
        let rule = try draft.newRule(now: tx.clock.now)
        try await tx.alertRules.checkScope(rule)
        try await tx.query("SET LOCAL jit = off")
        return try await preview(rule, limit: limit, in: tx)
    }

    func preview(_ rule: AlertRule, limit: Int, in tx: Transaction) async throws -> AlertRulePreview {
        let now = tx.clock.now
        let devices = try await tx.query("""
            SELECT d.id, d.name, d.kind, d.pop_id, d.parent_device_id, p.uplink_device_id
            FROM devices d LEFT JOIN pops p ON p.provider_id = d.provider_id AND p.id = d.pop_id
            """).alertRows { row in
                DeviceInfo(id: try row.value("id"), name: try row.value("name"), kind: try row.value("kind"), popId: try row.value("pop_id"),
                           parent: try row.value("parent_device_id"), uplink: try row.value("uplink_device_id"))
            }
        let byId = DeviceIndex(devices)
        let targets = try await self.targets(of: rule, devices: devices, in: tx)
        let observed = try await observe(rule, targets: targets, byId: byId, now: now, in: tx)
        var breaching: [AlertRulePreview.Match] = []
        var noData: [AlertRulePreview.Match] = []
        for item in observed {
            func match(_ state: String, _ value: Double?) -> AlertRulePreview.Match {
                let text = item.summary
                return AlertRulePreview.Match(deviceId: item.deviceId, deviceName: item.deviceId.flatMap { byId[$0]?.name }, target: item.target,
                                       labels: item.labels, state: state, value: value, summary: text.en, summaryPtBr: text.pt)
            }
            switch item.observation {
            case .breach(let value): breaching.append(match("breach", value))
            case .noData: noData.append(match("no_data", nil))
            case .clear, .hold: break
            }
        }
        let ordered = breaching.sorted { ($0.deviceName ?? "", $0.target) < ($1.deviceName ?? "", $1.target) }
            + noData.sorted { ($0.deviceName ?? "", $0.target) < ($1.deviceName ?? "", $1.target) }
        return AlertRulePreview(targets: targets.count, observed: observed.count, breaching: breaching.count, noData: noData.count,
                                matches: Array(ordered.prefix(limit)), truncated: ordered.count > limit)
    }
}
