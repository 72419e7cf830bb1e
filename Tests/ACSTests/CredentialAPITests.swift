import ACS
import CPESimulator
import Foundation
import HTTPTypes
import OctoCore
import OctoStore
import OctoTestSupport
import PostgresNIO
import Testing

/// `/acs/credentials` and `/acs/connection-request-credentials`: a credential made through the API
/// authenticates a CPE session, passwords are never returned or audited, changes need `settings.write`.
@Suite(.serialized) struct CredentialAPITests {
    static let password = "api-cpe-password-1"

    @Test func apiCredentialsAuthenticateCPEsAndNeverShowPasswords() async throws {
        var settings = ACSConfiguration()
        settings.connectionRequest = ConnectionRequestSettings(timeout: 2, minimumInterval: 30)
        let configuration = settings
        try await TaskHarness.with(configuration: configuration, worker: false) { harness in
            try await harness.stack.makeUser("admin@acme.test", role: .providerAdmin, provider: harness.provider.id)
            let login = try await harness.call(.post, "/api/v1/auth/login", json: #"{"email": "admin@acme.test", "password": "correct horse battery"}"#)
            let admin = try #require(login.string("access_token"))

            // Create: 201 without the password; the NOC profile (settings.read only) may read, not create.
            let created = try await harness.call(.post, "/api/v1/acs/credentials", json: #"{"username": "api-cpe", "password": "\#(Self.password)"}"#,
                                                 token: admin)
            #expect(created.status == .created, "\(created.text)")
            #expect(!created.text.contains(Self.password) && created.json?["password"] == nil)
            let id = try #require(created.string("id"))
            #expect(created.string("realm") == configuration.realm)
            #expect(try await harness.call(.post, "/api/v1/acs/credentials", json: #"{"username": "x-cpe", "password": "password-2x"}"#).status == .forbidden)
            #expect(try await harness.call(.get, "/api/v1/acs/credentials").status == .ok)
            let duplicate = try await harness.call(.post, "/api/v1/acs/credentials", json: #"{"username": "api-cpe", "password": "password-2x"}"#, token: admin)
            #expect(duplicate.status == .conflict)
            let short = try await harness.call(.post, "/api/v1/acs/credentials", json: #"{"username": "short", "password": "1234"}"#, token: admin)
            #expect(short.status == .badRequest && short.errorField == "password")

            // A CPE signs in with it (Digest, so the realm of the hash matters).
            let cpe = SimulatedDevice(cpe: SimulatedCPE(model: try Fixtures.model("device-H199Z.csv"), index: 7),
                                      runner: CPESessionRunner(acs: harness.acsURL, username: "api-cpe", password: Self.password, mode: .digest),
                                      listener: ConnectionRequestListener(host: "127.2.\(Int.random(in: 0...255)).\(Int.random(in: 1...254))", port: 0,
                                                                          username: "acs", password: "device-cr-password"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                let (ready, signal) = AsyncStream.makeStream(of: String.self)
                group.addTask { try await cpe.serve { url in signal.yield(url) } }
                for await _ in ready { break }
                let device = try await harness.register(cpe)

                // Bind the credential to that device; list by device.
                let bound = try await harness.call(.patch, "/api/v1/acs/credentials/\(id)", json: #"{"device_id": "\#(device.lowercased)"}"#, token: admin)
                #expect(bound.status == .ok && bound.string("device_id") == device.lowercased)
                let listed = try await harness.call(.get, "/api/v1/acs/credentials?device_id=\(device.lowercased)", token: admin)
                #expect(listed.json?["total"] == .number(1))
                let renameWithoutPassword = try await harness.call(.patch, "/api/v1/acs/credentials/\(id)", json: #"{"username": "new"}"#, token: admin)
                #expect(renameWithoutPassword.status == .badRequest && renameWithoutPassword.errorField == "password")

                // Connection-request credentials: a wrong provider default, the right one for this device.
                let wrongDefault = try await harness.call(.put, "/api/v1/acs/connection-request-credentials/default",
                                                          json: #"{"username": "acs", "password": "not-it"}"#, token: admin)
                #expect(wrongDefault.status == .ok && wrongDefault.json?["device_id"] == nil)
                let own = try await harness.call(.put, "/api/v1/acs/connection-request-credentials/\(device.lowercased)",
                                                 json: #"{"username": "acs", "password": "device-cr-password"}"#, token: admin)
                #expect(own.status == .ok && own.string("device_id") == device.lowercased && !own.text.contains("device-cr-password"))
                #expect(await harness.requester.request(device: device, provider: harness.provider.id) == .accepted(status: 200))
                let crList = try await harness.call(.get, "/api/v1/acs/connection-request-credentials", token: admin)
                #expect(crList.json?["total"] == .number(2))
                #expect(try await harness.call(.put, "/api/v1/acs/connection-request-credentials/\(UUID().lowercased)",
                                               json: #"{"username": "a", "password": "b"}"#, token: admin).status == .notFound)
                #expect(try await harness.call(.get, "/api/v1/acs/connection-request-credentials/nope", token: admin).errorField == "target")
                #expect(try await harness.call(.delete, "/api/v1/acs/connection-request-credentials/\(device.lowercased)", token: admin).status == .noContent)
                #expect(try await harness.call(.get, "/api/v1/acs/connection-request-credentials/\(device.lowercased)", token: admin).status == .notFound)
                group.cancelAll()
            }

            // Delete.
            #expect(try await harness.call(.delete, "/api/v1/acs/credentials/\(id)", token: admin).status == .noContent)
            #expect(try await harness.call(.get, "/api/v1/acs/credentials/\(id)", token: admin).status == .notFound)

            // No password in the audit log or in clear at rest.
            let (audit, sealed) = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                (try await tx.query("SELECT a::text FROM audit_log a WHERE action LIKE 'cwmp_%'").values(String.self),
                 try await tx.query("SELECT password_sealed FROM cwmp_connection_request_credentials").values(String.self))
            }
            #expect(audit.count >= 6 && audit.allSatisfy { !$0.contains(Self.password) && !$0.contains("device-cr-password") && !$0.contains("not-it") })
            #expect(sealed.allSatisfy { !$0.contains("not-it") })
        }
    }
}
