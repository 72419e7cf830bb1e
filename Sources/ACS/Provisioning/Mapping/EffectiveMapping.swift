/// The layers of mapping that apply to one device, merged.
public struct EffectiveMapping: Sendable, Hashable {
    /// The data model root.
    public var root: String
    /// `id@version` of each layer, base first.
    public var layers: [String]
    /// Band instance variables a model file declares (a nil value: the model has no such band). They win
    /// over the bands detected from the device's tree; a band not declared here is detected.
    public var declaredBands: [Band: [String: String]?]
    /// Entries per field.
    public var fields: [SettingsField: [DataModelMapping.Entry]]
    /// Fields the device cannot set.
    public var unsupported: Set<SettingsField>
    /// The model needs a reboot after a Wi-Fi change.
    public var rebootAfterWifiChange: Bool
    /// Bands whose settings the model cannot take.
    public var readOnlyBands: Set<Band>
}
