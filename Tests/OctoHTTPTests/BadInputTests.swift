import Foundation
import HTTPTypes
import OctoCore
import OctoStore
import OctoTestSupport
import Testing

/// Bad input gets a clear answer and changes nothing.
@Suite struct BadInputTests {
    static func auditCount(_ harness: APIHarness, _ provider: UUID) async throws -> Int {
        try await harness.stack.database.withTenant(provider) { tx in try await tx.auditLog.list(AuditFilter(), page: PageRequest()).total }
    }

    static func deviceCount(_ harness: APIHarness, _ provider: UUID) async throws -> Int {
        try await harness.stack.database.withTenant(provider) { tx in try await tx.devices.list(DeviceFilter(), page: PageRequest()).total }
    }

    @Test func malformedBodiesAre400sNamingTheFieldAndWriteNothing() async throws {
        try await APIHarness.with { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            try await harness.stack.makeUser("admin@alfa.test", role: .providerAdmin, provider: provider.id)
            let token = try await harness.login("admin@alfa.test")
            let before = try await Self.auditCount(harness, provider.id)
            let cases: [(String, String?)] = [
                (#"{"name": "x", "#, nil),
                (#"not json"#, nil),
                (#"{"name": "x", "kind": "toaster"}"#, "kind"),
                (#"{"name": "x", "status": 3}"#, "status"),
                (#"{"name": "x", "pop_id": "not-a-uuid"}"#, "pop_id"),
                (#"{"name": "x", "management_ip": "999.1.1.1"}"#, "management_ip"),
                (#"{"name": "x", "oui": "XYZ"}"#, "oui"),
                (#"{"kind": "ont"}"#, "name"),
                (#"{"name": "x", "customer_id": "\#(UUID().lowercased)"}"#, "customer_id"),
            ]
            for (body, field) in cases {
                let response = try await harness.call(.post, "/api/v1/devices", token: token, json: body)
                #expect(response.status == .badRequest, "\(body) → \(response.status)")
                #expect(response.errorCode == "invalid_input")
                if let field { #expect(response.errorField == field, "\(body) → field \(String(describing: response.errorField))") }
            }
            let empty = try await harness.call(.post, "/api/v1/devices", token: token, json: "")
            #expect(empty.status == .badRequest)
            #expect(try await Self.deviceCount(harness, provider.id) == 0)
            #expect(try await Self.auditCount(harness, provider.id) == before)
        }
    }

    @Test func badIdsAndQueryParametersAre400s() async throws {
        try await APIHarness.with { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            try await harness.stack.makeUser("admin@alfa.test", role: .providerAdmin, provider: provider.id)
            let token = try await harness.login("admin@alfa.test")
            for path in ["/api/v1/devices/123", "/api/v1/devices?limit=abc", "/api/v1/devices?limit=10000", "/api/v1/devices?status=sleeping",
                         "/api/v1/devices?pop_id=nope", "/api/v1/audit?since=yesterday"] {
                let response = try await harness.call(.get, path, token: token)
                #expect(response.status == .badRequest, "\(path) → \(response.status)")
                #expect(response.errorField != nil)
            }
            let unknownRoute = try await harness.call(.get, "/api/v1/nothing-here", token: token)
            #expect(unknownRoute.status == .notFound)
            #expect(unknownRoute.errorCode == "not_found")
        }
    }

    @Test func oversizeBodiesAre413() async throws {
        try await APIHarness.with(configure: { $0.maxBodySize = 4096 }) { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            try await harness.stack.makeUser("admin@alfa.test", role: .providerAdmin, provider: provider.id)
            let token = try await harness.login("admin@alfa.test")
            let notes = String(repeating: "a", count: 10_000)
            let response = try await harness.call(.post, "/api/v1/devices", token: token, json: #"{"name": "x", "notes": "\#(notes)"}"#)
            #expect(response.status == .contentTooLarge)
            #expect(response.errorCode == "payload_too_large")
            #expect(try await Self.deviceCount(harness, provider.id) == 0)
        }
    }

    @Test func badCredentialsAre401() async throws {
        try await APIHarness.with { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            try await harness.stack.makeUser("admin@alfa.test", role: .providerAdmin, provider: provider.id)
            let token = try await harness.login("admin@alfa.test")
            let none = try await harness.call(.get, "/api/v1/devices")
            #expect(none.status == .unauthorized)
            #expect(none.headers[.wwwAuthenticate] == "Bearer")
            let garbage = try await harness.call(.get, "/api/v1/devices", token: "not.a.jwt")
            #expect(garbage.status == .unauthorized)
            let truncated = try await harness.call(.get, "/api/v1/devices", token: String(token.dropLast(3)))
            #expect(truncated.status == .unauthorized)
            let wrongKey = try await harness.call(.get, "/api/v1/devices", token: "oik_0000_deadbeef")
            #expect(wrongKey.status == .unauthorized)
            harness.stack.clock.advance(by: 20 * 60)
            let expired = try await harness.call(.get, "/api/v1/devices", token: token)
            #expect(expired.status == .unauthorized)
            let wrongPassword = try await harness.call(.post, "/api/v1/auth/login", json: #"{"email": "admin@alfa.test", "password": "nope nope nope"}"#)
            #expect(wrongPassword.status == .unauthorized)
        }
    }

    @Test func conflictsAreReportedAndDeletesOfUsedRowsRefused() async throws {
        try await APIHarness.with { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            try await harness.stack.makeUser("admin@alfa.test", role: .providerAdmin, provider: provider.id)
            let token = try await harness.login("admin@alfa.test")
            let pop = try await harness.call(.post, "/api/v1/pops", token: token, json: #"{"name": "Centro"}"#)
            let duplicate = try await harness.call(.post, "/api/v1/pops", token: token, json: #"{"name": "Centro"}"#)
            #expect(duplicate.status == .conflict)
            let popId = try #require(pop.string("id"))
            let device = try await harness.call(.post, "/api/v1/devices", token: token, json: #"{"name": "OLT", "pop_id": "\#(popId)"}"#)
            #expect(device.status == .created)
            let delete = try await harness.call(.delete, "/api/v1/pops/\(popId)", token: token)
            #expect(delete.status == .conflict)
            let still = try await harness.call(.get, "/api/v1/pops/\(popId)", token: token)
            #expect(still.status == .ok)
        }
    }

    @Test func rateLimitsAnswer429WithRetryAfter() async throws {
        // A slow refill: on a loaded machine six requests can take more than a second each, and a
        // rate of 1/s would then never run the bucket dry.
        try await APIHarness.with(configure: { $0.credentialRate = 0.02; $0.credentialBurst = 3 }) { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            try await harness.stack.makeUser("admin@alfa.test", role: .providerAdmin, provider: provider.id)
            let token = try await harness.login("admin@alfa.test")
            var statuses: [Int] = []
            var retryAfter: String?
            for _ in 0..<6 {
                let response = try await harness.call(.get, "/api/v1/pops", token: token)
                statuses.append(response.status.code)
                if response.status == .tooManyRequests { retryAfter = response.headers[.retryAfter] }
            }
            #expect(statuses.prefix(3).allSatisfy { $0 == 200 })
            #expect(statuses.contains(429))
            #expect(Int(retryAfter ?? "") ?? 0 >= 1)
        }
    }
}
