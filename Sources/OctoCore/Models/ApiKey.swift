import Foundation

/// A provider's credential for integrations. The secret is shown once, at creation.
public struct ApiKey: Codable, Sendable, Hashable {
    /// Identifier.
    public var id: UUID
    /// Owning provider.
    public var providerId: UUID
    /// Display name.
    public var name: String
    /// Public part of the key, used to find it.
    public var prefix: String
    /// The role whose permissions the key carries.
    public var roleId: UUID
    /// Creation time.
    public var createdAt: Date
    /// Expiry, if any.
    public var expiresAt: Date?
    /// Last use.
    public var lastUsedAt: Date?
    /// Revocation time, if revoked.
    public var revokedAt: Date?

    /// Creates an API key value.
    public init(id: UUID, providerId: UUID, name: String, prefix: String, roleId: UUID, createdAt: Date, expiresAt: Date?, lastUsedAt: Date?, revokedAt: Date?) {
        self.id = id
        self.providerId = providerId
        self.name = name
        self.prefix = prefix
        self.roleId = roleId
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }
}

/// Fields to create an API key.
public struct ApiKeyInput: Codable, Sendable {
    /// Display name.
    public var name: String
    /// Role by key (default `viewer`).
    public var roleKey: String?
    /// Expiry.
    public var expiresAt: Date?

    /// Creates the input; absent fields stay unchanged on update.
    public init(name: String, roleKey: String? = nil, expiresAt: Date? = nil) {
        self.name = name
        self.roleKey = roleKey
        self.expiresAt = expiresAt
    }
}
