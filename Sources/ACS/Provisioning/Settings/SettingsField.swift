/// The abstract fields of the settings model, independent of any data model. Mapping files map these
/// names to TR-098 / TR-181 paths; Wi-Fi fields are per band.
public enum SettingsField: String, Sendable, Hashable, Codable, CaseIterable {
    /// The band's radio/SSID on or off.
    case wifiEnabled = "wifi.enabled"
    /// The network name.
    case wifiSSID = "wifi.ssid"
    /// The WPA passphrase.
    case wifiKey = "wifi.key"
    /// The security mode (`open`, `wpa2`, `wpa_wpa2`, `wpa3`, `wpa2_wpa3`).
    case wifiSecurity = "wifi.security"
    /// `auto` or a channel number.
    case wifiChannel = "wifi.channel"
    /// `auto`, `20MHz`, `40MHz`, `80MHz` or `160MHz`.
    case wifiChannelWidth = "wifi.channel_width"
    /// Whether the SSID is hidden.
    case wifiHidden = "wifi.hidden"
    /// Whether WPS is on.
    case wifiWPS = "wifi.wps"
    /// PPPoE user name.
    case pppoeUsername = "wan.pppoe.username"
    /// PPPoE password.
    case pppoePassword = "wan.pppoe.password"
    /// The LAN address of the CPE.
    case lanIPAddress = "lan.ip_address"
    /// The LAN subnet mask.
    case lanSubnetMask = "lan.subnet_mask"
    /// Whether the DHCP server is on.
    case dhcpEnabled = "lan.dhcp.enabled"
    /// First DHCP address.
    case dhcpStart = "lan.dhcp.start"
    /// Last DHCP address.
    case dhcpEnd = "lan.dhcp.end"
    /// Whether periodic Informs are on.
    case informEnabled = "management.periodic_inform"
    /// Seconds between periodic Informs.
    case informInterval = "management.inform_interval"
    /// User name the CPE expects on connection requests.
    case connectionRequestUsername = "management.connection_request.username"
    /// Password the CPE expects on connection requests.
    case connectionRequestPassword = "management.connection_request.password"
    /// Whether the NTP client is on.
    case ntpEnabled = "ntp.enabled"
    /// First NTP server.
    case ntpServer1 = "ntp.server1"
    /// Second NTP server.
    case ntpServer2 = "ntp.server2"
    /// The CPE's web admin password.
    case adminPassword = "admin.password"

    /// Whether the field is set once per Wi-Fi band.
    public var perBand: Bool { rawValue.hasPrefix("wifi.") }

    /// Whether its value is a secret (shown masked in diffs and audit).
    public var isSecret: Bool {
        [.wifiKey, .pppoePassword, .connectionRequestPassword, .adminPassword].contains(self)
    }
}
