import ACS
import Foundation
import Testing

/// Which parameters hold secrets: every secret-looking parameter of every fixture model is classified
/// secret, by name and by what the mappings know.
struct SecretClassificationTests {
    /// Leaves the patterns must cover, as vendors spell them.
    static let secretSuffixes = ["keypassphrase", "wpakey", "presharedkey", "password", "passphrase", "pwd", "wepkey", "secret"]

    @Test func everySecretLookingParameterOfEveryFixtureIsSecret() throws {
        #expect(Fixtures.names.count >= 10)
        var checked = 0
        var missed: [String] = []
        for name in Fixtures.names {
            let model = try Fixtures.model(name)
            for (path, node) in model.nodes where !path.hasSuffix(".") {
                let leaf = path.split(separator: ".").last.map { $0.lowercased() } ?? ""
                let looksSecret = Self.secretSuffixes.contains { leaf.hasSuffix($0) } || leaf.range(of: #"wepkey\d$"#, options: .regularExpression) != nil
                guard looksSecret else { continue }
                checked += 1
                if !SecretParameters.isSecret(path) { missed.append("\(name): \(path) (\(node.type))") }
            }
        }
        #expect(checked > 100)
        #expect(missed.isEmpty, "\(missed.prefix(20))")
        // Vendor spellings that no suffix above names, and what is not a secret though it mentions a key.
        for path in ["InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.X_HW_WPSKeyWord", "InternetGatewayDevice.X_HW_RadiusKey",
                     "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.WPS.PinPhrase", "Device.Users.User.1.X_HW_AdminPwd",
                     "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.X_TP_WDSBridge.BridgeKey",
                     "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.X_TP_WEPKey3"] {
            #expect(SecretParameters.isSecret(path), "\(path)")
        }
        for path in ["InternetGatewayDevice.ManagementServer.ParameterKey", "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.WEPKeyIndex",
                     "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.X_TP_GroupKeyUpdateInterval",
                     "InternetGatewayDevice.Layer2Bridging.Bridge.1.BridgeKey", "Device.WiFi.SSID.1.SSID",
                     "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.TotalPSKFailures"] {
            #expect(!SecretParameters.isSecret(path), "\(path)")
        }
    }

    @Test func theMappingsNameTheSecretParametersOfEachModel() throws {
        // Every path a bundled mapping writes a secret field to is secret, on every fixture that has it.
        var found = 0
        for name in Fixtures.names {
            let model = try Fixtures.model(name)
            guard let mapping = MappingCatalog.bundled.effective(root: model.root, facts: Fixtures.facts(model)) else { continue }
            for (field, entries) in mapping.fields where field.isSecret {
                for entry in entries {
                    let pattern = (model.root + entry.path).split(separator: ".", omittingEmptySubsequences: false)
                    for path in model.nodes.keys where path.split(separator: ".", omittingEmptySubsequences: false).count == pattern.count {
                        let segments = path.split(separator: ".", omittingEmptySubsequences: false)
                        guard zip(pattern, segments).allSatisfy({ $0 == "*" || $0.hasPrefix("{") || $0 == $1 }) else { continue }
                        found += 1
                        #expect(SecretParameters.isSecret(path), "\(name): \(path) holds \(field.rawValue)")
                    }
                }
            }
        }
        #expect(found > 10)
        // A vendor key parameter no name pattern recognises is secret because a mapping writes wifi.key to it.
        let vendor = try MappingCatalog([
            DataModelMapping(id: "base", version: 1, root: "Device.", fields: [
                "wifi.key": [.init(path: "WiFi.AccessPoint.{ap}.X_ACME_WlanCode", type: "xsd:string")],
                "wifi.ssid": [.init(path: "WiFi.SSID.{ssid}.SSID", type: "xsd:string")],
            ]),
        ])
        let secrets = MappingSecrets(vendor)
        #expect(!SecretParameters.leafLooksSecret("Device.WiFi.AccessPoint.2.X_ACME_WlanCode"))
        #expect(secrets.contains("Device.WiFi.AccessPoint.2.X_ACME_WlanCode"))
        #expect(!secrets.contains("Device.WiFi.SSID.2.SSID"))
        #expect(SecretParameters.isSecret("InternetGatewayDevice.UserInterface.X_HW_WebUserInfo.2.Password"))
    }
}
