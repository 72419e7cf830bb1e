/// A field left out for a device, and why.
public struct SkippedField: Sendable, Hashable, Codable {
    /// Why.
    public enum Reason: String, Sendable, Hashable, Codable {
        /// The mapping declares the field unsupported for this device.
        case unsupported
        /// The device has no such band.
        case noSuchBand = "no_such_band"
        /// An optional path absent from the device's tree.
        case absent
        /// The device rejected the path before; it is not retried.
        case rejected
        /// The model data declares the band's settings cannot be written on this model.
        case readOnlyBand = "read_only_band"
    }

    /// `wifi.ssid@5GHz`.
    public var field: String
    /// The path, when one was resolved.
    public var path: String?
    /// Why.
    public var reason: Reason

    /// Creates a skipped field.
    public init(field: String, path: String?, reason: Reason) {
        self.field = field
        self.path = path
        self.reason = reason
    }
}

/// The outcome of resolving settings for one device.
public struct Resolution: Sendable, Hashable, Codable {
    /// What the desired state sets, sorted by path.
    public var changes: [ParameterChange]
    /// Fields left out.
    public var skipped: [SkippedField]
    /// Why the settings cannot be applied to this device (missing or read-only paths, unsupported values).
    public var errors: [ProvisioningError]
    /// `id@version` of the mapping layers used.
    public var mapping: [String]
    /// The model needs a reboot for Wi-Fi changes to take effect (model flag).
    public var rebootAfterWifiChange: Bool = false
}
