/// One parameter the desired state sets.
public struct ParameterChange: Sendable, Hashable, Codable, Comparable {
    /// Full path.
    public var path: String
    /// Value to set.
    public var value: String
    /// xsd type.
    public var type: String
    /// The abstract field (and band) it comes from, e.g. `wifi.ssid@5GHz`.
    public var field: String
    /// The device's current value, when known (dry runs and audit).
    public var current: String?

    /// Creates a change.
    public init(path: String, value: String, type: String, field: String, current: String? = nil) {
        self.path = path
        self.value = value
        self.type = type
        self.field = field
        self.current = current
    }

    /// Orders by path.
    public static func < (lhs: ParameterChange, rhs: ParameterChange) -> Bool { lhs.path < rhs.path }
}
