/// Why ICMP echo could not run at all. Per-target failures (no reply, a send the kernel refused)
/// are results, not errors.
public struct ICMPError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: String, Hashable, Sendable {
        /// Neither an unprivileged ping socket (`net.ipv4.ping_group_range`) nor a raw socket
        /// (`CAP_NET_RAW`) may be opened by this process.
        case permissionDenied
        /// The socket could not be opened or configured for another reason.
        case socketFailed
    }

    /// What went wrong.
    public var code: Code
    /// A sentence for logs and discovery outcomes.
    public var message: String
    /// Details: the socket kinds tried and their `errno` text.
    public var context: [String: String]

    /// Creates an error.
    public init(_ code: Code, _ message: String, context: [String: String] = [:]) {
        self.code = code
        self.message = message
        self.context = context
    }

    /// `icmp <code>: <message> (key=value, …)`.
    public var description: String {
        let details = context.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
        return "icmp \(code.rawValue): \(message)" + (details.isEmpty ? "" : " (\(details))")
    }
}
