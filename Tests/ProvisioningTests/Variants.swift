import ACS
import CPESimulator
import CWMP
import Foundation
import OctoCore

/// Variants of the fixture models, made by the tests: the same device with its Wi-Fi instances
/// renumbered, guest networks added in front, four SSIDs per radio, or the explicit band names removed.
/// Each variant keeps the fixture's main networks marked (their SSIDs are ``Variants/marker(_:)``), so a
/// test knows where the right interface went without trusting any index.
enum Variants {
    enum Kind: String, CaseIterable, CustomStringConvertible {
        case original, reversed, guestFirst = "guest-first", fourPerRadio = "four-per-radio", bandNamesRemoved = "band-names-removed",
             reversedWithoutBandNames = "reversed-without-band-names"
        var description: String { rawValue }
    }

    static let wlan = "InternetGatewayDevice.LANDevice.1.WLANConfiguration."
    static let ssidTable = "Device.WiFi.SSID."
    static let apTable = "Device.WiFi.AccessPoint."
    static let radioTable = "Device.WiFi.Radio."

    /// The SSID a variant gives the main network of `band`.
    static func marker(_ band: Band) -> String { "MAIN-\(band.rawValue)" }

    /// The main SSID object of each band in the fixture as published (read off the fixtures by hand).
    static func mainInterfaces(_ name: String, _ model: DataModel) -> [Band: String] {
        if model.root == "Device." { return [.ghz2: ssidTable + "1.", .ghz5: ssidTable + "3."] }
        if name.contains("BM632w") { return [.ghz2: wlan + "1."] }
        if name.contains("EC220_G5_V2") { return [.ghz2: wlan + "1.", .ghz5: wlan + "2."] }
        return [.ghz2: wlan + "1.", .ghz5: wlan + "5."]
    }

    /// Whether `kind` makes sense for the model (four SSIDs per radio: TR-098 models with one SSID per radio).
    static func applies(_ kind: Kind, to name: String, _ model: DataModel) -> Bool {
        switch kind {
        case .fourPerRadio: return model.root == "InternetGatewayDevice." && instances(wlan, model.nodes).count == 2
        default: return true
        }
    }

    /// The variant of fixture `name`.
    static func make(_ kind: Kind, of name: String) throws -> DataModel {
        let model = try Fixtures.model(name)
        var nodes = model.nodes
        for (band, path) in mainInterfaces(name, model) { nodes[path + "SSID"]?.value = marker(band) }
        let tables = model.root == "Device." ? [radioTable, ssidTable, apTable] : [wlan]
        switch kind {
        case .original:
            break
        case .reversed:
            nodes = reverse(tables, nodes)
        case .guestFirst:
            nodes = guestFirst(model.root, nodes)
        case .fourPerRadio:
            nodes = fourPerRadio(nodes, main: mainInterfaces(name, model))
        case .bandNamesRemoved:
            nodes = withoutBandNames(nodes)
        case .reversedWithoutBandNames:
            nodes = withoutBandNames(reverse(tables, nodes))
        }
        return DataModel(nodes: nodes, identity: model.identity)
    }

    /// Instance numbers of the table at `prefix`.
    static func instances(_ prefix: String, _ nodes: [String: DataModel.Node]) -> [Int] {
        Set(nodes.keys.compactMap { path -> Int? in
            guard path.hasPrefix(prefix) else { return nil }
            return Int(path.dropFirst(prefix.count).prefix { $0 != "." })
        }).sorted()
    }

    /// `nodes` with the instances of `prefix` renumbered by `map`, references in values rewritten.
    static func renumber(_ prefix: String, _ map: [Int: Int], _ nodes: [String: DataModel.Node]) -> [String: DataModel.Node] {
        func rename(_ text: String) -> String {
            guard text.contains(prefix) else { return text }
            var out = ""
            var rest = Substring(text)
            while let range = rest.range(of: prefix) {
                out += rest[..<range.lowerBound] + prefix
                rest = rest[range.upperBound...]
                let digits = rest.prefix { $0.isNumber }
                if let number = Int(digits), let mapped = map[number] {
                    out += String(mapped)
                    rest = rest.dropFirst(digits.count)
                }
            }
            return out + rest
        }
        var result: [String: DataModel.Node] = [:]
        for (path, node) in nodes {
            var node = node
            node.value = rename(node.value)
            result[rename(path)] = node
        }
        return result
    }

