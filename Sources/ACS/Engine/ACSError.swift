/// A refusal of the ACS, with a stable code and context for the log. It maps to one HTTP status.
public struct ACSError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Kinds of refusal.
    public enum Code: String, Sendable {
        /// Malformed or unacceptable input (400).
        case badRequest = "bad_request"
        /// Missing or wrong credentials, or an unknown provider slug (401).
        case unauthenticated
        /// The body exceeds the limit (413).
        case tooLarge = "too_large"
        /// Too many sessions, the device is in a session elsewhere, or too many new devices this minute (503).
        case busy
        /// The provider's cap on devices registered by Inform is reached (403).
        case refused
    }

    /// The kind of refusal.
    public var code: Code
    /// Details for the log (never sent to the CPE beyond a short reason).
    public var context: String
    /// For ``Code/unauthenticated``: the Digest response was right but its nonce expired (`stale=true`).
    public var staleNonce = false
    /// For ``Code/busy``: seconds the CPE should wait, when not the configured default.
    public var retryAfter: Int?

    /// Creates an error.
    public init(_ code: Code, _ context: String) {
        self.code = code
        self.context = context
    }

    /// The HTTP status of this refusal.
    public var status: Int {
        switch code {
        case .badRequest: 400
        case .unauthenticated: 401
        case .tooLarge: 413
        case .busy: 503
        case .refused: 403
        }
    }

    /// `code: context`.
    public var description: String { "\(code.rawValue): \(context)" }
}
