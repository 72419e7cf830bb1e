import Alerts
import Foundation
import Logging
import OctoCore
import OctoMetrics
import OctoStore
import OctoTestSupport
import PostgresNIO
import Testing

/// The evaluator against PostgreSQL: metric samples and reachability drive alerts through their life,
/// a down OLT rolls its 500 ONTs up into one incident, silences and maintenance suppress, nothing leaks
/// between providers.
@Suite(.serialized) struct EvaluatorTests {
    static var logger: Logger {
        var logger = Logger(label: "alerts-test")
        logger.logLevel = .warning
        return logger
    }

    /// A POP with an uplink router, an OLT with `onts` ONTs behind it and a switch, all polled over SNMP.
    struct Network {
        var provider: UUID
        var pop: UUID
        var router: UUID
        var olt: UUID
        var switchId: UUID
        var onts: [UUID]
    }

    static func network(_ stack: TestStack, slug: String = "acme", onts: Int) async throws -> Network {
        let provider = try await stack.makeProvider(slug).id
        return try await stack.database.withTenant(provider) { tx in
            let pop = UUID()
            try await tx.query("INSERT INTO pops (id, provider_id, name) VALUES (\(pop), \(provider), 'Centro')")
            func device(_ name: String, _ kind: String, parent: UUID? = nil, address: String) async throws -> UUID {
                let id = UUID()
                try await tx.query("""
                    INSERT INTO devices (id, provider_id, pop_id, name, kind, parent_device_id) VALUES (\(id), \(provider), \(pop), \(name), \(kind), \(parent))
                    """)
                try await tx.query("""
                    INSERT INTO snmp_devices (provider_id, device_id, address, reachability, created_at, updated_at)
                    VALUES (\(provider), \(id), \(address)::inet, 'up', now(), now())
                    """)
                return id
            }
            let router = try await device("RTR-CENTRO", "router", address: "127.3.0.1")
            try await tx.query("UPDATE pops SET uplink_device_id = \(router) WHERE id = \(pop)")
            let olt = try await device("OLT-CENTRO", "olt", address: "127.3.0.2")
            let switchId = try await device("SW-CENTRO", "switch", address: "127.3.0.3")
            var ontIds: [UUID] = []
            for index in 0..<onts {
                ontIds.append(try await device("ONT-\(index)", "ont", parent: olt, address: "127.3.\(1 + index / 250).\(1 + index % 250)"))
            }
            return Network(provider: provider, pop: pop, router: router, olt: olt, switchId: switchId, onts: ontIds)
        }
    }

    static func rule(_ stack: TestStack, _ provider: UUID, _ input: AlertRuleInput) async throws -> AlertRule {
        try await stack.database.withTenant(provider) { tx in try await tx.alertRules.create(input, by: .system) }
    }

    static func reachability(_ stack: TestStack, _ provider: UUID, _ devices: [UUID], _ state: String) async throws {
        try await stack.database.withTenant(provider) { tx in
            try await tx.query("UPDATE snmp_devices SET reachability = \(state) WHERE device_id = ANY(\(devices))")
        }
    }

    /// A CPU series of `device` and one sample per minute of `values`, ending now.
    static func cpu(_ stack: TestStack, _ provider: UUID, _ device: UUID, _ values: [Double]) async throws {
        let now = stack.clock.now
        try await stack.database.withTenant(provider) { tx in
            let series = try await tx.metricSeries.register(MetricSeriesInput(deviceId: device, metric: "cpu", labels: [:], unit: "percent", kind: .gauge))
            for (index, value) in values.enumerated() {
                let at = now.addingTimeInterval(-Double(values.count - 1 - index) * 60 - 1)
                try await tx.query("""
                    INSERT INTO metric_ingest (provider_id, series_id, at_ms, value)
                    VALUES (\(provider), \(series.id), \(Int64(at.timeIntervalSince1970 * 1000)), \(value))
                    """)
            }
        }
    }

    static func alerts(_ stack: TestStack, _ provider: UUID, state: String = "active") async throws -> [Alert] {
        try await stack.database.withTenant(provider) { tx in
            var all: [Alert] = []
            while true {
                let page = try await tx.alerts.list(AlertFilter(state: state), page: try PageRequest(limit: 500, offset: all.count))
                all += page.items
                if page.items.isEmpty || all.count >= page.total { return all }
            }
        }
    }