    static func reverse(_ tables: [String], _ nodes: [String: DataModel.Node]) -> [String: DataModel.Node] {
        var nodes = nodes
        for table in tables {
            let numbers = instances(table, nodes)
            nodes = renumber(table, Dictionary(uniqueKeysWithValues: zip(numbers, numbers.reversed())), nodes)
        }
        return nodes
    }

    /// Copies instance `from` of `prefix` to instance `to`, with `changes` (relative name → value).
    static func copy(_ prefix: String, _ from: Int, to: Int, _ nodes: inout [String: DataModel.Node], _ changes: [String: String]) {
        for (path, node) in nodes where path.hasPrefix("\(prefix)\(from).") {
            var copy = node
            let relative = String(path.dropFirst("\(prefix)\(from).".count))
            if let value = changes[relative] { copy.value = value }
            nodes["\(prefix)\(to).\(relative)"] = copy
        }
    }

    /// Every SSID moved up by one; a guest network on the 2.4 GHz radio takes instance 1, enabled.
    static func guestFirst(_ root: String, _ input: [String: DataModel.Node]) -> [String: DataModel.Node] {
        if root == "Device." {
            var nodes = input
            for table in [ssidTable, apTable] {
                let numbers = instances(table, nodes)
                nodes = renumber(table, Dictionary(uniqueKeysWithValues: numbers.map { ($0, $0 + 1) }), nodes)
            }
            copy(ssidTable, 2, to: 1, &nodes, ["SSID": "Acme Guest", "Enable": "true"])
            copy(apTable, 2, to: 1, &nodes, ["SSIDReference": ssidTable + "1.", "Enable": "true"])
            return nodes
        }
        let numbers = instances(wlan, input)
        var nodes = renumber(wlan, Dictionary(uniqueKeysWithValues: numbers.map { ($0, $0 + 1) }), input)
        copy(wlan, 2, to: 1, &nodes, ["SSID": "Visitante Acme", "Enable": "true"])
        return nodes
    }

    /// Four SSIDs per radio, as Nokia and ZTE lay them out: 2.4 GHz on 1–4, 5 GHz on 5–8; the extra
    /// ones disabled, one of them a guest network.
    static func fourPerRadio(_ input: [String: DataModel.Node], main: [Band: String]) -> [String: DataModel.Node] {
        guard let two = main[.ghz2].flatMap({ Int($0.dropFirst(wlan.count).prefix { $0 != "." }) }),
              let five = main[.ghz5].flatMap({ Int($0.dropFirst(wlan.count).prefix { $0 != "." }) }) else { return input }
        var nodes = renumber(wlan, [two: 101, five: 105], input)
        nodes = renumber(wlan, [101: 1, 105: 5], nodes)
        for extra in 2...4 { copy(wlan, 1, to: extra, &nodes, ["SSID": extra == 2 ? "Guest" : "SSID\(extra)", "Enable": "false"]) }
        for extra in 6...8 { copy(wlan, 5, to: extra, &nodes, ["SSID": extra == 6 ? "Guest-5G" : "SSID\(extra)", "Enable": "false"]) }
        return nodes
    }

    /// Without `OperatingFrequencyBand`, `SupportedFrequencyBands` and vendor band parameters: only
    /// channels and standards tell the band.
    static func withoutBandNames(_ nodes: [String: DataModel.Node]) -> [String: DataModel.Node] {
        nodes.filter { path, _ in
            let name = path.split(separator: ".").last.map(String.init) ?? ""
            return name != "OperatingFrequencyBand" && name != "SupportedFrequencyBands" && !BandSignalName.isVendorBand(name)
        }
    }
}

/// The vendor band parameter names the fixtures carry (kept here so the variant does not use the code under test).
enum BandSignalName {
    static func isVendorBand(_ name: String) -> Bool { ["X_HW_RFBand", "X_TP_Band"].contains(name) }
}
