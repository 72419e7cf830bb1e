import OctoCore

/// A remote action on one device (`POST /api/v1/devices/{id}/actions`).
public struct DeviceAction: Codable, Sendable, Hashable {
    /// What to do.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// Change Wi-Fi settings of one band (kept as a per-device override of the template).
        case setWifi = "set_wifi"
        /// Reboot.
        case reboot
        /// Factory reset; the device comes back with BOOTSTRAP and is provisioned again.
        case factoryReset = "factory_reset"
        /// Send the whole desired state again, even if the cache says it is in place.
        case reapply
        /// Apply the desired state (only what differs), as after a template change.
        case apply
    }

    /// What to do.
    public var type: Kind
    /// set_wifi: the band (`2.4GHz`, `5GHz`).
    public var band: String?
    /// set_wifi: new SSID.
    public var ssid: String?
    /// set_wifi: new key.
    public var key: String?
    /// set_wifi: `auto` or a channel number.
    public var channel: JSONValue?
    /// set_wifi: turn the band on or off.
    public var enabled: Bool?
    /// set_wifi: security mode.
    public var security: String?
    /// set_wifi: hide the SSID.
    public var hidden: Bool?

    /// Creates an action.
    public init(type: Kind, band: String? = nil, ssid: String? = nil, key: String? = nil, channel: JSONValue? = nil, enabled: Bool? = nil,
                security: String? = nil, hidden: Bool? = nil) {
        self.type = type
        self.band = band
        self.ssid = ssid
        self.key = key
        self.channel = channel
        self.enabled = enabled
        self.security = security
        self.hidden = hidden
    }

    /// The settings field each free-text field of the action sets.
    static var settingsFields: [(WritableKeyPath<DeviceAction, String?>, SettingsField)] {
        [(\.ssid, .wifiSSID), (\.key, .wifiKey), (\.security, .wifiSecurity)]
    }

    /// The action with the value of every field whose settings field is secret (``SettingsField/isSecret``,
    /// the Wi-Fi key) masked: what is stored in clear, audited and shown.
    public var masked: DeviceAction {
        var action = self
        for (path, field) in Self.settingsFields where field.isSecret && action[keyPath: path] != nil {
            action[keyPath: path] = SecretParameters.mask
        }
        return action
    }

    /// Whether the action carries a secret value.
    public var holdsSecret: Bool { masked != self }

    /// The settings a set_wifi action asks for, checked like template settings (400 naming the field).
    public func wifiSettings() throws(ProvisioningError) -> ProvisioningSettings {
        guard type == .setWifi else { return ProvisioningSettings() }
        guard let band else { throw ProvisioningError(.invalidValue, field: "band", "set_wifi needs band: 2.4GHz or 5GHz") }
        var entry: [String: JSONValue] = ["band": .string(band)]
        if let ssid { entry["ssid"] = .string(ssid) }
        if let key { entry["key"] = .string(key) }
        if let channel { entry["channel"] = channel }
        if let enabled { entry["enabled"] = .bool(enabled) }
        if let security { entry["security"] = .string(security) }
        if let hidden { entry["hidden"] = .bool(hidden) }
        guard entry.count > 1 else {
            throw ProvisioningError(.invalidValue, field: "type", "set_wifi needs at least one of ssid, key, channel, enabled, security, hidden")
        }
        do throws(ProvisioningError) {
            return try ProvisioningSettings(json: .object(["wifi": .array([.object(entry)])]))
        } catch {
            var error = error
            error.field = String(error.field.dropFirst("wifi[0].".count))
            throw error
        }
    }
}
