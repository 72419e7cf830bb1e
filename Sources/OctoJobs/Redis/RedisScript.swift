import Crypto
import Foundation

/// A Lua script and its SHA-1 digest, for EVALSHA.
public struct RedisScript: Sendable {
    /// The source.
    public let source: String
    /// Its hex SHA-1 digest.
    public let sha1: String

    /// Creates a script.
    public init(_ source: String) {
        self.source = source
        sha1 = Insecure.SHA1.hash(data: Data(source.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
