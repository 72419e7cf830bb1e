/// Why a tool could not run or was refused. Per-probe outcomes (no reply, refused, timed out) are
/// results, not errors.
public struct NetToolError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: String, Hashable, Sendable, Codable {
        /// A request field is malformed or out of its bounds (`field` names it).
        case invalidRequest
        /// The target is outside what this provider may test, or in a denied range (`field` names it).
        case targetRefused
        /// A name did not resolve.
        case resolutionFailed
        /// A socket could not be opened or used (permissions, limits).
        case socketFailed
        /// The peer did not answer in time.
        case timeout
        /// The peer answered something we cannot read.
        case protocolError
        /// The connection or TLS handshake failed.
        case connectionFailed
    }

    /// What went wrong.
    public var code: Code
    /// A sentence for the user.
    public var message: String
    /// The request field at fault, when there is one.
    public var field: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    /// `<code>: <message>`.
    public var description: String { "\(code.rawValue): \(message)" + (field.map { " (field \($0))" } ?? "") }
}
