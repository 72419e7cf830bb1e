import Foundation
import Logging
import OctoCore
import OctoTestSupport
import PostgresNIO
import Testing

/// `GET /audit/verification`: the caller's chain recomputed, under the provider's row-level security.
@Suite struct AuditVerificationTests {
    func number(_ value: JSONValue?) -> Int? {
        guard case .number(let n) = value else { return nil }
        return Int(n)
    }

    @Test func reportsTheProvidersOwnChainAndTheFirstTamperedEntry() async throws {
        try await APIHarness.with { harness in
            let alfa = try await harness.stack.makeProvider("alfa")
            let beta = try await harness.stack.makeProvider("beta")
            try await harness.stack.makeUser("admin@alfa.test", role: .providerAdmin, provider: alfa.id)
            try await harness.stack.makeUser("viewer@alfa.test", role: .viewer, provider: alfa.id)
            try await harness.stack.makeUser("admin@beta.test", role: .providerAdmin, provider: beta.id)
            try await harness.stack.makeUser("root@octoisp.test", role: .globalAdmin, provider: nil)
            let admin = try await harness.login("admin@alfa.test")
            let viewer = try await harness.login("viewer@alfa.test")
            let betaAdmin = try await harness.login("admin@beta.test")
            let root = try await harness.login("root@octoisp.test")
            for name in ["Centro", "Norte", "Sul"] {
                #expect(try await harness.call(.post, "/api/v1/pops", token: admin, json: #"{"name": "\#(name)"}"#).status == .created)
            }

            let entries = try await harness.call(.get, "/api/v1/audit?limit=1", token: admin)
            let total = try #require(number(entries["total"]))
            #expect(total >= 5)
            let intact = try await harness.call(.get, "/api/v1/audit/verification", token: admin)
            #expect(intact.status == .ok)
            #expect(intact["intact"] == .bool(true))
            // Exactly the provider's entries: RLS hides the other provider's chain and the platform's.
            #expect(number(intact["checked"]) == total)
            #expect(intact["broken"] == nil)

            // Reading the audit log is a permission of its own.
            let refused = try await harness.call(.get, "/api/v1/audit/verification", token: viewer)
            #expect(refused.status == .forbidden)
            #expect(refused.errorCode == "forbidden")

            // The database owner switches the guard off and rewrites the second entry of alfa's chain.
            try await harness.stack.connect(harness.stack.ownerURL) { connection in
                let logger = Logger(label: "test")
                try await connection.query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update", logger: logger)
                try await connection.query("UPDATE audit_log SET action = 'pop.nothing' WHERE provider_id = \(alfa.id) AND seq = 2", logger: logger)
                try await connection.query("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update", logger: logger)
            }
            let broken = try await harness.call(.get, "/api/v1/audit/verification", token: admin)
            #expect(broken.status == .ok)
            #expect(broken["intact"] == .bool(false))
            guard case .object(let first) = broken["broken"] else { Issue.record("no broken entry: \(String(describing: broken.json))"); return }
            #expect(number(first["seq"]) == 2)
            #expect(number(first["id"]) != nil)
            #expect(first["kind"] == .string("altered"))
            guard case .string(let reason) = first["reason"] else { Issue.record("no reason"); return }
            #expect(reason.contains("altered"))

            // The other provider's chain and the platform chain are untouched and say so.
            let other = try await harness.call(.get, "/api/v1/audit/verification", token: betaAdmin)
            #expect(other["intact"] == .bool(true))
            #expect(number(other["checked"]) == number(try await harness.call(.get, "/api/v1/audit?limit=1", token: betaAdmin)["total"]))
            let platform = try await harness.call(.get, "/api/v1/audit/verification", token: root)
            #expect(platform.status == .ok)
            #expect(platform["intact"] == .bool(true))
            #expect(number(platform["checked"]) == number(try await harness.call(.get, "/api/v1/audit?limit=1", token: root)["total"]))
            // A Global Admin acting in alfa sees alfa's break.
            let inAlfa = try await harness.call(.get, "/api/v1/audit/verification", token: root, provider: alfa.id)
            #expect(inAlfa["intact"] == .bool(false))
        }
    }
}
