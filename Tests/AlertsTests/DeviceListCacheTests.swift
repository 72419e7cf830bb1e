@testable import Alerts
import Foundation
import OctoStore
import OctoTestSupport
import PostgresNIO
import Testing

/// The device list an evaluator keeps between evaluations is read again exactly when a device is added,
/// removed, renamed, re-kinded or moved, or a POP's uplink changes — and not otherwise.
@Suite(.serialized) struct DeviceListCacheTests {
    @Test func theKeptListFollowsEveryChangeTheEvaluationReads() async throws {
        try await TestDatabase.with { stack in
            let net = try await EvaluatorTests.network(stack, onts: 2)
            let cache = DeviceListCache()
            let evaluator = AlertEvaluator(database: stack.database, incremental: .init(fullEvery: 3600, lateness: 0),
                                           windows: StreamingWindows(), deviceCache: cache, logger: EvaluatorTests.logger)
            _ = try await EvaluatorTests.rule(stack, net.provider, AlertRuleInput(name: "Down", severity: .warning,
                                                                                 condition: .reachability(includeSNMPFailing: false)))
            func evaluate() async throws -> AlertEvaluator.Summary {
                stack.clock.advance(by: 10)
                return try await evaluator.evaluate(provider: net.provider)
            }
            func active() async throws -> [Alert] { try await EvaluatorTests.alerts(stack, net.provider) }
            func tenant(_ sql: PostgresQuery) async throws { try await stack.database.withTenant(net.provider) { tx in try await tx.query(sql) } }

            _ = try await evaluate()
            #expect(cache.reads.load(ordering: .relaxed) == 1)
            // Polling (status, last seen) and reachability changes leave the list alone.
            try await tenant("UPDATE devices SET status = 'online', last_seen_at = now()")
            try await EvaluatorTests.reachability(stack, net.provider, [net.switchId], "down")
            _ = try await evaluate()
            #expect(cache.reads.load(ordering: .relaxed) == 1, "nothing the evaluation reads changed")
            #expect(try await active().map(\.summary) == ["SW-CENTRO is unreachable"])

            // A renamed device: its next alert carries the new name.
            try await tenant("UPDATE devices SET name = 'SW-NOVO' WHERE id = \(net.switchId)")
            try await EvaluatorTests.reachability(stack, net.provider, [net.switchId], "up")
            _ = try await evaluate()
            try await EvaluatorTests.reachability(stack, net.provider, [net.switchId], "down")
            _ = try await evaluate()
            #expect(try await active().map(\.summary) == ["SW-NOVO is unreachable"])
            #expect(cache.reads.load(ordering: .relaxed) == 2)

            // A device added after the list was kept is evaluated.
            let added = UUID()
            try await stack.database.withTenant(net.provider) { tx in
                try await tx.query("INSERT INTO devices (id, provider_id, pop_id, name, kind) VALUES (\(added), \(net.provider), \(net.pop), 'RTR-NOVO', 'router')")
                try await tx.query("""
                    INSERT INTO snmp_devices (provider_id, device_id, address, reachability, created_at, updated_at)
                    VALUES (\(net.provider), \(added), '127.3.9.1'::inet, 'down', now(), now())
                    """)
            }
            _ = try await evaluate()
            #expect(Set(try await active().map(\.summary)) == ["SW-NOVO is unreachable", "RTR-NOVO is unreachable"])

            // An ONT is customer equipment, which a provider-wide rule leaves out — until it is re-kinded.
            try await EvaluatorTests.reachability(stack, net.provider, [net.onts[0]], "down")
            _ = try await evaluate()
            #expect(try await active().count == 2)
            try await tenant("UPDATE devices SET kind = 'switch' WHERE id = \(net.onts[0])")
            _ = try await evaluate()
            #expect(try await active().map(\.summary).contains("ONT-0 is unreachable"))

            // A removed device: the list is read again.
            let readsBeforeRemoval = cache.reads.load(ordering: .relaxed)
            try await tenant("DELETE FROM devices WHERE id = \(added)")
            _ = try await evaluate()
            #expect(cache.reads.load(ordering: .relaxed) == readsBeforeRemoval + 1)

            // The POP's uplink: with the router down, the POP's devices are suppressed behind it; once the
            // POP names no uplink, they are root causes of their own.
            try await EvaluatorTests.reachability(stack, net.provider, [net.router], "down")
            _ = try await evaluate()
            var alerts = try await active()
            let router = try #require(alerts.first { $0.deviceId == net.router })
            #expect(alerts.filter { $0.deviceId == net.switchId }.allSatisfy { $0.suppressedBy == "parent:\(router.id.lowercased)" })
            let readsBefore = cache.reads.load(ordering: .relaxed)
            try await tenant("UPDATE pops SET uplink_device_id = NULL WHERE id = \(net.pop)")
            _ = try await evaluate()
            alerts = try await active()
            #expect(alerts.filter { $0.deviceId == net.switchId }.allSatisfy { $0.suppressedBy == nil })
            #expect(cache.reads.load(ordering: .relaxed) == readsBefore, "an uplink change reuses the kept devices")

            // A device moved to another POP leaves the first POP's scope.
            let other = UUID()
            try await tenant("INSERT INTO pops (id, provider_id, name) VALUES (\(other), \(net.provider), 'Norte')")
            _ = try await EvaluatorTests.rule(stack, net.provider, AlertRuleInput(name: "Norte down", severity: .critical, scope: .pop, scopeId: other,
                                                                                 condition: .reachability(includeSNMPFailing: false)))
            _ = try await evaluate()
            #expect(try await active().filter { $0.severity == .critical }.isEmpty)
            try await tenant("UPDATE devices SET pop_id = \(other) WHERE id = \(net.switchId)")
            _ = try await evaluate()
            #expect(try await active().filter { $0.severity == .critical }.map(\.deviceId) == [net.switchId])
        }
    }
}
