@testable import ACS
import CPESimulator
import CWMP
import Foundation
import OctoCore
import OctoStore
import OctoTestSupport
import PostgresNIO
import Testing

/// Per-device CPE credentials and the limits on auto-registration, through the real CWMP server.
@Suite(.serialized) struct DeviceCredentialTests {
    static var configuration: ACSConfiguration {
        var configuration = ACSConfiguration()
        configuration.deviceCredentials = true
        return configuration
    }

    struct StoredCredential {
        var device: UUID?
        var state: String
        var sealed: String?
        var ha1: String
    }

    static func stored(_ harness: ACSHarness, username: String) async throws -> StoredCredential? {
        try await harness.stack.database.withTenant(harness.provider.id) { tx in
            try await tx.query("SELECT device_id, state, sealed_password, digest_ha1 FROM cwmp_credentials WHERE username = \(username)")
                .acsFirst { row in
                    StoredCredential(device: try row.acsColumn("device_id"), state: try row.acsColumn("state"),
                                     sealed: try row.acsColumn("sealed_password"), ha1: try row.acsColumn("digest_ha1"))
                }
        }
    }

    /// TR-098 (`InternetGatewayDevice.`) and TR-181 (`Device.`) models.
    @Test(arguments: ["device-H199Z.csv", "device-9CA2F4-EC220_G5_V3-22275K2000315.csv"])
    func sharedCredentialGivesWayToTheDevicesOwn(_ file: String) async throws {
        let model = try Fixtures.model(file)
        try await ACSHarness.with(configuration: Self.configuration) { harness in
            var cpe = SimulatedCPE(model: model)
            let first = try await harness.runner().run(&cpe)
            #expect(first.rpcs.last == "SetParameterValues", "the credential follows discovery: \(first.rpcs.suffix(3))")
            let username = try #require(cpe.acsUsername, "the simulator applied ManagementServer.Username")
            let password = try #require(cpe.acsPassword, "the simulator applied ManagementServer.Password")
            #expect(username.hasPrefix("\(model.identity.oui.uppercased())-\(model.identity.serialNumber)-"))
            #expect(password.count == 32)

            let stored = try #require(try await Self.stored(harness, username: username))
            let device = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT id FROM devices").values(UUID.self)
            }
            #expect(stored.device == device.first)
            #expect(stored.state == "active")
            let sealed = try #require(stored.sealed)
            #expect(!sealed.contains(password), "sealed, not in clear")
            let opened = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.cwmpCredentials.sealedPassword(device: device[0], username: username, secrets: harness.secrets)
            }
            #expect(opened == password)
            let audits = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT count(*)::int FROM audit_log WHERE action = 'cwmp_credential.device_provisioned'").values(Int.self)
            }
            #expect(audits == [1])

            // The device's next sessions use its own credential, Basic or Digest, and get no new offer.
            let second = try await harness.runner(.digest).run(&cpe)
            #expect(second.rpcs.isEmpty)
            _ = try await harness.runner(.basic).run(&cpe)
            #expect(cpe.acsUsername == username)

            // Anyone holding the provider-wide credential who claims this serial is refused.
            var impostor = SimulatedCPE(model: model)
            impostor.pendingEvents = [InformEvent(code: InformEvent.periodic)]
            do {
                _ = try await harness.runner(.digest).run(&impostor)
                Issue.record("the provider-wide credential was accepted for a device with its own")
            } catch let failure as CPESessionRunner.Failure {
                #expect(failure.status == 401)
            }
            let raw = try await RawHTTP.post(harness.url(), body: RawHTTP.inform(oui: model.identity.oui.uppercased(), serial: model.identity.serialNumber),
                                             authorization: RawHTTP.basic())
            #expect(raw.status == 401)
            #expect(try await harness.count("cwmp_informs") == 3, "the refused Informs stored nothing")
            #expect(try await harness.count("cwmp_credentials") == 2)
            // Another device still registers with the provider-wide credential.
            var other = SimulatedCPE(model: model, index: 7)
            _ = try await harness.runner().run(&other)
            #expect(other.acsUsername != nil && other.acsUsername != username)
        }
    }

    @Test func aRefusedOfferIsWithdrawnAndOfferedAgain() async throws {
        let model = try Fixtures.model("device-H199Z.csv")
        try await ACSHarness.with(configuration: Self.configuration) { harness in
            var cpe = SimulatedCPE(model: model)
            cpe.refusedPaths = [model.root + "ManagementServer.Username"]
            let first = try await harness.runner().run(&cpe)
            #expect(first.rpcs.last == "SetParameterValues")
            #expect(cpe.acsUsername == nil)
            #expect(try await harness.count("cwmp_credentials") == 1, "only the provider-wide credential is left")
            cpe.refusedPaths = []
            let second = try await harness.runner().run(&cpe)
            #expect(second.rpcs == ["SetParameterValues"])
            let username = try #require(cpe.acsUsername)
            #expect(try await Self.stored(harness, username: username)?.state == "active")
        }
    }

    @Test func anOfferTheDeviceUsesBecomesActive() async throws {
        try await ACSHarness.with(configuration: Self.configuration) { harness in
            // A device that took the credential but whose answer was lost: it comes back with it.
            let first = try await RawHTTP.post(harness.url(), body: RawHTTP.inform(serial: "LOST1"), authorization: RawHTTP.basic())
            #expect(first.status == 200)
            let cookie = try #require(first.headers["set-cookie"]?.split(separator: ";").first.map(String.init))
            // Discovery first (declined), then the credential.
            var body = ""
            var offered: [ParameterValue]?
            for _ in 0..<10 {
                let request = try await RawHTTP.post(harness.url(), body: body, cookie: cookie)
                guard request.status == 200 else { break }
                let envelope = try CWMPDecoder().decodeACS(Array(request.body.utf8))
                if case .setParameterValues(let values, _) = envelope.message {
                    offered = values
                    break
                }
                body = CWMPEncoder().encode(Envelope(version: envelope.version, id: envelope.id,
                                                     message: CPEMessage.fault(CWMPFault(code: .internalError, string: "declined"))))
            }
            let values = try #require(offered, "the ACS offered a credential")
            let username = values[0].value
            let password = values[1].value
            #expect(values[0].name == "Device.ManagementServer.Username")
            #expect(try await Self.stored(harness, username: username)?.state == "offered")
            harness.engine.sessionsForTesting { $0.removeAll() }
            _ = try await harness.stack.database.withTenant(harness.provider.id) { tx in try await tx.query("DELETE FROM cwmp_sessions") }
            let again = try await RawHTTP.post(harness.url(), body: RawHTTP.inform(serial: "LOST1", events: ["2 PERIODIC"]),
                                               authorization: RawHTTP.basic(username, password))
            #expect(again.status == 200)
            #expect(try await Self.stored(harness, username: username)?.state == "active")
            let shared = try await RawHTTP.post(harness.url(), body: RawHTTP.inform(serial: "LOST1", events: ["2 PERIODIC"]), authorization: RawHTTP.basic())
            #expect(shared.status == 401)
        }
    }

    @Test func autoRegistrationCapAndRate() async throws {
        try await ACSHarness.with { harness in
            func inform(_ serial: String) async throws -> RawHTTP.Answer {
                let answer = try await RawHTTP.post(harness.url(), body: RawHTTP.inform(serial: serial), authorization: RawHTTP.basic())
                if answer.status == 200, let cookie = answer.headers["set-cookie"]?.split(separator: ";").first {
                    try await RawHTTP.finish(harness.url(), cookie: String(cookie))
                }
                return answer
            }
            _ = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.registrationPolicy.set(RegistrationPolicy(maxDevices: 2), by: .system)
            }
            #expect(try await inform("CAP1").status == 200)
            #expect(try await inform("CAP2").status == 200)
            let refused = try await inform("CAP3")
            #expect(refused.status == 403)
            #expect(refused.body.contains("cap of 2 devices"))
            #expect(try await harness.count("devices") == 2, "no row for the refused device")
            #expect(try await inform("CAP1").status == 200, "a registered device is not counted again")

            _ = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.registrationPolicy.set(RegistrationPolicy(maxDevices: nil, perMinute: 3), by: .system)
            }
            #expect(try await inform("RATE1").status == 200)
            let slowed = try await inform("RATE2")
            #expect(slowed.status == 503)
            #expect(slowed.headers["retry-after"] != nil)
            #expect(try await harness.count("devices") == 3)
        }
    }

    @Test func parallelFirstInformsCannotPassTheCap() async throws {
        try await ACSHarness.with { harness in
            _ = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.registrationPolicy.set(RegistrationPolicy(maxDevices: 3), by: .system)
            }
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        try await RawHTTP.post(harness.url(), body: RawHTTP.inform(serial: "PAR\(index)"), authorization: RawHTTP.basic()).status
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 200 }.count == 3, "\(statuses.sorted())")
            #expect(statuses.filter { $0 == 403 }.count == 5)
            #expect(try await harness.count("devices") == 3)
        }
    }
}
