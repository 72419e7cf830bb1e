/// A device's cached parameter: value, type and whether it is writable.
public struct ParameterNode: Sendable, Hashable, Codable {
    /// The value (empty for objects).
    public var value: String
    /// The xsd type.
    public var type: String
    /// Whether the device lets the ACS write it.
    public var writable: Bool

    /// Creates a node.
    public init(value: String, type: String, writable: Bool) {
        self.value = value
        self.type = type
        self.writable = writable
    }
}
