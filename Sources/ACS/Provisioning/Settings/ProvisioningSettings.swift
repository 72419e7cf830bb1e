import OctoCore

/// The abstract settings of a CPE, independent of its data model: Wi-Fi per band, WAN/PPPoE, LAN/DHCP,
/// management, NTP and the admin password. Every field is optional: only what is set is provisioned.
///
/// The JSON form uses snake_case keys; an unknown key is refused with an error naming it
/// (``ProvisioningError/Code/unknownField``). String values may hold variables (``TemplateVariables``).
public struct ProvisioningSettings: Sendable, Hashable {
    /// Security modes of the model: `open`, `wpa2`, `wpa_wpa2`, `wpa3`, `wpa2_wpa3`.
    public static let securityModes = ["open", "wpa2", "wpa_wpa2", "wpa3", "wpa2_wpa3"]
    /// Channel widths of the model.
    public static let channelWidths = ["auto", "20MHz", "40MHz", "80MHz", "160MHz"]

    /// The values, one per field (and band), sorted by key.
    public private(set) var values: [SettingValue]

    /// Settings holding `values` (later ones replace earlier ones with the same key).
    public init(values: [SettingValue] = []) {
        var byKey: [String: SettingValue] = [:]
        for value in values { byKey[value.key] = value }
        self.values = byKey.values.sorted()
    }

    /// The value of `field` (and `band`), if set.
    public subscript(field: SettingsField, band: Band? = nil) -> String? {
        get { values.first { $0.field == field && $0.band == band }?.value }
        set {
            values.removeAll { $0.field == field && $0.band == band }
            if let newValue { values.append(SettingValue(field, band: band, newValue)); values.sort() }
        }
    }

    /// These settings with `other`'s values laid over them.
    public func merging(_ other: ProvisioningSettings) -> ProvisioningSettings {
        ProvisioningSettings(values: values + other.values)
    }

    /// The bands any Wi-Fi value is set for.
    public var bands: [Band] { Array(Set(values.compactMap(\.band))).sorted() }
}

