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