    @Test func aThresholdFiresAfterForAndResolvesWithHysteresis() async throws {
        try await TestDatabase.with { stack in
            let net = try await Self.network(stack, onts: 0)
            let evaluator = AlertEvaluator(database: stack.database, logger: Self.logger)
            _ = try await Self.rule(stack, net.provider, AlertRuleInput(
                name: "CPU high", severity: .warning, deviceKinds: ["switch"],
                condition: .threshold(.init(metric: "cpu", aggregation: .avg, windowSeconds: 300, op: .greater, value: 90, clear: 80)),
                forSeconds: 120))
            #expect(try await evaluator.evaluate(provider: net.provider).transitions.isEmpty, "no data: nothing")
            try await Self.cpu(stack, net.provider, net.switchId, [95, 96, 97])
            var summary = try await evaluator.evaluate(provider: net.provider)
            #expect(summary.transitions == ["pending": 1])
            stack.clock.advance(by: 150)
            try await Self.cpu(stack, net.provider, net.switchId, [97, 98])
            summary = try await evaluator.evaluate(provider: net.provider)
            #expect(summary.transitions == ["firing": 1])
            #expect(summary.notify.count == 1)
            var active = try await Self.alerts(stack, net.provider)
            #expect(active.count == 1 && active[0].state == .firing && active[0].deviceName == "SW-CENTRO")
            #expect(active[0].incidentId != nil, "a firing alert opens an incident")
            // 85 is between the thresholds: still firing, no new notification.
            stack.clock.advance(by: 600)
            try await Self.cpu(stack, net.provider, net.switchId, [85, 85, 85])
            summary = try await evaluator.evaluate(provider: net.provider)
            #expect(summary.transitions.isEmpty && summary.notify.isEmpty)
            // Below 80: resolved, the incident with it.
            stack.clock.advance(by: 600)
            try await Self.cpu(stack, net.provider, net.switchId, [60, 61])
            summary = try await evaluator.evaluate(provider: net.provider)
            #expect(summary.transitions == ["resolved": 1])
            #expect(summary.incidentsResolved == 1)
            active = try await Self.alerts(stack, net.provider)
            #expect(active.isEmpty)
            let all = try await Self.alerts(stack, net.provider, state: "all")
            let events = try await stack.database.withTenant(net.provider) { tx in try await tx.alerts.events(all[0].id) }
            #expect(events.map(\.state) == ["pending", "firing", "resolved"])
        }
    }

    @Test func aDownOLTRollsItsONTsIntoOneIncident() async throws {
        try await TestDatabase.with { stack in
            let net = try await Self.network(stack, onts: 500)
            let evaluator = AlertEvaluator(database: stack.database, logger: Self.logger)
            let oltRule = try await Self.rule(stack, net.provider, AlertRuleInput(name: "OLT down", severity: .critical, deviceKinds: ["olt", "router"],
                                                                                  condition: .reachability(includeSNMPFailing: false)))
            _ = try await Self.rule(stack, net.provider, AlertRuleInput(name: "ONT down", severity: .info, deviceKinds: ["ont"],
                                                                        condition: .reachability(includeSNMPFailing: false)))
            // A provider-wide rule without kinds leaves customer equipment out.
            _ = try await Self.rule(stack, net.provider, AlertRuleInput(name: "Anything down", severity: .warning,
                                                                        condition: .reachability(includeSNMPFailing: false)))
            try await Self.reachability(stack, net.provider, [net.olt] + net.onts, "down")
            let summary = try await evaluator.evaluate(provider: net.provider)
            #expect(summary.transitions["firing"] == 502, "OLT down, ONT down ×500, anything down (OLT)")
            let active = try await Self.alerts(stack, net.provider)
            let oltAlert = try #require(active.first { $0.ruleId == oltRule.id })
            #expect(oltAlert.suppressedBy == nil)
            #expect(oltAlert.affected == 501, "500 ONTs and the OLT's other alert")
            let children = active.filter { $0.id != oltAlert.id }
            #expect(children.count == 501 && children.allSatisfy { $0.suppressedBy == "parent:\(oltAlert.id.lowercased)" })
            #expect(summary.notify == [oltAlert.id], "only the root cause notifies")
            let incidents = try await stack.database.withTenant(net.provider) { tx in
                try await tx.incidents.list(open: true, popId: nil, page: try PageRequest(limit: 50, offset: 0)).items
            }
            #expect(incidents.count == 1)
            #expect(incidents.first?.affected == 502)
            #expect(incidents.first?.title == "OLT-CENTRO is unreachable")
            #expect(incidents.first?.titlePtBr == "OLT-CENTRO está inacessível")
            #expect(oltAlert.summaryPtBr == "OLT-CENTRO está inacessível")
            #expect(children.allSatisfy { $0.incidentId == incidents.first?.id }, "children join the root's incident")
            // Another provider sees none of it.
            let other = try await stack.makeProvider("other").id
            #expect(try await Self.alerts(stack, other).isEmpty)
            // Recovery resolves everything and the incident.
            try await Self.reachability(stack, net.provider, [net.olt] + net.onts, "up")
            let recovered = try await evaluator.evaluate(provider: net.provider)
            #expect(recovered.transitions["resolved"] == 502)
            #expect(recovered.incidentsResolved == 1)
            #expect(try await Self.alerts(stack, net.provider).isEmpty)
        }
    }

