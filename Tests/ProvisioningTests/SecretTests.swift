import ACS
import CPESimulator
import CWMP
import Foundation
import OctoCore
import OctoStore
import PostgresNIO
import Testing

/// Keys and passwords are never stored in clear: static secrets of template settings are sealed per
/// version, per-device overrides need the secret key, and the API shows them masked while applies send them.
@Suite(.serialized) struct SecretTests {
    static let wlan = "InternetGatewayDevice.LANDevice.1.WLANConfiguration."
    static let wifiKey = "correct-horse-50"
    static let pppoePassword = "pppoe-Secret-88"
    static let adminPassword = "admin-Secret-77"
    static let template = #"""
        {"name": "zte-static", "match": {"manufacturer": "ZTE", "product_class": "ZXHN*H199*"},
         "settings": {"wifi": [{"band": "2.4GHz", "ssid": "Acme", "key": "correct-horse-50", "security": "wpa2"}],
                      "wan": {"pppoe": {"username": "{{device.serial}}@acme", "password": "pppoe-Secret-88"}},
                      "admin_password": "admin-Secret-77"}}
        """#
    static let secrets = [wifiKey, pppoePassword, adminPassword]

    static func clean(_ text: String) -> Bool { !secrets.contains { text.contains($0) } }

    @Test func staticTemplateSecretsAreSealedMaskedAndStillApplied() async throws {
        try await ProvisioningHarness.with { harness in
            let created = try await harness.call(.post, "/api/v1/provisioning/templates", json: Self.template)
            try #require(created.status == .created, "\(created.text)")
            #expect(Self.clean(created.text), "\(created.text)")
            #expect(created.text.contains("********"))
            let id = try #require(created.json?["template"]?["id"]?.stringValue).lowercased()
            // The raw rows hold the secrets only sealed.
            let rows = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT to_jsonb(v)::text FROM provisioning_template_versions v").values(String.self)
            }
            #expect(rows.count == 1 && Self.clean(rows[0]) && rows[0].contains("\"secrets_sealed\": \"v1."), "\(rows)")
            // Nor does the API or the audit log show them.
            for path in ["", "/versions", "/versions/1"] {
                let read = try await harness.call(.get, "/api/v1/provisioning/templates/\(id)\(path)")
                #expect(read.status == .ok && Self.clean(read.text), "\(read.text)")
            }
            let audit = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT a::text FROM audit_log a WHERE target_id = \(id)").values(String.self)
            }
            #expect(!audit.isEmpty && audit.allSatisfy(Self.clean))

            // The apply resolves the real values: the simulated CPE receives the key.
            let cpe = try harness.device()
            let device = try await harness.register(cpe)
            let dry = try await harness.call(.post, "/api/v1/devices/\(device.lowercased)/provisioning/dry-run", json: "{}")
            #expect(dry.status == .ok && Self.clean(dry.text) && dry.text.contains("KeyPassphrase"), "\(dry.text)")
            #expect(try await cpe.runSession(events: [InformEvent(code: InformEvent.connectionRequest)]).rpcs == ["SetParameterValues"])
            #expect(await cpe.cpe.model.nodes[Self.wlan + "1.KeyPassphrase"]?.value == Self.wifiKey)
            #expect(await cpe.cpe.model.nodes[Self.wlan + "1.SSID"]?.value == "Acme")
            let state = try await harness.call(.get, "/api/v1/devices/\(device.lowercased)/provisioning")
            #expect(state.status == .ok && Self.clean(state.text), "\(state.text)")
            let stateRow = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT p::text FROM device_provisioning p").values(String.self)
            }
            #expect(stateRow.allSatisfy(Self.clean))

            // A new version sent back with the key masked (as the API shows it) keeps the key; the diff shows the SSID only.
            let v2 = try await harness.call(.post, "/api/v1/provisioning/templates/\(id)/versions", json: #"""
                {"settings": {"wifi": [{"band": "2.4GHz", "ssid": "Acme-2", "key": "********", "security": "wpa2"}],
                              "wan": {"pppoe": {"username": "{{device.serial}}@acme", "password": "********"}}, "admin_password": "********"}}
                """#)
            #expect(v2.status == .created && Self.clean(v2.text), "\(v2.text)")
            let diff = try await harness.call(.get, "/api/v1/provisioning/templates/\(id)/diff?from=1&to=2")
            #expect(diff.json?["changes"] == .array([.object(["field": .string("wifi.ssid@2.4GHz"), "before": .string("Acme"), "after": .string("Acme-2")])]),
                    "\(diff.text)")
            #expect(try await harness.eventually { try await harness.state(device)?.templateVersion == 2 })
            #expect(try await cpe.runSession(events: [InformEvent(code: InformEvent.connectionRequest)]).rpcs == ["SetParameterValues"])
            #expect(await cpe.cpe.model.nodes[Self.wlan + "1.SSID"]?.value == "Acme-2")
            #expect(await cpe.cpe.model.nodes[Self.wlan + "1.KeyPassphrase"]?.value == Self.wifiKey)

            // A changed key is sealed too, and the diff says it changed without showing it.
            let v3 = try await harness.call(.post, "/api/v1/provisioning/templates/\(id)/versions", json: #"""
                {"settings": {"wifi": [{"band": "2.4GHz", "ssid": "Acme-2", "key": "battery-staple-9", "security": "wpa2"}]}}
                """#)
            #expect(v3.status == .created && !v3.text.contains("battery-staple-9"), "\(v3.text)")
            let keyDiff = try await harness.call(.get, "/api/v1/provisioning/templates/\(id)/diff?from=2&to=3")
            #expect(!keyDiff.text.contains("battery-staple-9") && !keyDiff.text.contains(Self.wifiKey))
            guard case .array(let changes)? = keyDiff.json?["changes"] else { Issue.record("no changes: \(keyDiff.text)"); return }
            #expect(changes.contains { $0["field"]?.stringValue == "wifi.key@2.4GHz" && $0["after"]?.stringValue == "******** (changed)" }, "\(keyDiff.text)")
            #expect(try await harness.eventually { try await harness.state(device)?.templateVersion == 3 })
            #expect(try await cpe.runSession(events: [InformEvent(code: InformEvent.connectionRequest)]).rpcs == ["SetParameterValues"])
            #expect(await cpe.cpe.model.nodes[Self.wlan + "1.KeyPassphrase"]?.value == "battery-staple-9")

            // A rollback copies the sealed secrets of the old version into the new one.
            let rollback = try await harness.call(.post, "/api/v1/provisioning/templates/\(id)/rollback", json: #"{"version": 1}"#)
            #expect(rollback.status == .created && Self.clean(rollback.text), "\(rollback.text)")
            #expect(try await harness.eventually { try await harness.state(device)?.templateVersion == 4 })
            #expect(try await cpe.runSession(events: [InformEvent(code: InformEvent.connectionRequest)]).rpcs == ["SetParameterValues"])
            #expect(await cpe.cpe.model.nodes[Self.wlan + "1.KeyPassphrase"]?.value == Self.wifiKey)
            let all = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT to_jsonb(v)::text FROM provisioning_template_versions v").values(String.self)
            }
            #expect(all.count == 4 && all.allSatisfy { Self.clean($0) && !$0.contains("battery-staple-9") })
        }
    }

    @Test func withoutASecretKeyNoSecretIsStored() async throws {
        try await ProvisioningHarness.with(worker: false, secretKey: false) { harness in
            // A template with a static key is refused, nothing stored.
            let refused = try await harness.call(.post, "/api/v1/provisioning/templates", json: Self.template)
            #expect(refused.status == .badRequest)
            #expect(refused.errorField == "settings", "\(refused.text)")
            #expect(refused.text.contains("OCTOISP_SECRET_KEY"))
            let count = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT count(*)::int FROM provisioning_template_versions").values(Int.self)
            }
            #expect(count == [0])
            // A template without secrets works.
            let plain = try await harness.call(.post, "/api/v1/provisioning/templates", json: #"""
                {"name": "zte-plain", "match": {"manufacturer": "ZTE"}, "settings": {"wifi": [{"band": "2.4GHz", "ssid": "Plain"}]}}
                """#)
            #expect(plain.status == .created, "\(plain.text)")
            let cpe = try harness.device()
            let device = try await harness.register(cpe)
            #expect(try await cpe.runSession().rpcs == ["SetParameterValues"])
            // A per-device key override is refused: a clear error, nothing stored, nothing queued.
            let tasks = try await harness.tasks(device).count
            let key = try await harness.call(.post, "/api/v1/devices/\(device.lowercased)/actions",
                                             json: #"{"type": "set_wifi", "band": "2.4GHz", "key": "brand-new-key-42"}"#)
            #expect(key.status == .badRequest)
            #expect(key.errorField == "key", "\(key.text)")
            #expect(key.text.contains("OCTOISP_SECRET_KEY"))
            let row = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT p::text FROM device_provisioning p").values(String.self)
            }
            #expect(row.count == 1 && !row[0].contains("brand-new-key-42"))
            #expect(try await harness.state(device)?.overrides == .object([:]))
            #expect(try await harness.tasks(device).count == tasks)
            // An override holding no secret is still accepted.
            let off = try await harness.call(.post, "/api/v1/devices/\(device.lowercased)/actions",
                                             json: #"{"type": "set_wifi", "band": "2.4GHz", "enabled": false}"#)
            #expect(off.status == .accepted, "\(off.text)")
            #expect(try await harness.state(device)?.overrides == .object(["wifi": .array([.object(["band": .string("2.4GHz"), "enabled": .bool(false)])])]))
        }
    }
}
