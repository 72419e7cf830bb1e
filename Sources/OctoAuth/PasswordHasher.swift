import HummingbirdBcrypt
import NIOPosix
import OctoCore

/// bcrypt password hashing with a configurable cost. The async forms run on a NIO thread pool, off
/// Swift's cooperative pool: a burst of sign-ins (each ~250 ms of CPU at cost 12) must not stall
/// every other task of the process.
public struct PasswordHasher: Sendable {
    /// bcrypt cost (log2 rounds); 12 in production.
    public let cost: UInt8
    /// Where the async forms run.
    let pool: NIOThreadPool

    /// Creates a hasher running on `pool` (the process-wide NIO thread pool by default).
    public init(cost: UInt8 = 12, pool: NIOThreadPool = .singleton) {
        self.cost = cost
        self.pool = pool
    }

    /// Checks the password policy: 10 to 72 bytes (bcrypt reads no further).
    public static func validate(_ password: String) throws(OctoError) {
        guard password.count >= 10 else { throw .invalid("password", "password must have at least 10 characters") }
        guard password.utf8.count <= 72 else { throw .invalid("password", "password must have at most 72 bytes") }
    }

    /// Hashes a password that passed ``validate(_:)``.
    public func hash(_ password: String) -> String {
        Bcrypt.hash(password, cost: cost)
    }

    /// Whether `password` matches `hash`.
    public func verify(_ password: String, hash: String) -> Bool {
        guard password.utf8.count <= 72 else { return false }
        return Bcrypt.verify(password, hash: hash)
    }

    /// ``hash(_:)`` on the thread pool.
    public func hash(_ password: String) async throws -> String {
        let cost = cost
        return try await pool.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    /// ``verify(_:hash:)`` on the thread pool.
    public func verify(_ password: String, hash: String) async throws -> Bool {
        guard password.utf8.count <= 72 else { return false }
        return try await pool.runIfActive { Bcrypt.verify(password, hash: hash) }
    }
}
