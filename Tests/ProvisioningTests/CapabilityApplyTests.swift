import ACS
import CPESimulator
import CWMP
import Foundation
import OctoCore
import Testing

/// Capability-driven provisioning end to end: the real CWMP endpoint, simulated CPEs replaying variants
/// of the fixture models, the API and PostgreSQL.
@Suite(.serialized) struct CapabilityApplyTests {
    static let wlan = Variants.wlan
    static let eg8145 = "device-00259E-EG8145V5-48575443A94196A5-2023-03-28T154335106Z.csv"

    func createTemplate(_ harness: ProvisioningHarness, _ json: String) async throws -> UUID {
        let response = try await harness.call(.post, "/api/v1/provisioning/templates", json: json)
        try #require(response.status == .created, "\(response.text)")
        return try #require(response.json?["template"]?["id"]?.stringValue.flatMap(UUID.init(uuidString:)))
    }

    /// The EG8145 with its radios' instances swapped (5 GHz on WLANConfiguration.1): a template that
    /// turns 5 GHz off switches off only the 5 GHz radio, and the read-back agrees.
    @Test func fiveGigahertzOffOnASwappedModelReachesOnlyTheFiveGigahertzRadio() async throws {
        try await ProvisioningHarness.with { harness in
            _ = try await createTemplate(harness, #"""
                {"name": "huawei", "match": {"manufacturer": "Huawei*"}, "priority": 5,
                 "settings": {"wifi": [{"band": "5GHz", "enabled": false}, {"band": "2.4GHz", "ssid": "Acme-24", "channel": 11}]}}
                """#)
            let model = try Variants.make(.reversed, of: Self.eg8145)
            #expect(model.nodes[Self.wlan + "1.SSID"]?.value == Variants.marker(.ghz5), "the variant puts the 5 GHz radio first")
            let cpe = harness.device(parsed: model, index: 0)
            let device = try await harness.register(cpe)
            let report = try await cpe.runSession(events: [InformEvent(code: InformEvent.connectionRequest)])
            #expect(report.rpcs == ["SetParameterValues"])
            let after = await cpe.cpe.model
            #expect(after.nodes[Self.wlan + "1.Enable"]?.value == "false", "5 GHz is off")
            #expect(after.nodes[Self.wlan + "5.Enable"]?.value == "true", "2.4 GHz stays on")
            #expect(after.nodes[Self.wlan + "5.SSID"]?.value == "Acme-24")
            #expect(after.nodes[Self.wlan + "5.Channel"]?.value == "11")
            #expect(after.nodes[Self.wlan + "1.SSID"]?.value == Variants.marker(.ghz5))
            #expect(after.nodes[Self.wlan + "1.Channel"]?.value == model.nodes[Self.wlan + "1.Channel"]?.value)
            // The read-back in the next session finds what was sent.
            #expect(try await cpe.runSession().rpcs == ["GetParameterValues"])
            let state = try #require(try await harness.state(device))
            #expect(state.status == .verified, "\(state.status) \(state.mismatches)")
            // The dashboard's view of the device.
            let capabilities = try await harness.call(.get, "/api/v1/devices/\(device.lowercased)/capabilities")
            #expect(capabilities.status == .ok, "\(capabilities.text)")
            let bands = capabilities.json?["bands"]
            guard case .array(let list)? = bands else { Issue.record("no bands: \(capabilities.text)"); return }
            let interfaces = Dictionary(uniqueKeysWithValues: list.compactMap { band -> (String, String)? in
                guard let name = band["band"]?.stringValue, let interface = band["interface"]?.stringValue else { return nil }
                return (name, interface)
            })
            #expect(interfaces == ["2.4GHz": Self.wlan + "5.", "5GHz": Self.wlan + "1."])
            #expect(capabilities.json?["data_model"]?.stringValue == "tr098")
            // Another tenant's device id is not found; a device without a tree is 404 too.
            let unknown = try await harness.call(.get, "/api/v1/devices/\(UUID().uuidString)/capabilities")
            #expect(unknown.status == .notFound)
        }
    }

    /// A tree that does not tell its radios apart: the apply is refused with the fields named, no task is
    /// queued and nothing reaches the CPE; the dry run and the capabilities say why.
    @Test func anAmbiguousModelIsRefusedAndNothingIsWritten() async throws {
        try await ProvisioningHarness.with { harness in
            _ = try await createTemplate(harness, #"""
                {"name": "intelbras", "match": {"manufacturer": "INTELBRAS"}, "priority": 5,
                 "settings": {"wifi": [{"band": "5GHz", "ssid": "Acme-5"}], "management": {"inform_interval": 900}}}
                """#)
            let (intelbras, _) = try CapabilityTests.intelbrasLike()
            var nodes = intelbras.nodes
            for instance in [1, 2] {
                for name in ["PossibleChannels", "Standard"] { nodes.removeValue(forKey: "\(Self.wlan)\(instance).\(name)") }
                nodes["\(Self.wlan)\(instance).Channel"]?.value = "0"
            }
            let cpe = harness.device(parsed: DataModel(nodes: nodes, identity: intelbras.identity), index: 0)
            let device = try await harness.register(cpe)
            let state = try #require(try await harness.state(device))
            #expect(state.status == .error)
            #expect(state.errors.map(\.field) == ["wifi.ssid@5GHz"])
            #expect(state.errors.first?.code == .ambiguousBand)
            #expect(state.errors.first?.message.contains("cannot tell which interface is 5GHz on INTELBRAS W5-2100G") == true)
            #expect(try await harness.tasks(device).isEmpty, "nothing is queued")
            #expect(try await cpe.runSession(events: [InformEvent(code: InformEvent.periodic)]).rpcs.isEmpty)
            #expect(await cpe.cpe.model.nodes[Self.wlan + "1.SSID"]?.value == nodes[Self.wlan + "1.SSID"]?.value)
            let dryRun = try await harness.call(.post, "/api/v1/devices/\(device.lowercased)/provisioning/dry-run", json: "{}")
            #expect(dryRun.status == .ok, "\(dryRun.text)")
            #expect(dryRun.text.contains("ambiguous_band") && dryRun.text.contains("wifi.ssid@5GHz"), "\(dryRun.text)")
            let capabilities = try await harness.call(.get, "/api/v1/devices/\(device.lowercased)/capabilities")
            guard case .array(let unresolved)? = capabilities.json?["unresolved"] else { Issue.record("unexpected: \(capabilities.text)"); return }
            #expect(unresolved.count == 2)
            guard case .array(let bands)? = capabilities.json?["bands"] else { Issue.record("unexpected: \(capabilities.text)"); return }
            #expect(bands.isEmpty)
        }
    }

    /// A model flagged `reboot_after_wifi_change` gets a reboot queued behind its Wi-Fi change, and runs it.
    @Test func aModelThatNeedsARebootGetsOneAfterAWifiChange() async throws {
        let flags = DataModelMapping(id: "zte-reboot", version: 1, extends: "tr098", priority: 10,
                                     match: .init(manufacturer: ["ZTE*"], oui: nil, productClass: nil, firmware: nil),
                                     flags: .init(rebootAfterWifiChange: true))
        let catalog = try MappingCatalog(Array(MappingCatalog.bundled.mappings.values) + [flags])
        try await ProvisioningHarness.with(resolver: SettingsResolver(catalog: catalog)) { harness in
            _ = try await createTemplate(harness, #"""
                {"name": "zte", "match": {"manufacturer": "ZTE"}, "priority": 5, "settings": {"wifi": [{"band": "2.4GHz", "ssid": "Acme"}]}}
                """#)
            let cpe = try harness.device()
            let device = try await harness.register(cpe)
            let tasks = try await harness.tasks(device)
            #expect(tasks.map(\.type) == [.setParameterValues, .reboot])
            let report = try await cpe.runSession(events: [InformEvent(code: InformEvent.connectionRequest)])
            #expect(Array(report.rpcs.prefix(2)) == ["SetParameterValues", "Reboot"], "\(report.rpcs)")
            #expect(try await harness.tasks(device).first { $0.type == .reboot }?.status == .done)
            #expect(await cpe.cpe.model.nodes[Self.wlan + "1.SSID"]?.value == "Acme")
        }
    }
}
