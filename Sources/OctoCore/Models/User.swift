import Foundation

/// A person who signs in.
public struct User: Codable, Sendable, Hashable {
    /// Whether the account may sign in: `invited` accounts wait for their owner to accept the e-mailed
    /// invitation and choose a password.
    public enum Status: String, Codable, Sendable, CaseIterable { case active, disabled, invited }
    /// Interface language.
    public enum Locale: String, Codable, Sendable, CaseIterable {
        case ptBR = "pt-BR"
        case en
    }
    /// Identifier.
    public var id: UUID
    /// Provider; `nil` for Global Admins.
    public var providerId: UUID?
    /// Login e-mail, unique across the platform.
    public var email: String
    /// Display name.
    public var name: String
    /// Role id.
    public var roleId: UUID
    /// Role key.
    public var roleKey: String
    /// Account state.
    public var status: Status
    /// Interface language.
    public var locale: Locale
    /// Whether TOTP is required at sign-in.
    public var totpEnabled: Bool
    /// Last successful sign-in.
    public var lastLoginAt: Date?
    /// Per-user grants beyond the role.
    public var grants: [Permission]
    /// Per-user revocations of the role's permissions.
    public var revocations: [Permission]
    /// Creation time.
    public var createdAt: Date

    /// Creates a user value.
    public init(id: UUID, providerId: UUID?, email: String, name: String, roleId: UUID, roleKey: String, status: Status, locale: Locale, totpEnabled: Bool, lastLoginAt: Date?, grants: [Permission], revocations: [Permission], createdAt: Date) {
        self.id = id
        self.providerId = providerId
        self.email = email
        self.name = name
        self.roleId = roleId
        self.roleKey = roleKey
        self.status = status
        self.locale = locale
        self.totpEnabled = totpEnabled
        self.lastLoginAt = lastLoginAt
        self.grants = grants
        self.revocations = revocations
        self.createdAt = createdAt
    }
}

/// Fields of a user for create (email, password and role required) and update.
public struct UserInput: Codable, Sendable {
    /// Login e-mail.
    public var email: String?
    /// Display name.
    public var name: String?
    /// Initial or new password (at least 10 characters).
    public var password: String?
    /// On create only, instead of `password`: the provider's e-mail channel that sends the person an
    /// invitation to choose their own password; the user is `invited` until they do.
    public var inviteViaChannelId: UUID?
    /// Role by id.
    public var roleId: UUID?
    /// Role by key (predefined or the provider's own).
    public var roleKey: String?
    /// Account state.
    public var status: User.Status?
    /// Interface language.
    public var locale: User.Locale?
    /// Grants beyond the role (replaces the list).
    public var grants: [Permission]?
    /// Revocations of the role's permissions (replaces the list).
    public var revocations: [Permission]?
    /// The caller's current password: required when users change their own password or e-mail.
    /// Checked, never stored.
    public var currentPassword: String?

    /// Creates the input; absent fields stay unchanged on update.
    public init(email: String? = nil, name: String? = nil, password: String? = nil, inviteViaChannelId: UUID? = nil, roleId: UUID? = nil, roleKey: String? = nil, status: User.Status? = nil, locale: User.Locale? = nil, grants: [Permission]? = nil, revocations: [Permission]? = nil, currentPassword: String? = nil) {
        self.email = email
        self.name = name
        self.password = password
        self.inviteViaChannelId = inviteViaChannelId
        self.roleId = roleId
        self.roleKey = roleKey
        self.status = status
        self.locale = locale
        self.grants = grants
        self.revocations = revocations
        self.currentPassword = currentPassword
    }
}
