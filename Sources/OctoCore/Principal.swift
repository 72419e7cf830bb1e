import Foundation

/// Who performs a unit of work, resolved from an access token or an API key.
public struct Principal: Sendable, Hashable {
    /// How the principal authenticated.
    public enum Kind: String, Sendable, Codable {
        /// A person with a login.
        case user
        /// An integration using a provider API key.
        case apiKey = "api_key"
    }

    /// User or API key.
    public var kind: Kind
    /// The user's or API key's id.
    public var id: UUID
    /// E-mail for users, key name for API keys; recorded in the audit log.
    public var label: String
    /// The provider the principal belongs to; `nil` for Global Admins.
    public var providerID: UUID?
    /// The role's key.
    public var roleKey: String
    /// The effective permissions: the role's, plus grants, minus revocations.
    public var permissions: Set<Permission>

    /// Creates a principal.
    public init(kind: Kind, id: UUID, label: String, providerID: UUID?, roleKey: String, permissions: Set<Permission>) {
        self.kind = kind
        self.id = id
        self.label = label
        self.providerID = providerID
        self.roleKey = roleKey
        self.permissions = permissions
    }

    /// Whether the principal works across providers.
    public var isGlobalAdmin: Bool { providerID == nil && roleKey == PredefinedRole.globalAdmin.key }

    /// Whether the principal holds `permission`.
    public func has(_ permission: Permission) -> Bool { permissions.contains(permission) }

    /// Throws ``OctoError/Code/forbidden`` unless the principal holds `permission`.
    public func require(_ permission: Permission) throws(OctoError) {
        guard has(permission) else { throw OctoError.forbidden(permission) }
    }

    /// Effective permissions from a role's set and per-user grants and revocations.
    public static func effectivePermissions(role: Set<Permission>, grants: Set<Permission>, revocations: Set<Permission>) -> Set<Permission> {
        role.union(grants).subtracting(revocations)
    }
}
