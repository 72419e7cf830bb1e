import ACS
import Foundation
import OctoCore
import Testing

@Suite struct SettingsTests {
    @Test(arguments: [
        (#"{"wifi": [{"band": "5GHz", "colour": "red"}]}"#, "wifi[0].colour"),
        (#"{"lan": {"dhcp": {"lease": 3}}}"#, "lan.dhcp.lease"),
        (#"{"wan": {"pppoe": {"username": "a"}, "vlan": 10}}"#, "wan.vlan"),
        (#"{"radius": {}}"#, "radius"),
    ])
    func unknownFieldsAreRejectedByName(_ json: String, _ field: String) throws {
        let error = try #require(throws: ProvisioningError.self) { try Fixtures.settings(json) }
        #expect(error.code == .unknownField)
        #expect(error.field == field)
        #expect(error.message.contains(field))
    }

    @Test(arguments: [
        (#"{"wifi": [{"band": "5GHz", "channel": 0}]}"#, "wifi[0].channel"),
        (#"{"wifi": [{"band": "5GHz", "channel": 6}]}"#, "wifi[0].channel"),
        (#"{"wifi": [{"band": "2.4GHz", "channel": 6}, {"band": "2.4GHz"}]}"#, "wifi[1].band"),
        (#"{"wifi": [{"band": "5GHz", "channel": 36}, {"band": "2.4GHz", "channel": 40}]}"#, "wifi[1].channel"),
        (#"{"wifi": [{"band": "6GHz"}]}"#, "wifi[0].band"),
        (#"{"wifi": [{"band": "5GHz", "security": "wep"}]}"#, "wifi[0].security"),
        (#"{"wifi": [{"band": "5GHz", "key": "short"}]}"#, "wifi[0].key"),
        (#"{"wifi": [{"band": "5GHz", "ssid": "{{customer.phone}}"}]}"#, "wifi[0].ssid"),
        (#"{"management": {"inform_interval": 5}}"#, "management.inform_interval"),
        (#"{"lan": {"ip_address": "192.168.1"}}"#, "lan.ip_address"),
    ])
    func invalidValuesAreRejectedByName(_ json: String, _ field: String) throws {
        let error = try #require(throws: ProvisioningError.self) { try Fixtures.settings(json) }
        #expect(error.code == .invalidValue)
        #expect(error.field == field)
    }

    @Test func jsonRoundTripsAndAcceptsCamelCaseKeys() throws {
        let settings = try Fixtures.settings(Fixtures.fullSettingsJSON)
        #expect(settings.values.count == 16 + 15, "8 Wi-Fi fields × 2 bands, 2 WAN, 5 LAN, 4 management, 3 NTP, 1 admin")
        #expect(try ProvisioningSettings(json: settings.json) == settings)
        let camel = try Fixtures.settings(#"{"wifi": [{"band": "5", "channelWidth": "80MHz"}], "adminPassword": "x-y-z"}"#)
        #expect(camel[.wifiChannelWidth, .ghz5] == "80MHz")
        #expect(camel[.adminPassword] == "x-y-z")
    }

    @Test func variablesAreSubstitutedAndCheckedAgain() throws {
        let settings = try Fixtures.settings(#"{"wifi": [{"band": "2.4GHz", "ssid": "Net-{{customer.name}}", "key": "{{generated.wifi_key}}"}]}"#)
        #expect(settings.usesGeneratedKey)
        let done = try settings.substituting(TemplateVariables(["customer.name": "Ana", "generated.wifi_key": "abcdefgh12"]))
        #expect(done[.wifiSSID, .ghz2] == "Net-Ana")
        #expect(done[.wifiKey, .ghz2] == "abcdefgh12")
        let error = try #require(throws: ProvisioningError.self) {
            try settings.substituting(TemplateVariables(["customer.name": String(repeating: "x", count: 40), "generated.wifi_key": "abcdefgh12"]))
        }
        #expect(error.field == "wifi.ssid@2.4GHz")
    }

    @Test func parameterKeyNamesTheWholeDesiredStateAndDiffSkipsEqualValues() {
        let a = ParameterChange(path: "Device.A", value: "1", type: "xsd:boolean", field: "x")
        let b = ParameterChange(path: "Device.B", value: "v", type: "xsd:string", field: "y")
        let state = DesiredState([b, a])
        #expect(state.parameterKey == DesiredState([a, b]).parameterKey)
        #expect(state.parameterKey.count == 16)
        var changed = b
        changed.value = "w"
        #expect(state.parameterKey != DesiredState([a, changed]).parameterKey)
        let tree = ["Device.A": ParameterNode(value: "true", type: "xsd:boolean", writable: true),
                    "Device.B": ParameterNode(value: "old", type: "xsd:string", writable: true)]
        #expect(state.diff(against: tree).map(\.path) == ["Device.B"])
        #expect(state.diff(against: tree).first?.current == "old")
    }
}
