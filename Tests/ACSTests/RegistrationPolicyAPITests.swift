import ACS
import CWMP
import Foundation
import HTTPTypes
import OctoCore
import OctoStore
import OctoTestSupport
import PostgresNIO
import Testing

/// `/acs/registration-policy` and `/acs/pending-devices`: a provider that requires approval keeps new
/// devices waiting (their Informs stored, nothing sent to them) until someone with `devices.write`
/// approves them; the policy needs `settings.write`; both are audited.
@Suite(.serialized) struct RegistrationPolicyAPITests {
    @Test func newDevicesWaitForApproval() async throws {
        try await TaskHarness.with(worker: false) { harness in
            try await harness.stack.makeUser("admin@acme.test", role: .providerAdmin, provider: harness.provider.id)
            try await harness.stack.makeUser("viewer@acme.test", role: .viewer, provider: harness.provider.id)
            func login(_ email: String) async throws -> String {
                let answer = try await harness.call(.post, "/api/v1/auth/login", json: #"{"email": "\#(email)", "password": "correct horse battery"}"#)
                return try #require(answer.string("access_token"))
            }
            let admin = try await login("admin@acme.test")
            let viewer = try await login("viewer@acme.test")

            let initial = try await harness.call(.get, "/api/v1/acs/registration-policy")
            #expect(initial.status == .ok && initial.json?["require_approval"] == .bool(false) && initial.json?["max_devices"] == nil)
            #expect(try await harness.call(.put, "/api/v1/acs/registration-policy", json: #"{"require_approval": true}"#).status == .forbidden,
                    "NOC has settings.read only")
            let negative = try await harness.call(.put, "/api/v1/acs/registration-policy", json: #"{"max_devices": -1}"#, token: admin)
            #expect(negative.status == .badRequest && negative.errorField == "max_devices")
            let set = try await harness.call(.put, "/api/v1/acs/registration-policy", json: #"{"require_approval": true, "per_minute": 100}"#, token: admin)
            #expect(set.status == .ok && set.json?["require_approval"] == .bool(true) && set.json?["per_minute"] == .number(100))

            // A new device informs: stored, answered, but no discovery, credential or task reaches it.
            let opened = try await RawHTTP.post(harness.acsURL, body: RawHTTP.inform(serial: "WAIT1"), authorization: RawHTTP.basic())
            #expect(opened.status == 200)
            let cookie = try #require(opened.headers["set-cookie"]?.split(separator: ";").first.map(String.init))
            #expect(try await RawHTTP.post(harness.acsURL, body: "", cookie: cookie).status == 204)
            let pending = try await harness.call(.get, "/api/v1/acs/pending-devices")
            #expect(pending.status == .ok && pending.json?["total"] == .number(1), "\(pending.text)")
            guard case .array(let items)? = pending.json?["items"], let first = items.first, let id = first.string("id") else {
                Issue.record("no pending device listed: \(pending.text)")
                return
            }
            #expect(first.string("serial_number") == "WAIT1")

            #expect(try await harness.call(.post, "/api/v1/acs/pending-devices/\(id)/approve", token: viewer).status == .forbidden)
            #expect(try await harness.call(.post, "/api/v1/acs/pending-devices/\(id)/approve").status == .noContent)
            #expect(try await harness.call(.post, "/api/v1/acs/pending-devices/\(id)/approve").status == .notFound, "no longer waiting")
            #expect(try await harness.call(.get, "/api/v1/acs/pending-devices").json?["total"] == .number(0))

            // Approved: the next session discovers it.
            let next = try await RawHTTP.post(harness.acsURL, body: RawHTTP.inform(serial: "WAIT1", events: ["2 PERIODIC"]), authorization: RawHTTP.basic())
            #expect(next.status == 200)
            let nextCookie = try #require(next.headers["set-cookie"]?.split(separator: ";").first.map(String.init))
            let request = try await RawHTTP.post(harness.acsURL, body: "", cookie: nextCookie)
            #expect(request.status == 200 && request.body.contains("GetParameterNames"))
            try await RawHTTP.finish(harness.acsURL, cookie: nextCookie)

            let audits = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("""
                    SELECT action FROM audit_log WHERE action IN ('cwmp_registration_policy.update', 'device.approve') ORDER BY id
                    """).values(String.self)
            }
            #expect(audits == ["cwmp_registration_policy.update", "device.approve"])
        }
    }
}
