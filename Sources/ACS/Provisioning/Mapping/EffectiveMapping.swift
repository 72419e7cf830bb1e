/// The layers of mapping that apply to one device, merged.
public struct EffectiveMapping: Sendable, Hashable {
    /// The data model root.
    public var root: String
    /// `id@version` of each layer, base first.
    public var layers: [String]
    /// Instance variables per band; a band absent here does not exist on the device.
    public var bands: [Band: [String: String]]
    /// Entries per field.
    public var fields: [SettingsField: [DataModelMapping.Entry]]
    /// Fields the device cannot set.
    public var unsupported: Set<SettingsField>
}