    @Test func silencesAndMaintenanceSuppressButRecord() async throws {
        try await TestDatabase.with { stack in
            let net = try await Self.network(stack, onts: 0)
            let evaluator = AlertEvaluator(database: stack.database, logger: Self.logger)
            _ = try await Self.rule(stack, net.provider, AlertRuleInput(name: "Switch down", severity: .critical, deviceKinds: ["switch"],
                                                                        condition: .reachability(includeSNMPFailing: false)))
            let silence = try await stack.database.withTenant(net.provider) { tx in
                try await tx.silences.create(SilenceInput(matchers: ["device": "SW-*"], startsAt: nil, endsAt: stack.clock.now.addingTimeInterval(3_600),
                                                          reason: "replacing the switch"), by: .system)
            }
            try await Self.reachability(stack, net.provider, [net.switchId], "down")
            let summary = try await evaluator.evaluate(provider: net.provider)
            #expect(summary.transitions == ["firing": 1])
            #expect(summary.notify.isEmpty && summary.incidentsOpened == 0, "silenced: no notification, no incident")
            var active = try await Self.alerts(stack, net.provider)
            #expect(active.first?.suppressedBy == "silence:\(silence.id.lowercased)")
            // The silence ends; a maintenance window on the POP takes over.
            _ = try await stack.database.withTenant(net.provider) { tx in
                _ = try await tx.silences.expire(silence.id, by: .system)
                return try await tx.maintenanceWindows.create(MaintenanceWindowInput(
                    name: "Troca de switch", scope: .pop, scopeId: net.pop, startsAt: stack.clock.now.addingTimeInterval(-60),
                    endsAt: stack.clock.now.addingTimeInterval(3_600), recurrence: nil, until: nil, reason: nil), by: .system)
            }
            stack.clock.advance(by: 60)
            _ = try await evaluator.evaluate(provider: net.provider)
            active = try await Self.alerts(stack, net.provider)
            #expect(active.first?.suppressedBy?.hasPrefix("maintenance:") == true)
            // After the window the alert is live again and opens its incident.
            stack.clock.advance(by: 3_700)
            let after = try await evaluator.evaluate(provider: net.provider)
            active = try await Self.alerts(stack, net.provider)
            #expect(active.first?.suppressedBy == nil)
            #expect(after.incidentsOpened == 1)
        }
    }

    @Test func twoEvaluatorsNeverRunTheSameProviderAtOnce() async throws {
        try await TestDatabase.with { stack in
            let net = try await Self.network(stack, onts: 50)
            _ = try await Self.rule(stack, net.provider, AlertRuleInput(name: "ONT down", severity: .info, deviceKinds: ["ont"],
                                                                        condition: .reachability(includeSNMPFailing: false)))
            try await Self.reachability(stack, net.provider, net.onts, "down")
            let evaluator = AlertEvaluator(database: stack.database, logger: Self.logger)
            async let first = evaluator.evaluate(provider: net.provider)
            async let second = evaluator.evaluate(provider: net.provider)
            let results = try await [first, second]
            #expect(results.map { $0.transitions["firing", default: 0] }.reduce(0, +) == 50, "each ONT fired once: \(results)")
            #expect(try await Self.alerts(stack, net.provider).count == 50)
        }
    }

