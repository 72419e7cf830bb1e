import Foundation
import OctoCore
import PostgresNIO

extension Transaction {
    /// Users of the tenant (or, on the global path, Global Admins).
    public var users: UserRepository { UserRepository(tx: self) }
}

/// What sign-in needs to know about a user.
public struct UserCredentials: Sendable {
    /// The user's id.
    public var id: UUID
    /// Provider, `nil` for Global Admins.
    public var providerId: UUID?
    /// Login e-mail.
    public var email: String
    /// Password hash.
    public var passwordHash: String
    /// Sealed TOTP secret.
    public var totpSecret: String?
    /// Whether TOTP is required.
    public var totpEnabled: Bool
    /// Account state.
    public var status: User.Status
}

/// Users visible in the transaction.
public struct UserRepository: Sendable {
    let tx: Transaction

    static let select = """
        SELECT u.*, r.key AS role_key,
            coalesce((SELECT array_agg(permission_key ORDER BY permission_key) FROM user_permissions p
                      WHERE p.user_id = u.id AND p.effect = 'grant'), '{}') AS grants,
            coalesce((SELECT array_agg(permission_key ORDER BY permission_key) FROM user_permissions p
                      WHERE p.user_id = u.id AND p.effect = 'revoke'), '{}') AS revocations
        FROM users u JOIN roles r ON r.id = u.role_id
        """

    static func decode(_ row: PostgresRandomAccessRow) throws -> User {
        User(id: try row.get("id"), providerId: try row.get("provider_id"), email: try row.get("email"),
             name: try row.get("name"), roleId: try row.get("role_id"), roleKey: try row.get("role_key"),
             status: User.Status(rawValue: try row.get("status")) ?? .disabled,
             locale: User.Locale(rawValue: try row.get("locale")) ?? .ptBR,
             totpEnabled: try row.get("totp_enabled"), lastLoginAt: try row.get("last_login_at"),
             grants: try row.get("grants", as: [String].self).compactMap(Permission.init(key:)),
             revocations: try row.get("revocations", as: [String].self).compactMap(Permission.init(key:)),
             createdAt: try row.get("created_at"))
    }

    /// A page of users, optionally filtered by e-mail or name.
    public func list(search: String?, page: PageRequest) async throws -> Page<User> {
        let pattern = search.map { "%\(LikePattern.escape($0.lowercased()))%" }
        let items = try await tx.query("""
            \(unescaped: Self.select)
            WHERE (\(pattern)::text IS NULL OR lower(u.email) LIKE \(pattern) OR lower(u.name) LIKE \(pattern))
            ORDER BY u.email LIMIT \(page.limit) OFFSET \(page.offset)
            """).map(Self.decode)
        let total = try await tx.query("""
            SELECT count(*)::int AS count FROM users u
            WHERE (\(pattern)::text IS NULL OR lower(u.email) LIKE \(pattern) OR lower(u.name) LIKE \(pattern))
            """).first { try $0.get("count", as: Int.self) } ?? 0
        return Page(items: items, total: total, limit: page.limit, offset: page.offset)
    }

    /// The user, or ``OctoError/Code/notFound``.
    public func get(_ id: UUID) async throws -> User {
        guard let user = try await tx.query("\(unescaped: Self.select) WHERE u.id = \(id)").first(Self.decode) else {
            throw OctoError.notFound("user")
        }
        return user
    }

    /// Sign-in data of the user.
    public func credentials(_ id: UUID) async throws -> UserCredentials? {
        try await tx.query("SELECT id, provider_id, email, password_hash, totp_secret, totp_enabled, status FROM users WHERE id = \(id)")
            .first { row in
                UserCredentials(id: try row.get("id"), providerId: try row.get("provider_id"), email: try row.get("email"),
                                passwordHash: try row.get("password_hash"), totpSecret: try row.get("totp_secret"),
                                totpEnabled: try row.get("totp_enabled"),
                                status: User.Status(rawValue: try row.get("status")) ?? .disabled)
            }
    }

    /// The principal for an active user: role permissions plus grants minus revocations.
    public func principal(_ id: UUID) async throws -> Principal? {
        try await tx.query("""
            SELECT u.id, u.email, u.provider_id, u.status, r.key AS role_key, r.permissions,
                coalesce((SELECT array_agg(permission_key) FROM user_permissions p WHERE p.user_id = u.id AND p.effect = 'grant'), '{}') AS grants,
                coalesce((SELECT array_agg(permission_key) FROM user_permissions p WHERE p.user_id = u.id AND p.effect = 'revoke'), '{}') AS revocations
            FROM users u JOIN roles r ON r.id = u.role_id WHERE u.id = \(id)
            """).first { row -> Principal? in
                guard try row.get("status", as: String.self) == User.Status.active.rawValue else { return nil }
                let permissions = { (column: String) throws -> Set<Permission> in
                    Set(try row.get(column, as: [String].self).compactMap(Permission.init(key:)))
                }
                return Principal(kind: .user, id: try row.get("id"), label: try row.get("email"),
                                 providerID: try row.get("provider_id"), roleKey: try row.get("role_key"),
                                 permissions: Principal.effectivePermissions(role: try permissions("permissions"),
                                                                             grants: try permissions("grants"),
                                                                             revocations: try permissions("revocations")))
            } ?? nil
    }

