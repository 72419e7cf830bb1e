import Foundation
import HTTPTypes
import Logging
import OctoCore
import OctoJobs
import OctoStore
import OctoTestSupport
import Testing

/// The optics inventory per device and per POP, and the dashboard summary, on the real PostgreSQL.
@Suite struct OpticsDashboardTests {
    @Test func opticsInventoryAndDashboardSummary() async throws {
        try await APIHarness.with(jobs: { stack in PostgresJobQueue(database: stack.database, logger: Logger(label: "jobs")) }) { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            let other = try await harness.stack.makeProvider("beta")
            try await harness.stack.makeUser("noc@alfa.test", role: .noc, provider: provider.id)
            try await harness.stack.makeUser("noc@beta.test", role: .noc, provider: other.id)
            let token = try await harness.login("noc@alfa.test")
            let foreign = try await harness.login("noc@beta.test")
            let pop = try #require(try await harness.call(.post, "/api/v1/pops", token: token, json: #"{"name": "Centro"}"#).string("id"))
            let olt = try #require(try await harness.call(.post, "/api/v1/devices", token: token,
                                                          json: #"{"name": "OLT 1", "kind": "olt", "status": "online", "pop_id": "\#(pop)"}"#).string("id"))
            _ = try await harness.call(.post, "/api/v1/devices", token: token, json: #"{"name": "ONT 1", "kind": "ont", "status": "offline", "pop_id": "\#(pop)"}"#)
            _ = try await harness.call(.post, "/api/v1/devices", token: token, json: #"{"name": "CPE x", "kind": "cpe"}"#)
            let oltId = try #require(UUID(uuidString: olt))
            try await harness.stack.database.withTenant(provider.id) { tx in
                try await tx.query("""
                    INSERT INTO snmp_optics (provider_id, device_id, scope, item, label, rx_dbm, tx_dbm, updated_at) VALUES
                    (\(provider.id), \(oltId), 'onu', '1.1', 'gpon-onu_1/1/1:1', -20.5, 2.1, now()),
                    (\(provider.id), \(oltId), 'onu', '1.2', 'gpon-onu_1/1/1:2', -29.3, 2.0, now()),
                    (\(provider.id), \(oltId), 'onu', '1.3', NULL, -6.1, 2.2, now()),
                    (\(provider.id), \(oltId), 'onu', '1.4', NULL, NULL, NULL, now()),
                    (\(provider.id), \(oltId), 'olt_port', '1', '1/1/1', -15.0, 3.0, now())
                    """)
                try await tx.query("""
                    INSERT INTO acs_tasks (provider_id, device_id, type, status, command_key, created_at, finished_at, expires_at) VALUES
                    (\(provider.id), \(oltId), 'reboot', 'queued', 'k1', now(), NULL, now() + interval '1 hour'),
                    (\(provider.id), \(oltId), 'reboot', 'fault', 'k2', now(), now(), now() + interval '1 hour'),
                    (\(provider.id), \(oltId), 'reboot', 'fault', 'k3', now() - interval '3 days', now() - interval '3 days', now())
                    """)
            }
            let optics = try await harness.call(.get, "/api/v1/devices/\(olt)/optics", token: token)
            #expect(optics.status == .ok && optics["total"] == .number(5))
            let statuses = Dictionary(uniqueKeysWithValues: optics.items.compactMap { item in item.string("item").map { ($0, item.string("status") ?? "") } })
            #expect(statuses == ["1": "ok", "1.1": "ok", "1.2": "low", "1.3": "high", "1.4": "unknown"])
            let out = try await harness.call(.get, "/api/v1/pops/\(pop)/optics?status=out_of_range", token: token)
            #expect(out.items.compactMap { $0.string("item") } == ["1.2", "1.3"])
            #expect(out.items.first?.string("device_name") == "OLT 1" && out.items.first?.string("label") == "gpon-onu_1/1/1:2")
            let bad = try await harness.call(.get, "/api/v1/pops/\(pop)/optics?status=bad", token: token)
            #expect(bad.status == .badRequest && bad.errorField == "status")
            #expect(try await harness.call(.get, "/api/v1/devices/\(olt)/optics", token: foreign).status == .notFound)
            #expect(try await harness.call(.get, "/api/v1/pops/\(pop)/optics", token: foreign).status == .notFound)

            let summary = try await harness.call(.get, "/api/v1/dashboard/summary", token: token)
            #expect(summary.status == .ok, "\(summary.json as Any)")
            guard case .object(let body)? = summary.json, case .object(let devices)? = body["devices"], case .array(let pops)? = body["pops"],
                  case .object(let onus)? = body["onus"], case .object(let tasks)? = body["tasks"], case .object(let jobs)? = body["jobs"] else {
                Issue.record("unexpected summary \(summary.json as Any)"); return
            }
            #expect(devices["total"] == .number(3))
            #expect(devices["by_status"] == .object(["online": .number(1), "offline": .number(1), "pending": .number(1)]))
            #expect(pops.count == 2)
            #expect(pops.first?.string("name") == "Centro" && pops.last?.string("pop_id") == nil)
            #expect(onus == ["total": .number(4), "out_of_range": .number(2)])
            #expect(tasks == ["pending": .number(1), "failed_last24h": .number(1)])
            #expect(jobs == ["dead": .number(0)])
            let empty = try await harness.call(.get, "/api/v1/dashboard/summary", token: foreign)
            guard case .object(let emptyDevices)? = empty["devices"] else { Issue.record("no devices"); return }
            #expect(emptyDevices["total"] == .number(0))
        }
    }
}