extension ProvisioningSettings {
    /// Parses the JSON form, refusing unknown keys and invalid values with an error naming the field.
    /// Keys may arrive in camelCase (after a snake_case-converting decoder); they are read as snake_case.
    public init(json: JSONValue) throws(ProvisioningError) {
        var values: [SettingValue] = []
        let root = try Self.object(json, at: "settings")
        try Self.allow(root, ["wifi", "wan", "lan", "management", "ntp", "admin_password"], at: "")
        if let wifi = root["wifi"] {
            guard case .array(let entries) = wifi else { throw ProvisioningError(.invalidValue, field: "wifi", "wifi must be a list of bands") }
            var seen = Set<Band>()
            for (index, entry) in entries.enumerated() {
                let at = "wifi[\(index)]"
                let object = try Self.object(entry, at: at)
                try Self.allow(object, ["band", "enabled", "ssid", "key", "security", "channel", "channel_width", "hidden", "wps"], at: at)
                guard case .string(let text)? = object["band"], let band = Band(text: text) else {
                    throw ProvisioningError(.invalidValue, field: "\(at).band", "\(at).band must be 2.4GHz or 5GHz")
                }
                guard seen.insert(band).inserted else { throw ProvisioningError(.invalidValue, field: "\(at).band", "\(at).band repeats \(band.rawValue)") }
                func add(_ key: String, _ field: SettingsField) throws(ProvisioningError) {
                    guard let value = object[key] else { return }
                    values.append(SettingValue(field, band: band, try Self.canonical(value, field: field, at: "\(at).\(key)")))
                }
                try add("enabled", .wifiEnabled)
                try add("ssid", .wifiSSID)
                try add("key", .wifiKey)
                try add("security", .wifiSecurity)
                try add("channel", .wifiChannel)
                if let channel = values.last.flatMap({ $0.field == .wifiChannel && $0.band == band ? Int($0.value) : nil }),
                   !BandSignal.channel(channel, belongsTo: band) {
                    throw ProvisioningError(.invalidValue, field: "\(at).channel", "\(at).channel \(channel) is not a \(band.rawValue) channel")
                }
                try add("channel_width", .wifiChannelWidth)
                try add("hidden", .wifiHidden)
                try add("wps", .wifiWPS)
            }
        }
        func section(_ name: String, _ fields: [(String, SettingsField)], nested: [String: [(String, SettingsField)]] = [:]) throws(ProvisioningError) {
            guard let node = root[name] else { return }
            let object = try Self.object(node, at: name)
            try Self.allow(object, fields.map(\.0) + nested.keys, at: name)
            for (key, field) in fields {
                if let value = object[key] { values.append(SettingValue(field, try Self.canonical(value, field: field, at: "\(name).\(key)"))) }
            }
            for (key, inner) in nested {
                guard let child = object[key] else { continue }
                let childObject = try Self.object(child, at: "\(name).\(key)")
                try Self.allow(childObject, inner.map(\.0), at: "\(name).\(key)")
                for (innerKey, field) in inner {
                    if let value = childObject[innerKey] {
                        values.append(SettingValue(field, try Self.canonical(value, field: field, at: "\(name).\(key).\(innerKey)")))
                    }
                }
            }
        }
        try section("wan", [], nested: ["pppoe": [("username", .pppoeUsername), ("password", .pppoePassword)]])
        try section("lan", [("ip_address", .lanIPAddress), ("subnet_mask", .lanSubnetMask)],
                    nested: ["dhcp": [("enabled", .dhcpEnabled), ("start", .dhcpStart), ("end", .dhcpEnd)]])
        try section("management", [("periodic_inform", .informEnabled), ("inform_interval", .informInterval)],
                    nested: ["connection_request": [("username", .connectionRequestUsername), ("password", .connectionRequestPassword)]])
        if let ntp = root["ntp"] {
            let object = try Self.object(ntp, at: "ntp")
            try Self.allow(object, ["enabled", "servers"], at: "ntp")
            if let enabled = object["enabled"] { values.append(SettingValue(.ntpEnabled, try Self.canonical(enabled, field: .ntpEnabled, at: "ntp.enabled"))) }
            if let servers = object["servers"] {
                guard case .array(let list) = servers, list.count <= 2 else {
                    throw ProvisioningError(.invalidValue, field: "ntp.servers", "ntp.servers must be a list of at most 2 host names")
                }
                for (index, server) in list.enumerated() {
                    let field: SettingsField = index == 0 ? .ntpServer1 : .ntpServer2
                    values.append(SettingValue(field, try Self.canonical(server, field: field, at: "ntp.servers[\(index)]")))
                }
            }
        }
        if let admin = root["admin_password"] {
            values.append(SettingValue(.adminPassword, try Self.canonical(admin, field: .adminPassword, at: "admin_password")))
        }
        self.init(values: values)
    }

    /// The JSON form (snake_case keys), the inverse of ``init(json:)``.
    public var json: JSONValue {
        var root: [String: JSONValue] = [:]
        func typed(_ field: SettingsField, _ text: String) -> JSONValue {
            switch field {
            case .wifiEnabled, .wifiHidden, .wifiWPS, .dhcpEnabled, .informEnabled, .ntpEnabled: return .bool(text == "true")
            case .informInterval: return .number(Double(text) ?? 0)
            case .wifiChannel: return text == "auto" ? .string(text) : .number(Double(text) ?? 0)
            default: return .string(text)
            }
        }
        var wifi: [JSONValue] = []
        for band in bands {
            var entry: [String: JSONValue] = ["band": .string(band.rawValue)]
            for value in values where value.band == band {
                entry[String(value.field.rawValue.dropFirst("wifi.".count))] = typed(value.field, value.value)
            }
            wifi.append(.object(entry))
        }
        if !wifi.isEmpty { root["wifi"] = .array(wifi) }
        func put(_ path: [String], _ value: JSONValue) {
            func insert(_ node: JSONValue?, _ rest: ArraySlice<String>) -> JSONValue {
                guard let key = rest.first else { return value }
                var object: [String: JSONValue] = [:]
                if case .object(let existing)? = node { object = existing }
                object[key] = insert(object[key], rest.dropFirst())
                return .object(object)
            }
            root[path[0]] = insert(root[path[0]], path.dropFirst())
        }
        var servers: [JSONValue] = []
        for value in values where value.band == nil {
            switch value.field {
            case .ntpServer1, .ntpServer2: servers.append(.string(value.value))
            case .adminPassword: root["admin_password"] = .string(value.value)
            default: put(value.field.rawValue.split(separator: ".").map(String.init), typed(value.field, value.value))
            }
        }
        if !servers.isEmpty { put(["ntp", "servers"], .array(servers)) }
        return .object(root)
    }

