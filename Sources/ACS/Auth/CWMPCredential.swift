import Foundation
import OctoCore

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
    /// Whether the ACS has sent this device credential and the device has not yet confirmed it.
    public var offered: Bool

    /// Creates a credential value.
    public init(id: UUID, providerID: UUID, deviceID: UUID?, username: String, salt: [UInt8], passwordHash: [UInt8], digestHA1: String, realm: String,
                offered: Bool = false) {
        self.offered = offered
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

/// A CPE credential as the API shows it: never the password or its hashes.
public struct CWMPCredentialInfo: Codable, Sendable, Hashable {
    /// Identifier.
    public var id: UUID
    /// When set, only this device may use it.
    public var deviceId: UUID?
    /// The user name CPEs send.
    public var username: String
    /// The realm its Digest hash was computed for.
    public var realm: String
    /// Creation time.
    public var createdAt: Date
}

/// What the audit log records of a changed credential: the credential and whether its password changed.
struct CWMPCredentialAudit: Encodable {
    var credential: CWMPCredentialInfo
    var passwordChanged: Bool
    init(_ credential: CWMPCredentialInfo, passwordChanged: Bool) {
        self.credential = credential
        self.passwordChanged = passwordChanged
    }
}

/// `POST /acs/credentials` (user name and password required) and `PATCH` (absent fields stay;
/// `device_id: null` makes the credential provider-wide). The password is write-only.
public struct CWMPCredentialInput: Codable, Sendable {
    /// The user name CPEs send (1–256 characters, no colon).
    public var username: String?
    /// The password (8–256 characters); kept only as salted SHA-256 and Digest HA1.
    public var password: String?
    /// The one device allowed to use it; `null` for every device of the provider.
    public var deviceId: Nullable<UUID>?

    /// Creates the input.
    public init(username: String? = nil, password: String? = nil, deviceId: Nullable<UUID>? = nil) {
        self.username = username
        self.password = password
        self.deviceId = deviceId
    }
}