    /// Between full passes a metric rule reads only the series that changed, those it alerts on and,
    /// for no-data rules, the silent ones; a changed rule and the full-pass period read everything.
    @Test func betweenFullPassesOnlyChangedAlertingAndSilentSeriesAreRead() async throws {
        try await TestDatabase.with { stack in
            let net = try await Self.network(stack, onts: 0)
            let evaluator = AlertEvaluator(database: stack.database, incremental: .init(fullEvery: 600, lateness: 0), logger: Self.logger)
            _ = try await Self.rule(stack, net.provider, AlertRuleInput(
                name: "CPU high", severity: .warning, scope: .provider,
                condition: .threshold(.init(metric: "cpu", aggregation: .last, windowSeconds: 300, op: .greater, value: 90, clear: 80))))
            try await Self.cpu(stack, net.provider, net.router, [20, 21])
            try await Self.cpu(stack, net.provider, net.switchId, [30, 31])
            try await Self.cpu(stack, net.provider, net.olt, [40, 41])
            var summary = try await evaluator.evaluate(provider: net.provider)
            #expect(summary.fullRules == 1 && summary.observations == 3, "the first evaluation reads every series: \(summary)")
            // A minute later one switch reports 95: only its series is read, and it fires.
            stack.clock.advance(by: 60)
            try await Self.cpu(stack, net.provider, net.switchId, [95])
            summary = try await evaluator.evaluate(provider: net.provider)
            #expect(summary.fullRules == 0 && summary.changedSeries == 1 && summary.observations == 1, "\(summary)")
            #expect(summary.transitions == ["firing": 1])
            // Nothing new: the firing series is still read (it stays firing rather than being taken for gone).
            stack.clock.advance(by: 30)
            summary = try await evaluator.evaluate(provider: net.provider)
            #expect(summary.changedSeries == 0 && summary.observations == 1 && summary.transitions.isEmpty, "\(summary)")
            #expect(try await Self.alerts(stack, net.provider).map(\.state) == [.firing])
            // It recovers: read because it changed, and resolves.
            stack.clock.advance(by: 30)
            try await Self.cpu(stack, net.provider, net.switchId, [50])
            summary = try await evaluator.evaluate(provider: net.provider)
            #expect(summary.transitions == ["resolved": 1], "\(summary)")
            // A no-data rule reads the silent series: none reported in the last two minutes.
            stack.clock.advance(by: 60)
            try await Self.cpu(stack, net.provider, net.switchId, [52])
            _ = try await Self.rule(stack, net.provider, AlertRuleInput(
                name: "No CPU", severity: .info, scope: .provider, condition: .noData(metric: "cpu", windowSeconds: 120)))
            summary = try await evaluator.evaluate(provider: net.provider)
            #expect(summary.fullRules == 1, "a new rule sees everything once: \(summary)")
            #expect(summary.transitions == ["firing": 2], "the router's and the OLT's series are silent: \(summary)")
            stack.clock.advance(by: 30)
            try await Self.cpu(stack, net.provider, net.router, [22])
            summary = try await evaluator.evaluate(provider: net.provider)
            #expect(summary.fullRules == 0 && summary.transitions == ["resolved": 1], "the router reports again: \(summary)")
            // A sample stamped before the previous evaluation, within the lateness allowed, is still read.
            stack.clock.advance(by: 30)
            let late = stack.clock.now.addingTimeInterval(-40)
            try await stack.database.withTenant(net.provider) { tx in
                try await tx.query("""
                    INSERT INTO metric_ingest (provider_id, series_id, at_ms, value)
                    SELECT provider_id, id, \(Int64(late.timeIntervalSince1970 * 1000)), 23 FROM metric_series WHERE device_id = \(net.router)
                    """)
            }
            let lenient = AlertEvaluator(database: stack.database, incremental: .init(fullEvery: 600, lateness: 15), logger: Self.logger)
            summary = try await lenient.evaluate(provider: net.provider)
            #expect(summary.changedSeries == 1, "\(summary)")
            // The full-pass period reads everything again.
            stack.clock.advance(by: 600)
            summary = try await evaluator.evaluate(provider: net.provider)
            #expect(summary.fullRules == 2 && summary.changedSeries == nil, "\(summary)")
        }
    }
}
