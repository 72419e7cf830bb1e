import ACS
import CPESimulator
import Foundation
import OctoCore
import Testing

/// Every fixture model is covered by the mappings: the resolved paths of a full settings example exist
/// in that model and are writable there (the CSV's Writable column).
@Suite struct MappingTests {
    @Test func everyFixtureIsPresent() {
        #expect(Fixtures.names.count >= 13, "fixtures missing under \(Fixtures.directory.path)")
    }

    @Test(arguments: Fixtures.names)
    func fullSettingsResolveToWritablePathsOfTheModel(_ name: String) throws {
        let model = try Fixtures.model(name)
        let settings = try Fixtures.settings(Fixtures.fullSettingsJSON)
            .substituting(TemplateVariables(["device.serial": "S1", "customer.id": "c42"]))
        let resolution = SettingsResolver().resolve(settings, facts: Fixtures.facts(model), tree: Fixtures.tree(model))
        #expect(resolution.errors.isEmpty, "\(name): \(resolution.errors.map(\.message))")
        #expect(!resolution.changes.isEmpty)
        for change in resolution.changes {
            let node = try #require(model.nodes[change.path], "\(name): \(change.path) is not in the model")
            #expect(node.writable, "\(name): \(change.path) is not writable")
            #expect(!change.path.hasSuffix("."))
        }
        // The core Wi-Fi fields are set (not skipped) for every band the device has.
        let bands = resolution.skipped.contains { $0.field.hasSuffix("@5GHz") && $0.reason == .noSuchBand } ? [Band.ghz2] : [.ghz2, .ghz5]
        for band in bands {
            for field: SettingsField in [.wifiEnabled, .wifiSSID, .wifiKey, .wifiSecurity, .wifiChannel] {
                let key = "\(field.rawValue)@\(band.rawValue)"
                #expect(resolution.changes.contains { $0.field == key }, "\(name): \(key) sets nothing")
            }
        }
        // Management is always mappable.
        for field: SettingsField in [.informInterval, .connectionRequestUsername, .connectionRequestPassword, .lanIPAddress, .dhcpEnabled] {
            #expect(resolution.changes.contains { $0.field == field.rawValue }, "\(name): \(field.rawValue) sets nothing")
        }
        // Both bands never write the same parameter.
        #expect(Set(resolution.changes.map(\.path)).count == resolution.changes.count)
    }

    /// The per-model quirks: where the 5 GHz radio lives.
    @Test(arguments: [
        ("device-eg8145v5-no-voip.csv", "InternetGatewayDevice.LANDevice.1.WLANConfiguration.5.SSID"),
        ("device-eg8145x6-has-mesh.csv", "InternetGatewayDevice.LANDevice.1.WLANConfiguration.5.SSID"),
        ("device-H199Z.csv", "InternetGatewayDevice.LANDevice.1.WLANConfiguration.5.SSID"),
        ("device-C0B101-ZXHN_H199A-ZTEYH86LCN10105-2023-03-28T154022233Z.csv", "InternetGatewayDevice.LANDevice.1.WLANConfiguration.5.SSID"),
        ("device-9CA2F4-EC220_G5_V2-22282X5007025.csv", "InternetGatewayDevice.LANDevice.1.WLANConfiguration.2.SSID"),
        ("device-1C61B4-EX220-2226469000523.csv", "Device.WiFi.SSID.3.SSID"),
        ("device-9CA2F4-EC220_G5_V3-22275K2000315.csv", "Device.WiFi.SSID.3.SSID"),
    ])
    func fiveGigahertzSSIDPath(_ name: String, _ path: String) throws {
        let model = try Fixtures.model(name)
        let settings = ProvisioningSettings(values: [SettingValue(.wifiSSID, band: .ghz5, "Five")])
        let resolution = SettingsResolver().resolve(settings, facts: Fixtures.facts(model), tree: Fixtures.tree(model))
        #expect(resolution.changes.map(\.path) == [path])
        #expect(resolution.errors.isEmpty)
    }

