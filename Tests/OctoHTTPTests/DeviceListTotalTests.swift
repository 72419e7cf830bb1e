import Foundation
import HTTPTypes
import OctoCore
import OctoHTTP
import OctoStore
import OctoTestSupport
import Testing

/// The device list of a large provider through the API on the real PostgreSQL: the total is exact up to
/// 10,000 matches and flagged past it, searches and pages read the same rows as before, and one
/// provider's count never includes another's devices.
@Suite struct DeviceListTotalTests {
    static func names(_ response: APIResponse) -> [String] {
        response.items.compactMap { $0.string("name") }
    }

    @Test func totalStopsCountingPastTheBoundAndPagesStayRight() async throws {
        try await APIHarness.with { harness in
            let big = try await harness.stack.makeProvider("grande")
            let small = try await harness.stack.makeProvider("pequeno")
            try await harness.stack.makeUser("noc@grande.test", role: .providerAdmin, provider: big.id)
            try await harness.stack.makeUser("noc@pequeno.test", role: .providerAdmin, provider: small.id)
            let token = try await harness.login("noc@grande.test")
            let smallToken = try await harness.login("noc@pequeno.test")
            // 10,050 devices: one past the bound and a little more; every 100th never seen.
            let count = DeviceRepository.exactTotalLimit + 50
            try await harness.stack.database.withTenant(big.id) { tx in
                _ = try await tx.query("""
                    INSERT INTO devices (provider_id, name, kind, vendor, serial_number, status, last_seen_at)
                    SELECT \(big.id), 'CPE ' || lpad(i::text, 5, '0'), 'cpe', CASE WHEN i % 2 = 0 THEN 'Huawei' ELSE 'ZTE' END,
                           'SN' || lpad(i::text, 8, '0'), 'online', CASE WHEN i % 100 = 0 THEN NULL ELSE now() - i * interval '1 second' END
                    FROM generate_series(1, \(count)) AS i
                    """)
            }
            for name in ["Pequeno A", "Pequeno B", "Pequeno C"] {
                let created = try await harness.call(.post, "/api/v1/devices", token: smallToken, json: #"{"name": "\#(name)"}"#)
                #expect(created.status == .created)
            }

            // Past the bound: the bound, flagged, and the first page by name.
            let first = try await harness.call(.get, "/api/v1/devices?limit=50", token: token)
            #expect(first.status == .ok)
            #expect(first["total"] == .number(Double(DeviceRepository.exactTotalLimit)))
            #expect(first["total_is_estimate"] == .bool(true))
            #expect(Self.names(first) == (1...50).map { String(format: "CPE %05d", $0) })
            // Descending by name, and a page deep past the bound, keep their order.
            #expect(Self.names(try await harness.call(.get, "/api/v1/devices?sort=-name&limit=2", token: token)) == ["CPE 10050", "CPE 10049"])
            let deep = try await harness.call(.get, "/api/v1/devices?limit=20&offset=10040", token: token)
            #expect(Self.names(deep) == (10041...10050).map { String(format: "CPE %05d", $0) })
            #expect(deep["total_is_estimate"] == .bool(true))
            // Past the last page: no rows, the total still answered.
            let beyond = try await harness.call(.get, "/api/v1/devices?limit=50&offset=20000", token: token)
            #expect(beyond.items.isEmpty)
            #expect(beyond["total"] == .number(Double(DeviceRepository.exactTotalLimit)) && beyond["total_is_estimate"] == .bool(true))
            // A nullable column keeps nulls first ascending and last descending.
            let unseen = Set((1...100).map { String(format: "CPE %05d", $0 * 100) })
            let seen = Self.names(try await harness.call(.get, "/api/v1/devices?sort=last_seen_at&limit=2", token: token))
            #expect(seen.count == 2 && Set(seen).isSubset(of: unseen))
            let unseenLast = try await harness.call(.get, "/api/v1/devices?sort=-last_seen_at&limit=1", token: token)
            #expect(Self.names(unseenLast) == ["CPE 00001"])

            // Under the bound the total is exact: a filter, a search, a search's later page and its end.
            let zte = try await harness.call(.get, "/api/v1/devices?vendor=zte&limit=1", token: token)
            #expect(zte["total"] == .number(5025) && zte["total_is_estimate"] == .bool(false))
            let search = try await harness.call(.get, "/api/v1/devices?q=cpe%200999&limit=5&offset=5", token: token)
            #expect(search["total"] == .number(10) && search["total_is_estimate"] == .bool(false))
            #expect(Self.names(search) == (9995...9999).map { String(format: "CPE %05d", $0) })
            let searchVendor = try await harness.call(.get, "/api/v1/devices?q=cpe%200999&vendor=huawei", token: token)
            #expect(searchVendor["total"] == .number(5) && Self.names(searchVendor) == ["CPE 09990", "CPE 09992", "CPE 09994", "CPE 09996", "CPE 09998"])
            let searchEnd = try await harness.call(.get, "/api/v1/devices?q=cpe%200999&offset=50", token: token)
            #expect(searchEnd.items.isEmpty && searchEnd["total"] == .number(10))
            let none = try await harness.call(.get, "/api/v1/devices?q=nada%20disso", token: token)
            #expect(none.items.isEmpty && none["total"] == .number(0) && none["total_is_estimate"] == .bool(false))
            // A broad search past the bound is flagged too.
            let broad = try await harness.call(.get, "/api/v1/devices?q=sn0&limit=3", token: token)
            #expect(broad["total_is_estimate"] == .bool(true) && Self.names(broad) == ["CPE 00001", "CPE 00002", "CPE 00003"])

            // The other provider counts its own devices only, exactly.
            let other = try await harness.call(.get, "/api/v1/devices", token: smallToken)
            #expect(other["total"] == .number(3) && other["total_is_estimate"] == .bool(false))
            #expect(Self.names(other) == ["Pequeno A", "Pequeno B", "Pequeno C"])
            #expect(try await harness.call(.get, "/api/v1/devices?q=cpe", token: smallToken)["total"] == .number(0))
        }
    }
}
