

/// The abstract fields of the settings model, independent of any data model. Mapping files map these
/// names to TR-098 / TR-181 paths; Wi-Fi fields are per band.
public enum SettingsField: String, Sendable, Hashable, Codable, CaseIterable {
    case wifiEnabled = "wifi.enabled"
    case wifiSSID = "wifi.ssid"
    case wifiKey = "wifi.key"
    case wifiSecurity = "wifi.security"
    case wifiChannel = "wifi.channel"
    case wifiChannelWidth = "wifi.channel_width"
    case wifiHidden = "wifi.hidden"
    case wifiWPS = "wifi.wps"
    case pppoeUsername = "wan.pppoe.username"
    case pppoePassword = "wan.pppoe.password"
    case lanIPAddress = "lan.ip_address"
    case lanSubnetMask = "lan.subnet_mask"
    case dhcpEnabled = "lan.dhcp.enabled"
    case dhcpStart = "lan.dhcp.start"
    case dhcpEnd = "lan.dhcp.end"
    case informEnabled = "management.periodic_inform"
    case informInterval = "management.inform_interval"
    case connectionRequestUsername = "management.connection_request.username"
    case connectionRequestPassword = "management.connection_request.password"
    case ntpEnabled = "ntp.enabled"
    case ntpServer1 = "ntp.server1"
    case ntpServer2 = "ntp.server2"
    case adminPassword = "admin.password"

    /// Whether the field is set once per Wi-Fi band.
    public var perBand: Bool { rawValue.hasPrefix("wifi.") }

    /// Whether its value is a secret (shown masked in diffs and audit).
    public var isSecret: Bool {
        [.wifiKey, .pppoePassword, .connectionRequestPassword, .adminPassword].contains(self)
    }
}

/// One abstract value: a field, its band for Wi-Fi fields, and its canonical text (`true`/`false`,
/// numbers in decimal, `auto`, security mode names).
public struct SettingValue: Sendable, Hashable, Codable, Comparable {
    /// The field.
    public var field: SettingsField
    /// The band (Wi-Fi fields only).
    public var band: Band?
    /// The canonical value.
    public var value: String

    /// Creates a value.
    public init(_ field: SettingsField, band: Band? = nil, _ value: String) {
        self.field = field
        self.band = band
        self.value = value
    }

    /// `wifi.ssid@5GHz` or `ntp.enabled`.
    public var key: String { band.map { "\(field.rawValue)@\($0.rawValue)" } ?? field.rawValue }

    /// Orders by key.
    public static func < (lhs: SettingValue, rhs: SettingValue) -> Bool { lhs.key < rhs.key }
}
