import Foundation

/// A named set of permissions: a predefined profile or a provider's own.
public struct Role: Codable, Sendable, Hashable {
    /// Identifier.
    public var id: UUID
    /// The owning provider; `nil` for predefined profiles.
    public var providerId: UUID?
    /// Stable key (`noc`, `viewer`, or the provider's own).
    public var key: String
    /// Display name.
    public var name: String
    /// Description.
    public var description: String?
    /// Permissions carried.
    public var permissions: [Permission]
    /// Whether it is one of the predefined profiles (read-only).
    public var predefined: Bool { providerId == nil }

    /// Creates a role value.
    public init(id: UUID, providerId: UUID?, key: String, name: String, description: String?, permissions: [Permission]) {
        self.id = id
        self.providerId = providerId
        self.key = key
        self.name = name
        self.description = description
        self.permissions = permissions
    }

    enum CodingKeys: String, CodingKey { case id, providerId, key, name, description, permissions, predefined }

    /// Encodes including `predefined`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(providerId, forKey: .providerId)
        try container.encode(key, forKey: .key)
        try container.encode(name, forKey: .name)
        try container.encode(description, forKey: .description)
        try container.encode(permissions, forKey: .permissions)
        try container.encode(predefined, forKey: .predefined)
    }

    /// Decodes a role.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(UUID.self, forKey: .id)
        providerId = try container.decodeIfPresent(UUID.self, forKey: .providerId)
        key = try container.decode(String.self, forKey: .key)
        name = try container.decode(String.self, forKey: .name)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        permissions = try container.decode([Permission].self, forKey: .permissions)
    }
}

/// Fields of a provider's role for create (key, name required) and update.
public struct RoleInput: Codable, Sendable {
    /// Stable key.
    public var key: String?
    /// Display name.
    public var name: String?
    /// Description.
    public var description: String?
    /// Permissions (replaces the list).
    public var permissions: [Permission]?

    /// Creates the input; absent fields stay unchanged on update.
    public init(key: String? = nil, name: String? = nil, description: String? = nil, permissions: [Permission]? = nil) {
        self.key = key
        self.name = name
        self.description = description
        self.permissions = permissions
    }
}
