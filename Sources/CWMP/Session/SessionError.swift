/// A CPE's violation of the session protocol. The HTTP edge answers 400 and the session ends.
public struct SessionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Kinds of violation.
    public enum Code: String, Sendable {
        /// The first message of a session was not an Inform.
        case expectedInform = "expected_inform"
        /// A second Inform inside a session.
        case unexpectedInform = "unexpected_inform"
        /// An answer that does not match the RPC the ACS sent (or none was sent).
        case unexpectedResponse = "unexpected_response"
        /// The session is already over (idle timeout or finished).
        case sessionClosed = "session_closed"
    }

    /// The kind of violation.
    public var code: Code
    /// Details for the log.
    public var context: String

    /// Creates an error.
    public init(_ code: Code, _ context: String) {
        self.code = code
        self.context = context
    }

    /// `code: context`.
    public var description: String { "\(code.rawValue): \(context)" }
}
