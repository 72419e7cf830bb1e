import OctoCore

/// Why settings, a mapping or a template cannot be used. Becomes a 400 naming ``field`` at the HTTP edge.
public struct ProvisioningError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: String, Sendable, Codable {
        /// A key the settings model does not know.
        case unknownField = "unknown_field"
        /// A value of the wrong kind or out of range.
        case invalidValue = "invalid_value"
        /// A path the mapping resolves to is not in the device's parameter tree.
        case missingPath = "missing_path"
        /// A path the mapping resolves to is read-only on the device.
        case notWritable = "not_writable"
        /// A mapping file that cannot be used.
        case invalidMapping = "invalid_mapping"
        /// A template path override that names no path of the mapping.
        case unknownPath = "unknown_path"
        /// A template that violates one of its policies.
        case policyViolation = "policy_violation"
        /// The device's tree does not tell which interface is on the band: nothing is sent for the field.
        case ambiguousBand = "ambiguous_band"
    }

    /// What went wrong.
    public var code: Code
    /// The field, e.g. `wifi[1].ssid` or `wifi.key` (the abstract field) or a path.
    public var field: String
    /// A sentence for the operator.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, field: String, _ message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    /// The message.
    public var description: String { message }

    /// The error as the platform's 400.
    public var octoError: OctoError { .invalid(field, message) }
}
