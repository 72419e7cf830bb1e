import Foundation
import HTTPTypes
import OctoCore
import OctoStore
import OctoTestSupport
import Testing

/// A device's cached TR-069 parameter tree and history through the API: filters, paging over a
/// large tree, masked secrets, isolation.
@Suite struct ParameterTreeTests {
    @Test func treeIsFilteredPagedAndMasked() async throws {
        try await APIHarness.with { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            let other = try await harness.stack.makeProvider("beta")
            try await harness.stack.makeUser("viewer@alfa.test", role: .viewer, provider: provider.id)
            try await harness.stack.makeUser("viewer@beta.test", role: .viewer, provider: other.id)
            let token = try await harness.login("viewer@alfa.test")
            let foreign = try await harness.login("viewer@beta.test")
            let device = try await harness.stack.database.withTenant(provider.id) { tx in
                let device = try #require(try await tx.query("INSERT INTO devices (provider_id, name) VALUES (\(provider.id), 'CPE') RETURNING id")
                    .values(UUID.self).first)
                // 1,600 host entries plus a Wi-Fi branch with a secret, as a real tree has.
                try await tx.query("""
                    INSERT INTO device_parameters (provider_id, device_id, path, value, type, writable, is_object, updated_at)
                    SELECT \(provider.id), \(device), 'Device.Hosts.Host.' || i || '.HostName', 'host-' || i, 'xsd:string', false, false, now()
                    FROM generate_series(1, 1600) i
                    """)
                try await tx.query("""
                    INSERT INTO device_parameters (provider_id, device_id, path, value, type, writable, is_object, updated_at) VALUES
                    (\(provider.id), \(device), 'Device.WiFi.', NULL, NULL, false, true, now()),
                    (\(provider.id), \(device), 'Device.WiFi.SSID.1.SSID', 'Casa', 'xsd:string', true, false, now()),
                    (\(provider.id), \(device), 'Device.WiFi.SSID.1.Enable', 'true', 'xsd:boolean', true, false, now()),
                    (\(provider.id), \(device), 'Device.WiFi.AccessPoint.1.Security.KeyPassphrase', 'sup3r-s3cret', 'xsd:string', true, false, now()),
                    (\(provider.id), \(device), 'Device.WiFi.SSID.1.BSSID', 'aa:bb:cc:dd:ee:ff', 'xsd:string', false, false, now())
                    """)
                try await tx.query("""
                    INSERT INTO device_parameter_changes (provider_id, device_id, path, old_value, new_value, changed_at) VALUES
                    (\(provider.id), \(device), 'Device.WiFi.SSID.1.SSID', 'Old', 'Casa', now() - interval '1 hour'),
                    (\(provider.id), \(device), 'Device.WiFi.AccessPoint.1.Security.KeyPassphrase', 'old-s3cret', 'sup3r-s3cret', now()),
                    (\(provider.id), \(device), 'Device.WiFi.SSID.1.SSID', 'Older', 'Old', now() - interval '2 hours')
                    """)
                return device
            }
            let base = "/api/v1/devices/\(device.lowercased)/parameters"
            let wifi = try await harness.call(.get, base + "?prefix=Device.WiFi.", token: token)
            #expect(wifi.status == .ok)
            #expect(wifi["total"] == .number(5))
            let names = wifi.items.compactMap { $0.string("name") }
            #expect(names == names.sorted() && names.first == "Device.WiFi.")
            let secret = wifi.items.first { $0.string("name")?.hasSuffix("KeyPassphrase") == true }
            #expect(secret?.string("value") == "********")
            #expect(!(wifi.json.map { "\($0)" } ?? "").contains("sup3r"))

            let ssid = try await harness.call(.get, base + "?prefix=Device.WiFi.&q=SSID&writable=true", token: token)
            #expect(ssid.items.compactMap { $0.string("name") } == ["Device.WiFi.SSID.1.Enable", "Device.WiFi.SSID.1.SSID"])
            #expect(ssid.items.last?.string("type") == "xsd:string")

            // Paging walks the whole 1,605-node tree in pages of 500.
            var seen = Set<String>()
            var offset = 0
            while true {
                let page = try await harness.call(.get, base + "?limit=500&offset=\(offset)", token: token)
                #expect(page["total"] == .number(1605))
                if page.items.isEmpty { break }
                seen.formUnion(page.items.compactMap { $0.string("name") })
                offset += 500
            }
            #expect(seen.count == 1605)

            let history = try await harness.call(.get, base + "/history?name=Device.WiFi.SSID.1.SSID", token: token)
            #expect(history.items.compactMap { $0.string("new_value") } == ["Casa", "Old"])
            let secretHistory = try await harness.call(.get, base + "/history?prefix=Device.WiFi.AccessPoint.", token: token)
            #expect(secretHistory.items.first?.string("old_value") == "********" && secretHistory.items.first?.string("new_value") == "********")

            let badBool = try await harness.call(.get, base + "?writable=yes", token: token)
            #expect(badBool.status == .badRequest && badBool.errorField == "writable")
            #expect(try await harness.call(.get, base, token: foreign).status == .notFound)
            #expect(try await harness.call(.get, base + "/history", token: foreign).status == .notFound)
        }
    }
}
