/// What a CPE's own parameter tree says about its Wi-Fi: the radios and their bands, every SSID with
/// the band of its radio and its role (main, guest, mesh backhaul), and per band the main interface the
/// abstract settings write to, the channels, widths and security modes the device lists. Detected from
/// the tree (``detect(tree:)``), never from instance numbers; no I/O.
public struct DeviceCapabilities: Sendable, Hashable, Codable {
    /// A Wi-Fi radio (TR-181 `Device.WiFi.Radio.{i}`; in TR-098 every WLANConfiguration carries its radio's settings).
    public struct Radio: Sendable, Hashable, Codable {
        /// The object path, ending in a dot.
        public var path: String
        /// The band, when the signals agree on one.
        public var band: Band?
        /// Every parameter that pointed at a band.
        public var signals: [BandSignal]
        /// Why the band is unknown when signals disagree.
        public var conflict: String?
    }

    /// The role of an SSID on its radio.
    public enum Role: String, Sendable, Hashable, Codable {
        /// The customer's network.
        case main
        /// A guest network (by name or vendor flag).
        case guest
        /// A mesh or WDS backhaul (by name, vendor flag or a generated hexadecimal SSID).
        case backhaul
    }

    /// One SSID (TR-098 WLANConfiguration, TR-181 SSID with its access point).
    public struct Interface: Sendable, Hashable, Codable {
        /// The SSID object path, ending in a dot.
        public var path: String
        /// Its instance number.
        public var instance: Int
        /// The radio it runs on (TR-181), when linked.
        public var radio: String?
        /// The band, from its radio or its own parameters.
        public var band: Band?
        /// Which parameters gave the band.
        public var bandSources: [String]
        /// Why the band is unknown, when it is.
        public var bandProblem: String?
        /// Main, guest or backhaul.
        public var role: Role
        /// Whether the SSID (and its access point) is enabled.
        public var enabled: Bool
        /// The network name.
        public var ssid: String
        /// The mapping variables that address it (`wlan`, or `radio`/`ssid`/`ap`).
        public var variables: [String: String]
    }

    /// What the device offers on one band, through its main interface.
    public struct BandCapability: Sendable, Hashable, Codable {
        /// The band.
        public var band: Band
        /// The main interface's SSID object path.
        public var interface: String
        /// The mapping variables of the main interface.
        public var variables: [String: String]
        /// Channels the radio lists (`PossibleChannels`), when it lists them.
        public var channels: [Int]?
        /// Channel widths the radio lists (`SupportedOperatingChannelBandwidths`), when it lists them.
        public var channelWidths: [String]?
        /// Security modes the access point lists (`Security.ModesSupported`), device values, when it lists them.
        public var securityModes: [String]?
    }

    /// A band the device may have but whose interface cannot be established.
    public struct UnresolvedBand: Sendable, Hashable, Codable {
        /// The band.
        public var band: Band
        /// Why (for the operator: which interfaces are in doubt).
        public var reason: String
    }

    /// `Device.` or `InternetGatewayDevice.`.
    public var root: String
    /// Radios (TR-181 only).
    public var radios: [Radio]
    /// Every SSID, by instance.
    public var interfaces: [Interface]
    /// Bands whose main interface is known.
    public var bands: [BandCapability]
    /// Bands that may exist but cannot be told apart: provisioning refuses their fields.
    public var unresolved: [UnresolvedBand]

    /// The capability of `band`, when its main interface is known.
    public func band(_ band: Band) -> BandCapability? { bands.first { $0.band == band } }

    /// Why `band` cannot be used, when it is unresolved.
    public func problem(_ band: Band) -> String? { unresolved.first { $0.band == band }?.reason }
}
