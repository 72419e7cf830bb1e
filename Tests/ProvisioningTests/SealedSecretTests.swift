import ACS
import CPESimulator
import CWMP
import Foundation
import OctoCore
import OctoStore
import PostgresNIO
import Testing

/// Wi-Fi keys of rollouts and the secret values the ACS sends or reads are kept at rest only sealed or
/// as markers: the raw rows, the audit log and the API never hold them in clear, while the CPEs get them.
@Suite(.serialized) struct SealedSecretTests {
    static let wlan = "InternetGatewayDevice.LANDevice.1.WLANConfiguration."

    /// Every text of the provider's rows that could carry a key.
    func rows(_ harness: ProvisioningHarness) async throws -> [String] {
        try await harness.stack.database.withTenant(harness.provider.id) { tx in
            var texts: [String] = []
            for table in ["provisioning_rollouts", "audit_log", "device_parameters", "device_parameter_changes", "acs_tasks", "device_provisioning"] {
                texts += try await tx.query(PostgresQuery(unsafeSQL: "SELECT t::text FROM \(table) t")).values(String.self)
            }
            return texts
        }
    }

    @Test func rolloutKeysAreSealedMaskedInAuditAndAPIAndStillReachTheCPEs() async throws {
        try await ProvisioningHarness.with { harness in
            let devices = try await RolloutTests().fleet(harness, count: 3)
            let key = "rollout-key-\(UUID().uuidString.prefix(8))"
            let response = try await harness.call(.post, "/api/v1/provisioning/rollouts", json: """
                {"name": "new key", "target": {}, "action": {"type": "set_wifi", "band": "2.4GHz", "key": "\(key)"}, "wave_size": 3,
                 "failure_threshold": 1}
                """)
            #expect(response.status == .created, "\(response.text)")
            #expect(!response.text.contains(key) && response.json?["action"]?["key"]?.stringValue == SecretParameters.mask, "\(response.text)")
            let id = try #require(response.json?["id"]?.stringValue.flatMap(UUID.init(uuidString:)))
            // The row holds the key only sealed; the audit log and every read of the API (a Viewer's provisioning.read) mask it.
            let action = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT action::text FROM provisioning_rollouts WHERE id = \(id)").values(String.self)
            }
            let sealed = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT action_sealed FROM provisioning_rollouts WHERE id = \(id)").values(String.self)
            }
            #expect(action.count == 1 && action.allSatisfy { !$0.contains(key) && $0.contains(SecretParameters.mask) }, "\(action)")
            #expect(sealed.count == 1 && sealed.allSatisfy { $0.hasPrefix("v1.") && !$0.contains(key) }, "\(sealed)")
            for path in ["", "/\(id.lowercased)", "/\(id.lowercased)/devices"] {
                let read = try await harness.call(.get, "/api/v1/provisioning/rollouts\(path)")
                #expect(read.status == .ok && !read.text.contains(key), "\(read.text)")
            }
            let rollout = try await RolloutTests().drive(harness, rollout: id, devices: devices)
            #expect(rollout.status == .completed && rollout.counts.succeeded == 3, "\(rollout)")
            for device in devices.values {
                #expect(await device.cpe.model.nodes[Self.wlan + "1.KeyPassphrase"]?.value == key, "the CPE receives the real key")
            }
            // Neither the rollout, the audit log, the parameter cache, its history nor the settled tasks keep it in clear.
            let texts = try await rows(harness)
            #expect(texts.count > 10)
            #expect(texts.allSatisfy { !$0.contains(key) }, "\(texts.filter { $0.contains(key) })")
        }
    }

    @Test func aRolloutWithAKeyIsRefusedWithoutASecretKey() async throws {
        try await ProvisioningHarness.with(secretKey: false) { harness in
            _ = try await RolloutTests().fleet(harness, count: 2)
            let refused = try await harness.call(.post, "/api/v1/provisioning/rollouts", json: """
                {"name": "new key", "target": {}, "action": {"type": "set_wifi", "band": "2.4GHz", "key": "never-in-clear"}}
                """)
            #expect(refused.status == .badRequest && refused.errorField == "action.key", "\(refused.text)")
            #expect(try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT count(*)::int FROM provisioning_rollouts").values(Int.self).first
            } == 0)
            let ssidOnly = try await harness.call(.post, "/api/v1/provisioning/rollouts", json: """
                {"name": "ssid", "target": {}, "action": {"type": "set_wifi", "band": "2.4GHz", "ssid": "Plain"}}
                """)
            #expect(ssidOnly.status == .created, "\(ssidOnly.text)")
        }
    }

    @Test func aKeySentOrReadBackIsCachedAsAMarkerThatStillRecognisesIt() async throws {
        try await ProvisioningHarness.with { harness in
            let key = "cached-key-\(UUID().uuidString.prefix(8))"
            let created = try await harness.call(.post, "/api/v1/provisioning/templates", json: """
                {"name": "zte", "match": {"manufacturer": "ZTE", "product_class": "ZXHN*H199*"},
                 "settings": {"wifi": [{"band": "2.4GHz", "ssid": "Acme", "key": "\(key)", "security": "wpa2"}]}}
                """)
            try #require(created.status == .created, "\(created.text)")
            let cpe = try harness.device()
            let device = try await harness.register(cpe)
            #expect(try await cpe.runSession(events: [InformEvent(code: InformEvent.connectionRequest)]).rpcs == ["SetParameterValues"])
            #expect(await cpe.cpe.model.nodes[Self.wlan + "1.KeyPassphrase"]?.value == key)
            // The read-back (the CPE reports the key in clear) verifies it against the settled apply's marker.
            _ = try await cpe.runSession(events: [InformEvent(code: InformEvent.connectionRequest)])
            let verified = try await harness.eventually { try await harness.state(device)?.status == .verified }
            let state = try await harness.state(device)
            #expect(verified, "\(String(describing: state))")
            let cached = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT value FROM device_parameters WHERE device_id = \(device) AND path = \(Self.wlan + "1.KeyPassphrase")")
                    .values(String.self)
            }
            #expect(cached.count == 1 && cached[0].hasPrefix(SecretParameters.mask + "#"), "\(cached)")
            // The marker stands for the key: the next plan has nothing to send.
            let plan = try await harness.stack.database.withTenant(harness.provider.id) { tx in try await harness.service.plan(device, in: tx) }
            #expect(plan.errors.isEmpty && plan.changes.isEmpty, "\(plan.changes)")
            let texts = try await rows(harness)
            #expect(texts.allSatisfy { !$0.contains(key) }, "\(texts.filter { $0.contains(key) })")
        }
    }
}
