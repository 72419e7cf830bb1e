/// A failure of the job system, with a stable code and the context it happened in.
public struct JobError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable kinds of failure.
    public enum Code: String, Sendable, Codable {
        /// The envelope breaks a rule (bad queue name, attempts below 1…).
        case invalidJob = "invalid_job"
        /// The payload does not decode into the handler's type; never retried.
        case malformedPayload = "malformed_payload"
        /// No handler is registered for the job's type; never retried.
        case unknownType = "unknown_type"
        /// No such job for this provider (or not in the state the operation needs).
        case notFound = "not_found"
        /// The driver's server could not be reached or answered with an error.
        case backend
    }

    /// The kind of failure.
    public var code: Code
    /// A human-readable explanation.
    public var message: String
    /// Where it happened (`job.id`, `provider.id`, `queue`…).
    public var context: [String: String]

    /// Creates an error.
    public init(_ code: Code, _ message: String, _ context: [String: String] = [:]) {
        self.code = code
        self.message = message
        self.context = context
    }

    /// Whether a job failing with this error may succeed on another attempt.
    public var isRetryable: Bool { code != .malformedPayload && code != .unknownType }

    /// `code: message [context]`.
    public var description: String {
        let details = context.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return details.isEmpty ? "\(code.rawValue): \(message)" : "\(code.rawValue): \(message) [\(details)]"
    }
}
