import Foundation
import HTTPTypes
import OctoCore
import OctoStore
import OctoTestSupport
import Testing

/// `GET /api/v1/devices/{id}/timeline` through the running API on a real database.
@Suite struct DeviceTimelineTests {
    /// Writes an Inform, a parameter change and a reachability change at `at`, as the ACS and the
    /// poller write them.
    static func history(_ harness: APIHarness, provider: UUID, device: UUID, at: Date) async throws {
        try await harness.stack.database.withTenant(provider) { tx in
            try await tx.query("""
                INSERT INTO cwmp_informs (provider_id, device_id, at, events, command_keys, retry_count, remote_ip)
                VALUES (\(provider), \(device), \(at), ARRAY['1 BOOT', '4 VALUE CHANGE'], ARRAY['']::text[], 0, '100.64.0.9'::inet)
                """)
            try await tx.query("""
                INSERT INTO device_parameter_changes (provider_id, device_id, path, old_value, new_value, changed_at)
                VALUES (\(provider), \(device), 'Device.WiFi.SSID.1.SSID', 'velha', 'nova', \(at.addingTimeInterval(1)))
                """)
            try await tx.query("""
                INSERT INTO device_reachability_changes (provider_id, device_id, at, state)
                VALUES (\(provider), \(device), \(at.addingTimeInterval(2)), 'down')
                """)
        }
    }

    /// `data.<key>` of a timeline entry.
    static func field(_ entry: JSONValue, _ key: String) -> JSONValue? {
        guard case .object(let object) = entry, case .object(let data) = object["data"] else { return nil }
        return data[key]
    }

    @Test func mergesEverySourceNewestFirstAndPagesWithoutShifting() async throws {
        try await APIHarness.with { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            try await harness.stack.makeUser("admin@alfa.test", role: .providerAdmin, provider: provider.id)
            let token = try await harness.login("admin@alfa.test")
            let device = try #require(try await harness.call(.post, "/api/v1/devices", token: token, json: #"{"name": "CPE Linha"}"#).string("id"))
            let deviceID = try #require(UUID(uuidString: device))
            for _ in 0..<3 {
                #expect(try await harness.call(.post, "/api/v1/devices/\(device)/tasks", token: token, json: #"{"type": "reboot"}"#).status == .created)
            }
            try await Self.history(harness, provider: provider.id, device: deviceID, at: Date(timeIntervalSinceNow: -3_600))
            // Another device's history stays out.
            let other = try #require(try await harness.call(.post, "/api/v1/devices", token: token, json: #"{"name": "Outro"}"#).string("id"))
            try await Self.history(harness, provider: provider.id, device: try #require(UUID(uuidString: other)), at: Date())

            let whole = try await harness.call(.get, "/api/v1/devices/\(device)/timeline?limit=200", token: token)
            #expect(whole.status == .ok)
            let kinds = whole.items.compactMap { $0.string("kind") }
            #expect(kinds.filter { $0 == "task" }.count == 3)
            #expect(Set(kinds) == ["task", "audit", "inform", "parameter_change", "reachability"], "\(kinds)")
            #expect(whole["next_cursor"] == nil)
            let times = whole.items.compactMap { $0.string("at").flatMap(OctoJSON.parseDate) }
            #expect(times.count == whole.items.count)
            #expect(times == times.sorted(by: >), "newest first")
            let inform = try #require(whole.items.first { $0.string("kind") == "inform" })
            #expect(Self.field(inform, "events") == .array([.string("1 BOOT"), .string("4 VALUE CHANGE")]))
            let change = try #require(whole.items.first { $0.string("kind") == "parameter_change" })
            #expect(Self.field(change, "new_value") == .string("nova"))
            let task = try #require(whole.items.first { $0.string("kind") == "task" })
            #expect(Self.field(task, "status") == .string("queued"))
            #expect(Self.field(task, "type") == .string("reboot"))

            // Pages of two walk the same list; an entry written meanwhile does not shift them.
            var walked: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let query = cursor.map { "&cursor=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0)" } ?? ""
                let page = try await harness.call(.get, "/api/v1/devices/\(device)/timeline?limit=2\(query)", token: token)
                #expect(page.status == .ok)
                #expect(page.items.count <= 2)
                walked += page.items.compactMap { item in item.string("kind").flatMap { kind in item.string("id").map { "\(kind)/\($0)" } } }
                cursor = page.string("next_cursor")
                pages += 1
                if pages == 1 {
                    // Newer than everything listed: it belongs on top, not on a later page.
                    try await Self.history(harness, provider: provider.id, device: deviceID, at: Date(timeIntervalSinceNow: 86_400))
                }
            } while cursor != nil && pages < 20
            let expected = whole.items.compactMap { item in item.string("kind").flatMap { kind in item.string("id").map { "\(kind)/\($0)" } } }
            #expect(walked == expected)

            let informsOnly = try await harness.call(.get, "/api/v1/devices/\(device)/timeline?kinds=inform,reachability", token: token)
            #expect(Set(informsOnly.items.compactMap { $0.string("kind") }) == ["inform", "reachability"])
        }
    }

    @Test func permissionsTenantsAndBadInput() async throws {
        try await APIHarness.with { harness in
            let alfa = try await harness.stack.makeProvider("alfa")
            let beta = try await harness.stack.makeProvider("beta")
            try await harness.stack.makeUser("admin@alfa.test", role: .providerAdmin, provider: alfa.id)
            try await harness.stack.makeUser("tech@alfa.test", role: .technician, provider: alfa.id)
            try await harness.stack.makeUser("admin@beta.test", role: .providerAdmin, provider: beta.id)
            let admin = try await harness.login("admin@alfa.test")
            let tech = try await harness.login("tech@alfa.test")
            let betaAdmin = try await harness.login("admin@beta.test")
            let device = try #require(try await harness.call(.post, "/api/v1/devices", token: admin, json: #"{"name": "CPE"}"#).string("id"))
            let path = "/api/v1/devices/\(device)/timeline"
            let asAdmin = try await harness.call(.get, path, token: admin)
            #expect(asAdmin.items.contains { $0.string("kind") == "audit" }, "the device's creation is audited")
            // Audit entries need audit.read, which a technician does not hold.
            let asTech = try await harness.call(.get, path, token: tech)
            #expect(asTech.status == .ok)
            #expect(!asTech.items.contains { $0.string("kind") == "audit" })
            // Another provider's device does not exist for beta.
            #expect(try await harness.call(.get, path, token: betaAdmin).status == .notFound)
            #expect(try await harness.call(.get, "/api/v1/devices/\(UUID().lowercased)/timeline", token: admin).status == .notFound)
            for (query, field) in [("cursor=nonsense", "cursor"), ("cursor=1.unknown.3", "cursor"), ("kinds=inform,bogus", "kinds"),
                                   ("limit=0", "limit"), ("limit=201", "limit"), ("limit=x", "limit")] {
                let bad = try await harness.call(.get, "\(path)?\(query)", token: admin)
                #expect(bad.status == .badRequest, "\(query)")
                #expect(bad.errorField == field, "\(query): \(String(describing: bad.json))")
            }
            #expect(try await harness.call(.get, path).status == .unauthorized)
        }
    }
}
