import ACS
import CPESimulator
import Foundation
import OctoCore

/// The CPE data models in `../shared/fixtures/tr069/devices/`, read at run time.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("../shared/fixtures/tr069/devices").standardizedFileURL

    /// Every fixture CSV (not the LICENSE).
    static let names: [String] = {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".csv") }.sorted()
    }()

    static func model(_ name: String) throws -> DataModel {
        try DataModel(csv: String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8))
    }

    static func tree(_ model: DataModel) -> [String: ParameterNode] {
        model.nodes.mapValues { ParameterNode(value: $0.value, type: $0.type, writable: $0.writable) }
    }

    static func facts(_ model: DataModel) -> DeviceFacts {
        DeviceFacts(manufacturer: model.identity.manufacturer, oui: model.identity.oui, productClass: model.identity.productClass,
                    firmware: model.nodes[model.root + "DeviceInfo.SoftwareVersion"]?.value ?? "")
    }

    /// A settings document that sets every field of the model for both bands.
    static let fullSettingsJSON = """
        {"wifi": [
           {"band": "2.4GHz", "enabled": true, "ssid": "Acme-{{device.serial}}", "key": "correct-horse-24", "security": "wpa2",
            "channel": 6, "channel_width": "20MHz", "hidden": false, "wps": false},
           {"band": "5GHz", "enabled": true, "ssid": "Acme-5G", "key": "correct-horse-50", "security": "wpa2",
            "channel": "auto", "channel_width": "40MHz", "hidden": true, "wps": false}],
         "wan": {"pppoe": {"username": "{{customer.id}}@acme", "password": "ppp-secret"}},
         "lan": {"ip_address": "192.168.7.1", "subnet_mask": "255.255.255.0",
                 "dhcp": {"enabled": true, "start": "192.168.7.100", "end": "192.168.7.200"}},
         "management": {"periodic_inform": true, "inform_interval": 3600,
                        "connection_request": {"username": "acs", "password": "cr-secret"}},
         "ntp": {"enabled": true, "servers": ["a.ntp.br", "b.ntp.br"]},
         "admin_password": "Adm1n-pass"}
        """

    static func settings(_ json: String) throws -> ProvisioningSettings {
        try ProvisioningSettings(json: JSONDecoder().decode(JSONValue.self, from: Data(json.utf8)))
    }
}

