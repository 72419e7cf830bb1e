/// Rules a template's settings must follow: allowed security modes, WPS off, a fixed inform interval.
public struct TemplatePolicies: Codable, Sendable, Hashable {
    /// Security modes allowed (e.g. `["wpa2", "wpa3", "wpa2_wpa3"]`).
    public var allowedSecurity: [String]?
    /// WPS is forced off on every band the settings configure.
    public var wpsOff: Bool?
    /// The periodic inform interval is forced to this many seconds.
    public var informInterval: Int?

    /// No policies.
    public init(allowedSecurity: [String]? = nil, wpsOff: Bool? = nil, informInterval: Int? = nil) {
        self.allowedSecurity = allowedSecurity
        self.wpsOff = wpsOff
        self.informInterval = informInterval
    }

    /// The settings with the policies enforced; a violation is an error naming the field.
    public func enforce(on settings: ProvisioningSettings) throws(ProvisioningError) -> ProvisioningSettings {
        var out = settings
        if let allowed = allowedSecurity {
            for value in settings.values where value.field == .wifiSecurity && !allowed.contains(value.value) {
                throw ProvisioningError(.policyViolation, field: "settings.\(value.key)",
                                        "\(value.key) is \(value.value); policy allows only \(allowed.joined(separator: ", "))")
            }
        }
        if wpsOff == true {
            for band in settings.bands {
                if settings[.wifiWPS, band] == "true" {
                    throw ProvisioningError(.policyViolation, field: "settings.wifi.wps@\(band.rawValue)", "policy wps_off forbids WPS on \(band.rawValue)")
                }
                out[.wifiWPS, band] = "false"
            }
        }
        if let interval = informInterval { out[.informInterval] = String(interval) }
        return out
    }

    /// Checks the policies themselves.
    public func validate() throws(ProvisioningError) {
        for mode in allowedSecurity ?? [] where !ProvisioningSettings.securityModes.contains(mode) {
            throw ProvisioningError(.invalidValue, field: "policies.allowed_security", "policies.allowed_security: unknown mode \(mode)")
        }
        if let interval = informInterval, !(30...604_800).contains(interval) {
            throw ProvisioningError(.invalidValue, field: "policies.inform_interval", "policies.inform_interval must be 30–604800 seconds")
        }
    }
}
