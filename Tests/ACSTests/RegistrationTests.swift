import ACS
import CPESimulator
import CWMP
import Foundation
import OctoCore
import OctoStore
import OctoTestSupport
import PostgresNIO
import Testing

@Suite(.serialized) struct RegistrationTests {
    @Test(arguments: try Fixtures.files())
    func registersAndDiscoversEachFixtureModel(_ file: String) async throws {
        let model = try Fixtures.model(file)
        try await ACSHarness.with { harness in
            var cpe = SimulatedCPE(model: model, connectionRequestURL: "http://127.0.0.2:7547/cr")
            let report = try await harness.runner().run(&cpe)
            #expect(report.rpcs.first == "GetParameterNames")
            #expect(report.rpcs.dropFirst().allSatisfy { $0 == "GetParameterValues" })
            let device = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.devices.list(DeviceFilter(), page: try PageRequest(limit: 10, offset: 0)).items
            }
            #expect(device.count == 1)
            #expect(device.first?.oui == model.identity.oui.uppercased())
            #expect(device.first?.serialNumber == model.identity.serialNumber)
            #expect(device.first?.status == .pending)
            #expect(device.first?.lastSeenAt != nil)
            let cached = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.cwmp.parameters(of: device[0].id)
            }
            #expect(cached.count == model.paths.count)
            for path in model.paths where !path.hasSuffix(".") {
                let node = model.nodes[path]!
                // Secret values are cached only as a marker (never in clear).
                let secret = SecretParameters.isSecret(path) && !node.value.isEmpty && !["xsd:boolean", "xsd:int", "xsd:unsignedInt", "xsd:long", "xsd:unsignedLong", "xsd:dateTime"].contains(node.type)
                let valueHeld = secret ? (cached[path]?.value.map(SecretParameters.isMarker) == true && cached[path]?.value != node.value)
                    : cached[path]?.value == node.value
                guard valueHeld, cached[path]?.type == node.type, cached[path]?.writable == node.writable else {
                    Issue.record("\(path): cached \(String(describing: cached[path])) differs from \(node)")
                    break
                }
            }
            let discovered = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT count(*)::int FROM cwmp_devices WHERE discovered_at IS NOT NULL AND connection_request_url = 'http://127.0.0.2:7547/cr'").values(Int.self)
            }
            #expect(discovered == [1])
            let audits = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT count(*)::int FROM audit_log WHERE action = 'device.register' AND actor_type = 'device'").values(Int.self)
            }
            #expect(audits == [1])
            #expect(try await harness.count(PostgresQueryText.heldLeases) == 0)
            #expect(harness.engine.liveSessions == 0)
        }
    }

    @Test func laterInformUpdatesWhatChangedAndKeepsHistory() async throws {
        let model = try Fixtures.model("device-9CA2F4-EC220_G5_V3-22275K2000315.csv")
        try await ACSHarness.with { harness in
            var cpe = SimulatedCPE(model: model)
            _ = try await harness.runner().run(&cpe)
            let path = model.root + "DeviceInfo.SoftwareVersion"
            cpe.model.set(path, value: "9.9.9 new")
            let report = try await harness.runner(.digest).run(&cpe)
            #expect(report.rpcs.isEmpty, "no rediscovery on a PERIODIC inform")
            let (firmware, history, informs) = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                let firmware = try await tx.query("SELECT firmware FROM devices").values(String.self)
                let history = try await tx.query("SELECT new_value FROM device_parameter_changes WHERE path = \(path)").values(String.self)
                let informs = try await tx.query("SELECT count(*)::int FROM cwmp_informs").values(Int.self)
                return (firmware, history, informs)
            }
            #expect(firmware == ["9.9.9 new"])
            #expect(history == ["9.9.9 new"])
            #expect(informs == [2])
        }
    }

    @Test func bootstrapForgetsTheTreeAndRediscovers() async throws {
        let model = try Fixtures.model("device-eg8145v5-no-voip.csv")
        try await ACSHarness.with(configuration: ACSConfiguration(session: .init(discoveryBatchSize: 50))) { harness in
            var cpe = SimulatedCPE(model: model)
            _ = try await harness.runner().run(&cpe)
            let extra = "InternetGatewayDevice.X_Stale"
            _ = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("INSERT INTO device_parameters (provider_id, device_id, path, value, updated_at) SELECT provider_id, id, \(extra), 'x', now() FROM devices")
            }
            cpe.pendingEvents = [InformEvent(code: "0 BOOTSTRAP"), InformEvent(code: "1 BOOT")]
            let report = try await harness.runner().run(&cpe)
            #expect(report.rpcs.first == "GetParameterNames")
            #expect(report.rpcs.count == 1 + (model.leafCount + 49) / 50)
            let stale = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT count(*)::int FROM device_parameters WHERE path = \(extra)").values(Int.self)
            }
            #expect(stale == [0])
            #expect(try await harness.count("device_parameters") == model.paths.count)
            #expect(try await harness.count("devices") == 1)
        }
    }

    @Test func devicesStayInTheirProvider() async throws {
        let model = try Fixtures.model("device-H199Z.csv")
        try await ACSHarness.with { harness in
            let other = try await harness.stack.makeProvider("other-isp")
            var cpe = SimulatedCPE(model: model)
            _ = try await harness.runner().run(&cpe)
            #expect(try await harness.count("devices") == 1)
            #expect(try await harness.count("devices", provider: other.id) == 0)
            #expect(try await harness.count("device_parameters", provider: other.id) == 0)
            // The other provider's slug with acme's credential is refused.
            let runner = CPESessionRunner(acs: harness.url(slug: "other-isp"), username: "cpe", password: ACSHarness.password, mode: .basic)
            await #expect(throws: CPESessionRunner.Failure.self) { try await runner.run(&cpe) }
            #expect(try await harness.count("devices", provider: other.id) == 0)
        }
    }
}
