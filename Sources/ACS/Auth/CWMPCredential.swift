import Foundation

/// A CPE credential of a provider (optionally bound to one device). The password itself is never
/// stored: a salted SHA-256 for Basic and the Digest HA1 (`MD5(username:realm:password)`).
public struct CWMPCredential: Sendable, Hashable {
    /// Identifier.
    public var id: UUID
    /// Owning provider.
    public var providerID: UUID
    /// When set, only this device may use the credential.
    public var deviceID: UUID?
    /// The user name CPEs send.
    public var username: String
    /// Random salt of ``passwordHash``.
    public var salt: [UInt8]
    /// SHA-256 of salt ‖ password.
    public var passwordHash: [UInt8]
    /// Hex MD5 of `username:realm:password`.
    public var digestHA1: String
    /// The realm ``digestHA1`` was computed for.
    public var realm: String

    /// Creates a credential value.
    public init(id: UUID, providerID: UUID, deviceID: UUID?, username: String, salt: [UInt8], passwordHash: [UInt8], digestHA1: String, realm: String) {
        self.id = id
        self.providerID = providerID
        self.deviceID = deviceID
        self.username = username
        self.salt = salt
        self.passwordHash = passwordHash
        self.digestHA1 = digestHA1
        self.realm = realm
    }
}
