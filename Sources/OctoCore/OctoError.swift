/// An error of the platform's domain, with a stable code and context. It becomes an HTTP status only
/// at the HTTP edge.
public struct OctoError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Stable, machine-readable kinds of failure.
    public enum Code: String, Sendable, Codable {
        /// The input is malformed or violates a rule; ``OctoError/field`` names the culprit when known.
        case invalidInput = "invalid_input"
        /// Credentials are missing, wrong or expired.
        case unauthenticated
        /// A second factor is needed to finish signing in.
        case totpRequired = "totp_required"
        /// The principal lacks a permission.
        case forbidden
        /// Nothing with that id exists for this tenant (also for another tenant's ids).
        case notFound = "not_found"
        /// The change conflicts with existing data (duplicate key, row in use).
        case conflict
        /// Too many attempts; retry later.
        case throttled
        /// The body is larger than allowed.
        case payloadTooLarge = "payload_too_large"
        /// A dependency (the database) is unavailable.
        case unavailable
        /// A bug or an unexpected failure.
        case `internal`
    }

    /// The kind of failure.
    public var code: Code
    /// A human-readable explanation, safe to show to the client.
    public var message: String
    /// The input field at fault, for ``Code/invalidInput``.
    public var field: String?
    /// Seconds after which a throttled request may be retried.
    public var retryAfter: Int?

    /// Creates an error.
    public init(_ code: Code, _ message: String, field: String? = nil, retryAfter: Int? = nil) {
        self.code = code
        self.message = message
        self.field = field
        self.retryAfter = retryAfter
    }

    /// `code: message`.
    public var description: String { "\(code.rawValue): \(message)" }

    /// A missing or foreign row, named without revealing whether it exists elsewhere.
    public static func notFound(_ what: String) -> OctoError { OctoError(.notFound, "\(what) not found") }

    /// An invalid field.
    public static func invalid(_ field: String, _ message: String) -> OctoError {
        OctoError(.invalidInput, message, field: field)
    }

    /// A missing permission.
    public static func forbidden(_ permission: Permission) -> OctoError {
        OctoError(.forbidden, "missing permission \(permission.key)")
    }
}
