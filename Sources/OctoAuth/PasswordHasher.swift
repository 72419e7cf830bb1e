import HummingbirdBcrypt
import OctoCore

/// bcrypt password hashing with a configurable cost.
public struct PasswordHasher: Sendable {
    /// bcrypt cost (log2 rounds); 12 in production.
    public let cost: UInt8

    /// Creates a hasher.
    public init(cost: UInt8 = 12) {
        self.cost = cost
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
}
