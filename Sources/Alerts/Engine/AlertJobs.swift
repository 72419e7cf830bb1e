import Foundation
import Logging
import OctoCore
import OctoJobs
import OctoStore
import PostgresNIO

/// `alerts.evaluate`: evaluate one provider's rules. The provider id is the job's ordering key, so one
/// evaluation per provider runs at a time across instances (the evaluator's advisory lock backs it up).
public struct AlertEvaluationJob: JobPayload, Hashable {
    /// The job type.
    public static let jobType = "alerts.evaluate"
    /// The scheduled minute (seconds since the epoch), for deduplication.
    public var period: Int64

    /// Creates the payload.
    public init(period: Int64) {
        self.period = period
    }
}

extension JobHandlers {
    /// Registers the alert evaluation; `notify` receives the alerts that started firing or resolved,
    /// unsuppressed, after the evaluation committed.
    public mutating func registerAlerts(_ evaluator: AlertEvaluator,
                                        notify: @escaping @Sendable (_ provider: UUID, _ alerts: [UUID]) async throws -> Void = { _, _ in }) {
        register(AlertEvaluationJob.self) { _, context in
            let summary = try await evaluator.evaluate(provider: context.providerID)
            if !summary.notify.isEmpty { try await notify(context.providerID, summary.notify) }
            context.logger.debug("alerts evaluated", metadata: ["rules": "\(summary.rules)", "observations": "\(summary.observations)",
                                                               "transitions": "\(summary.transitions)"])
        }
    }
}

extension AlertEvaluator {
    /// Every `every` seconds, one ``AlertEvaluationJob`` per provider with enabled rules.
    public static func schedule(database: Database, every: Int64 = 60) -> RecurringSchedule {
        RecurringSchedule(name: "alerts.evaluate", every: every) { start in
            let period = Int64(start.timeIntervalSince1970)
            let providers = try await database.globalStatement("SELECT DISTINCT provider_id FROM alert_rules WHERE enabled").map { try $0.decode(UUID.self) }
            return try providers.map { provider in
                try JobRequest(AlertEvaluationJob(period: period), providerID: provider, priority: 5, maxAttempts: 2,
                               dedupKey: "alerts.evaluate:\(period)", orderingKey: "alerts:\(provider.lowercased)")
            }
        }
    }
}

/// The rules a provider starts from, per kind of device; installed with `POST /alert-rules/defaults`
/// and editable afterwards (each remembers the built-in it came from).
public enum BuiltinAlertRules {
    /// The built-in rules.
    public static let all: [(key: String, input: AlertRuleInput)] = [
        ("device-down", AlertRuleInput(name: "Device unreachable", description: "ICMP and SNMP both fail", severity: .critical,
                                       deviceKinds: ["olt", "router", "switch", "access_point", "server"],
                                       condition: .reachability(includeSNMPFailing: false), forSeconds: 120, keepFiringForSeconds: 120)),
        ("snmp-failing", AlertRuleInput(name: "SNMP agent not answering", description: "Answers ping but not SNMP", severity: .warning,
                                        deviceKinds: ["olt", "router", "switch"], condition: .reachability(includeSNMPFailing: true),
                                        forSeconds: 600, keepFiringForSeconds: 300)),
        ("cpu-high", AlertRuleInput(name: "CPU above 90%", severity: .warning, deviceKinds: ["olt", "router", "switch", "server"],
                                    condition: .threshold(.init(metric: "cpu", aggregation: .avg, windowSeconds: 300, op: .greater, value: 90, clear: 80)),
                                    forSeconds: 300, keepFiringForSeconds: 300)),
        ("temperature-high", AlertRuleInput(name: "Temperature above 70 °C", severity: .warning, deviceKinds: ["olt", "router", "switch"],
                                            condition: .threshold(.init(metric: "temperature", aggregation: .max, windowSeconds: 300, op: .greater,
                                                                        value: 70, clear: 65)),
                                            forSeconds: 300, keepFiringForSeconds: 300)),
        ("onu-rx-low", AlertRuleInput(name: "ONU Rx below -27 dBm", severity: .warning, deviceKinds: ["olt"],
                                      condition: .threshold(.init(metric: "opticalRxPower", labels: ["scope": "onu"], aggregation: .avg,
                                                                  windowSeconds: 600, op: .less, value: -27, clear: -26)),
                                      forSeconds: 600, keepFiringForSeconds: 600)),
        ("interface-down", AlertRuleInput(name: "Interface down (admin up)", severity: .warning, deviceKinds: ["olt", "router", "switch"],
                                          condition: .interfaceDown, forSeconds: 120, keepFiringForSeconds: 60)),
        ("cpe-not-informing", AlertRuleInput(name: "CPE not informing", enabled: false, severity: .info, deviceKinds: ["cpe", "ont"],
                                             includeCpe: true, condition: .notInforming(multiplier: 3), forSeconds: 0, keepFiringForSeconds: 0)),
    ]
}

extension AlertRuleRepository {
    /// Installs the built-in rules the provider does not have yet; returns those created.
    public func installBuiltins(by actor: Actor) async throws -> [AlertRule] {
        let present = Set(try await tx.query("SELECT builtin FROM alert_rules WHERE builtin IS NOT NULL").alertRows { try $0.value("builtin", as: String.self) })
        var created: [AlertRule] = []
        for (key, input) in BuiltinAlertRules.all where !present.contains(key) {
            var rule = try input.newRule(now: tx.clock.now)
            rule.builtin = key
            try await save(rule, new: true)
            try await tx.audit("alert_rule.create", by: actor, target: ("alert_rule", rule.id.lowercased), before: AlertRule?.none, after: rule)
            created.append(rule)
        }
        return created
    }
}
