import Foundation

/// Where a Redis server listens: `redis://[user:password@]host[:port][/db]`.
public struct RedisURL: Sendable, Hashable {
    /// The host.
    public var host: String
    /// The port (6379 by default).
    public var port: Int
    /// The ACL user, if any.
    public var user: String?
    /// The password, if any.
    public var password: String?
    /// The logical database.
    public var database: Int

    /// Parses a URL.
    public init(_ text: String) throws(RedisError) {
        guard let components = URLComponents(string: text), components.scheme == "redis", let host = components.host, !host.isEmpty else {
            throw RedisError(.invalidURL, "expected redis://[user:password@]host[:port][/db]")
        }
        self.host = host
        port = components.port ?? 6379
        user = components.user.flatMap { $0.isEmpty ? nil : $0 }
        password = components.password
        let path = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        guard path.isEmpty || Int(path) != nil else { throw RedisError(.invalidURL, "the path must be a database number") }
        database = Int(path) ?? 0
    }
}