    static func object(_ value: JSONValue, at path: String) throws(ProvisioningError) -> [String: JSONValue] {
        guard case .object(let object) = value else {
            throw ProvisioningError(.invalidValue, field: path.isEmpty ? "settings" : path, "\(path.isEmpty ? "settings" : path) must be an object")
        }
        var normalized: [String: JSONValue] = [:]
        for (key, value) in object { normalized[snakeCase(key)] = value }
        return normalized
    }

    static func allow(_ object: [String: JSONValue], _ keys: [String], at path: String) throws(ProvisioningError) {
        for key in object.keys.sorted() where !keys.contains(key) {
            let field = path.isEmpty ? key : "\(path).\(key)"
            throw ProvisioningError(.unknownField, field: field, "unknown field \(field); expected one of: \(keys.joined(separator: ", "))")
        }
    }

    /// `channelWidth` → `channel_width`; snake_case stays as it is.
    static func snakeCase(_ key: String) -> String {
        var out = ""
        for character in key {
            if character.isUppercase { out += "_" + character.lowercased() } else { out.append(character) }
        }
        return out
    }

    /// Checks a value against its field and returns its canonical text.
    static func canonical(_ value: JSONValue, field: SettingsField, at path: String) throws(ProvisioningError) -> String {
        func fail(_ what: String) -> ProvisioningError { ProvisioningError(.invalidValue, field: path, "\(path) must be \(what)") }
        func text(max: Int, min: Int = 0) throws(ProvisioningError) -> String {
            guard case .string(let string) = value else { throw fail("a string") }
            if TemplateVariables.hasVariables(string) {
                try TemplateVariables.check(string, at: path)
                return string
            }
            guard (min...max).contains(string.utf8.count) else { throw fail("\(min)–\(max) bytes long") }
            return string
        }
        switch field {
        case .wifiEnabled, .wifiHidden, .wifiWPS, .dhcpEnabled, .informEnabled, .ntpEnabled:
            guard case .bool(let flag) = value else { throw fail("true or false") }
            return flag ? "true" : "false"
        case .wifiSSID: return try text(max: 32, min: 1)
        case .wifiKey: return try text(max: 64, min: 8)
        case .wifiSecurity:
            guard case .string(let mode) = value, securityModes.contains(mode) else { throw fail("one of \(securityModes.joined(separator: ", "))") }
            return mode
        case .wifiChannel:
            if case .string("auto") = value { return "auto" }
            guard case .number(let number) = value, number == number.rounded(), (1...196).contains(number) else { throw fail("auto or a channel number 1–196") }
            return String(Int(number))
        case .wifiChannelWidth:
            guard case .string(let width) = value, channelWidths.contains(width) else { throw fail("one of \(channelWidths.joined(separator: ", "))") }
            return width
        case .informInterval:
            guard case .number(let number) = value, number == number.rounded(), (30...604_800).contains(number) else { throw fail("a number of seconds 30–604800") }
            return String(Int(number))
        case .lanIPAddress, .lanSubnetMask, .dhcpStart, .dhcpEnd:
            let address = try text(max: 15, min: 7)
            let parts = address.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4, parts.allSatisfy({ UInt8($0) != nil }) else { throw fail("an IPv4 address") }
            return address
        case .pppoeUsername, .pppoePassword, .connectionRequestUsername, .connectionRequestPassword, .adminPassword:
            return try text(max: 256, min: 1)
        case .ntpServer1, .ntpServer2:
            return try text(max: 255, min: 1)
        }
    }
}
