/// What the dashboard may offer for one device: per band, the choices the device has (channels,
/// widths, security modes) and the Wi-Fi fields that can be set, probed through the same resolver an
/// apply uses, so what is offered is exactly what an apply accepts.
public struct CapabilityReport: Sendable, Hashable, Codable {
    /// One band as provisioning sees it.
    public struct BandChoices: Sendable, Hashable, Codable {
        /// The band.
        public var band: Band
        /// The main interface (SSID object path).
        public var interface: String
        /// Its current network name.
        public var ssid: String
        /// Whether it is enabled now.
        public var enabled: Bool
        /// Channels the radio offers (`nil` when the device does not list them); `auto` is always possible.
        public var channels: [Int]?
        /// Abstract channel widths an apply accepts.
        public var channelWidths: [String]
        /// Abstract security modes an apply accepts.
        public var security: [String]
        /// Abstract Wi-Fi fields (`wifi.ssid`, …) an apply can write on this band.
        public var settable: [String]
    }

    /// `tr098` or `tr181`.
    public var dataModel: String
    /// The mapping layers used (`id@version`).
    public var mapping: [String]
    /// Bands whose main interface is known.
    public var bands: [BandChoices]
    /// Bands the tree cannot tell apart: provisioning refuses their fields.
    public var unresolved: [DeviceCapabilities.UnresolvedBand]
    /// Every SSID with its band and role, for the operator.
    public var interfaces: [DeviceCapabilities.Interface]
    /// The model reboots after Wi-Fi changes (model flag).
    public var rebootAfterWifiChange: Bool
    /// Bands the model data declares read-only.
    public var readOnlyBands: [Band]
}

extension SettingsResolver {
    /// The report for a device with `facts` and `tree`.
    public func capabilities(facts: DeviceFacts, tree: [String: ParameterNode]) -> CapabilityReport {
        let detected = DeviceCapabilities.detect(tree: tree)
        let mapping = catalog.effective(root: detected.root, facts: facts)
        func accepted(_ field: SettingsField, _ band: Band, _ value: String) -> Bool {
            let resolution = resolve(ProvisioningSettings(values: [SettingValue(field, band: band, value)]), facts: facts, tree: tree,
                                     capabilities: detected)
            return resolution.errors.isEmpty && !resolution.changes.isEmpty
        }
        let probes: [SettingsField: String] = [.wifiEnabled: "true", .wifiSSID: "probe", .wifiKey: "probe-key-123", .wifiChannel: "auto",
                                               .wifiHidden: "false", .wifiWPS: "false"]
        var bands: [CapabilityReport.BandChoices] = []
        for band in Band.allCases {
            guard let capability = detected.band(band) ?? mapping?.declaredBands[band]?.flatMap({ variables in
                DeviceCapabilities.BandCapability(band: band, interface: "", variables: variables, channels: nil, channelWidths: nil, securityModes: nil)
            }) else { continue }
            let interface = detected.interfaces.first { $0.path == capability.interface }
            var settable = SettingsField.allCases.filter { field in
                guard field.rawValue.hasPrefix("wifi."), let probe = probes[field] else { return false }
                return accepted(field, band, probe)
            }.map(\.rawValue)
            let widths = ProvisioningSettings.channelWidths.filter { accepted(.wifiChannelWidth, band, $0) }
            let security = ProvisioningSettings.securityModes.filter { accepted(.wifiSecurity, band, $0) }
            if !widths.isEmpty { settable.append(SettingsField.wifiChannelWidth.rawValue) }
            if !security.isEmpty { settable.append(SettingsField.wifiSecurity.rawValue) }
            bands.append(.init(band: band, interface: capability.interface, ssid: interface?.ssid ?? "", enabled: interface?.enabled ?? false,
                               channels: capability.channels, channelWidths: widths, security: security, settable: settable.sorted()))
        }
        return CapabilityReport(dataModel: detected.root == "Device." ? "tr181" : "tr098", mapping: mapping?.layers ?? [], bands: bands,
                                unresolved: detected.unresolved, interfaces: detected.interfaces,
                                rebootAfterWifiChange: mapping?.rebootAfterWifiChange ?? false, readOnlyBands: (mapping?.readOnlyBands ?? []).sorted())
    }
}
