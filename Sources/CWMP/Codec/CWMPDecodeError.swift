/// Why a body is not an acceptable CWMP envelope. The HTTP edge answers 413 for ``Code/tooLarge`` and
/// 400 for the rest, and logs ``context``.
public struct CWMPDecodeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Kinds of refusal.
    public enum Code: String, Sendable {
        /// Larger than the configured limit.
        case tooLarge = "too_large"
        /// DTD or entity declaration (XML bomb, XXE).
        case forbiddenDeclaration = "forbidden_declaration"
        /// Not well-formed XML, or nested/sized beyond the limits.
        case malformedXML = "malformed_xml"
        /// Well-formed XML that is not a SOAP envelope with one CWMP message.
        case notCWMP = "not_cwmp"
        /// A CWMP method this side does not know.
        case unknownMethod = "unknown_method"
        /// A known method with missing or invalid arguments.
        case invalidArguments = "invalid_arguments"
    }

    /// The kind of refusal.
    public var code: Code
    /// What exactly, for the log.
    public var context: String

    /// Creates an error.
    public init(_ code: Code, _ context: String) {
        self.code = code
        self.context = context
    }

    /// `code: context`.
    public var description: String { "\(code.rawValue): \(context)" }
}