    /// The effective permissions of a user whatever their state (`nil` when not visible): what
    /// an administrator must hold to change them.
    public func effectivePermissions(_ id: UUID) async throws -> Set<Permission>? {
        try await tx.query("""
            SELECT r.permissions,
                coalesce((SELECT array_agg(permission_key) FROM user_permissions p WHERE p.user_id = u.id AND p.effect = 'grant'), '{}') AS grants,
                coalesce((SELECT array_agg(permission_key) FROM user_permissions p WHERE p.user_id = u.id AND p.effect = 'revoke'), '{}') AS revocations
            FROM users u JOIN roles r ON r.id = u.role_id WHERE u.id = \(id)
            """).first { row in
                let permissions = { (column: String) throws -> Set<Permission> in
                    Set(try row.get(column, as: [String].self).compactMap(Permission.init(key:)))
                }
                return Principal.effectivePermissions(role: try permissions("permissions"), grants: try permissions("grants"),
                                                      revocations: try permissions("revocations"))
            }
    }

    /// Records `step` as the user's last accepted second-factor time step, only when it is later than
    /// the one recorded; `false` means the code (or a later one) was already used. Atomic under
    /// concurrent sign-ins: the row lock serialises them and only one sees the update succeed.
    public func claimTOTPStep(_ id: UUID, step: Int64) async throws -> Bool {
        try await tx.query("""
            UPDATE users SET totp_last_step = \(step)
            WHERE id = \(id) AND (totp_last_step IS NULL OR totp_last_step < \(step)) RETURNING id
            """).first { _ in true } ?? false
    }

    /// Creates a user in the transaction's provider (or a Global Admin on the global path).
    public func create(email: String, name: String, passwordHash: String, roleId: UUID, locale: User.Locale, status: User.Status = .active,
                       grants: [Permission], revocations: [Permission], by actor: Actor) async throws -> User {
        let id = try await tx.query("""
            INSERT INTO users (provider_id, email, name, role_id, password_hash, locale, status)
            VALUES (\(tx.providerID), \(email.trimmed), \(name), \(roleId), \(passwordHash), \(locale.rawValue), \(status.rawValue))
            RETURNING id
            """).first { try $0.get("id", as: UUID.self) }!
        try await setPermissions(id, grants: grants, revocations: revocations)
        let user = try await get(id)
        try await tx.audit("user.create", by: actor, target: ("user", id.lowercased), before: User?.none, after: user)
        return user
    }

    /// Changes profile, role, state and per-user permissions; `passwordHash` replaces the password.
    public func update(_ id: UUID, _ input: UserInput, roleId: UUID?, passwordHash: String?, by actor: Actor) async throws -> User {
        let before = try await get(id)
        try await tx.query("""
            UPDATE users SET email = coalesce(\(input.email?.trimmed), email), name = coalesce(\(input.name), name),
                role_id = coalesce(\(roleId), role_id), status = coalesce(\(input.status?.rawValue), status),
                locale = coalesce(\(input.locale?.rawValue), locale), password_hash = coalesce(\(passwordHash), password_hash)
            WHERE id = \(id)
            """)
        if input.grants != nil || input.revocations != nil {
            try await setPermissions(id, grants: input.grants ?? before.grants, revocations: input.revocations ?? before.revocations)
        }
        if passwordHash != nil || input.status == .disabled {
            try await tx.query("UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = \(id) AND revoked_at IS NULL")
        }
        let after = try await get(id)
        try await tx.audit("user.update", by: actor, target: ("user", id.lowercased), before: before, after: after)
        return after
    }

    /// Deletes the user and their sessions.
    public func delete(_ id: UUID, by actor: Actor) async throws {
        let before = try await get(id)
        try await tx.query("DELETE FROM users WHERE id = \(id)")
        try await tx.audit("user.delete", by: actor, target: ("user", id.lowercased), before: before, after: User?.none)
    }

    /// Whether any Global Admin exists (global path only).
    public func globalAdminExists() async throws -> Bool {
        try await tx.query("SELECT count(*)::int AS count FROM users u JOIN roles r ON r.id = u.role_id WHERE r.key = 'global_admin'")
            .first { try $0.get("count", as: Int.self) > 0 } ?? false
    }

    /// Holds, until the transaction ends, the lock under which the first Global Admin is created, so
    /// processes started together create it once.
    public func lockFirstAdminCreation() async throws {
        try await tx.query("SELECT pg_advisory_xact_lock(hashtext('octoisp.bootstrap_admin'))")
    }

    /// Records a successful sign-in.
    public func touchLogin(_ id: UUID) async throws {
        try await tx.query("UPDATE users SET last_login_at = now() WHERE id = \(id)")
    }

    /// Stores a sealed TOTP secret and whether it is active.
    public func setTOTP(_ id: UUID, sealedSecret: String?, enabled: Bool) async throws {
        try await tx.query("UPDATE users SET totp_secret = \(sealedSecret), totp_enabled = \(enabled) WHERE id = \(id)")
    }

    private func setPermissions(_ id: UUID, grants: [Permission], revocations: [Permission]) async throws {
        guard let providerID = tx.providerID else {
            guard grants.isEmpty && revocations.isEmpty else {
                throw OctoError.invalid("grants", "Global Admins hold every permission already")
            }
            return
        }
        if !Set(grants).isDisjoint(with: revocations) {
            throw OctoError.invalid("revocations", "a permission cannot be both granted and revoked")
        }
        try await tx.query("DELETE FROM user_permissions WHERE user_id = \(id)")
        let keys = grants.map(\.key) + revocations.map(\.key)
        let effects = grants.map { _ in "grant" } + revocations.map { _ in "revoke" }
        try await tx.query("""
            INSERT INTO user_permissions (provider_id, user_id, permission_key, effect)
            SELECT \(providerID), \(id), k, e FROM unnest(\(keys)::text[], \(effects)::text[]) AS t(k, e)
            """)
    }
}
