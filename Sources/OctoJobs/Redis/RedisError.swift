/// A failure talking to Redis, with a code and the context it happened in.
public struct RedisError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Kinds of failure.
    public enum Code: String, Sendable {
        /// The URL is malformed.
        case invalidURL = "invalid_url"
        /// Connecting failed or the connection closed.
        case connection
        /// The server answered with an error reply.
        case server
        /// The bytes broke the protocol.
        case protocolViolation = "protocol_violation"
        /// A reply had an unexpected shape.
        case unexpectedReply = "unexpected_reply"
    }

    /// The kind of failure.
    public var code: Code
    /// What happened.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `redis code: message`.
    public var description: String { "redis \(code.rawValue): \(message)" }
}