    @Test func singleRadioDeviceSkipsTheFiveGigahertzBand() throws {
        let model = try Fixtures.model("data_model_202BC1-BM632w-8KA8WA1151100043.csv")
        let settings = ProvisioningSettings(values: [SettingValue(.wifiSSID, band: .ghz5, "Five"), SettingValue(.wifiKey, band: .ghz2, "long-enough-key")])
        let resolution = SettingsResolver().resolve(settings, facts: Fixtures.facts(model), tree: Fixtures.tree(model))
        #expect(resolution.skipped == [SkippedField(field: "wifi.ssid@5GHz", path: nil, reason: .noSuchBand)])
        #expect(resolution.changes.map(\.path) == ["InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.PreSharedKey.1.PreSharedKey"])
    }

    @Test func transformsBooleansChannelsAndSecurityNames() throws {
        let model = try Fixtures.model("device-1C61B4-EX220-2226469000523.csv")
        var settings = ProvisioningSettings()
        settings[.wifiHidden, .ghz2] = "true"
        settings[.wifiChannel, .ghz2] = "auto"
        settings[.wifiChannel, .ghz5] = "44"
        settings[.wifiSecurity, .ghz2] = "wpa_wpa2"
        let resolution = SettingsResolver().resolve(settings, facts: Fixtures.facts(model), tree: Fixtures.tree(model))
        let values = Dictionary(uniqueKeysWithValues: resolution.changes.map { ($0.path, $0.value) })
        #expect(values == [
            "Device.WiFi.AccessPoint.1.SSIDAdvertisementEnabled": "false",
            "Device.WiFi.Radio.1.AutoChannelEnable": "true",
            "Device.WiFi.Radio.2.AutoChannelEnable": "false",
            "Device.WiFi.Radio.2.Channel": "44",
            "Device.WiFi.AccessPoint.1.Security.ModeEnabled": "WPA-WPA2-Personal",
        ])
    }

    @Test func aModeTheDeviceLacksIsAnErrorNamingTheField() throws {
        let model = try Fixtures.model("device-1C61B4-EX220-2226469000523.csv")
        let settings = ProvisioningSettings(values: [SettingValue(.wifiSecurity, band: .ghz2, "wpa3")])
        let resolution = SettingsResolver().resolve(settings, facts: Fixtures.facts(model), tree: Fixtures.tree(model))
        #expect(resolution.changes.isEmpty)
        #expect(resolution.errors.map(\.field) == ["wifi.security@2.4GHz"])
        // The EC220 v3 supports it.
        let v3 = try Fixtures.model("device-9CA2F4-EC220_G5_V3-22275K2000315.csv")
        let ok = SettingsResolver().resolve(settings, facts: Fixtures.facts(v3), tree: Fixtures.tree(v3))
        #expect(ok.changes.map(\.value) == ["WPA3-Personal"])
    }

    @Test func missingAndReadOnlyPathsAreErrorsAndRejectedPathsAreSkipped() throws {
        let model = try Fixtures.model("device-H199Z.csv")
        var tree = Fixtures.tree(model)
        tree["InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.SSID"]?.writable = false
        tree.removeValue(forKey: "InternetGatewayDevice.LANDevice.1.WLANConfiguration.5.SSID")
        let settings = ProvisioningSettings(values: [SettingValue(.wifiSSID, band: .ghz2, "A"), SettingValue(.wifiSSID, band: .ghz5, "B"),
                                                     SettingValue(.wifiKey, band: .ghz2, "12345678")])
        let resolution = SettingsResolver().resolve(settings, facts: Fixtures.facts(model), tree: tree,
                                                    rejected: ["InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.KeyPassphrase"])
        #expect(Set(resolution.errors.map(\.code)) == [.notWritable, .missingPath])
        #expect(resolution.skipped.map(\.reason) == [.rejected])
        #expect(resolution.changes.isEmpty)
    }

    @Test func everyMappingFileLoadsAndNamesKnownFields() throws {
        let catalog = MappingCatalog.bundled
        #expect(catalog.mappings.keys.contains("tr098"))
        #expect(catalog.mappings.keys.contains("tr181"))
        #expect(catalog.mappings.count >= 6)
        #expect(throws: ProvisioningError.self) {
            try MappingCatalog([DataModelMapping(id: "x", version: 1, root: "Device.", fields: ["wifi.colour": []])])
        }
    }
}
