import Foundation
import OctoCore
import PostgresNIO

extension Transaction {
    /// Predefined roles and the tenant's own.
    public var roles: RoleRepository { RoleRepository(tx: self) }
}

/// Roles visible to the transaction's provider: the predefined profiles (read-only) and its own.
public struct RoleRepository: Sendable {
    let tx: Transaction

    static func decode(_ row: PostgresRandomAccessRow) throws -> Role {
        Role(id: try row.get("id"), providerId: try row.get("provider_id"), key: try row.get("key"),
             name: try row.get("name"), description: try row.get("description"),
             permissions: try row.get("permissions", as: [String].self).compactMap(Permission.init(key:)))
    }

    /// All visible roles, predefined first.
    public func list() async throws -> [Role] {
        try await tx.query("SELECT * FROM roles ORDER BY provider_id NULLS FIRST, key").map(Self.decode)
    }

    /// The role, or ``OctoError/Code/notFound``.
    public func get(_ id: UUID) async throws -> Role {
        guard let role = try await tx.query("SELECT * FROM roles WHERE id = \(id)").first(Self.decode) else {
            throw OctoError.notFound("role")
        }
        return role
    }

    /// The visible role with this key; the provider's own wins over a predefined one.
    public func get(key: String) async throws -> Role {
        guard let role = try await tx.query("SELECT * FROM roles WHERE key = \(key) ORDER BY provider_id NULLS LAST LIMIT 1")
            .first(Self.decode) else {
            throw OctoError.invalid("role_key", "unknown role '\(key)'")
        }
        return role
    }

    /// Creates one of the provider's own roles.
    public func create(_ input: RoleInput, by actor: Actor) async throws -> Role {
        guard let key = input.key, !key.isEmpty else { throw OctoError.invalid("key", "key is required") }
        guard PredefinedRole(rawValue: key) == nil else { throw OctoError(.conflict, "'\(key)' is a predefined role", field: "key") }
        guard let name = input.name?.trimmed, !name.isEmpty else { throw OctoError.invalid("name", "name is required") }
        let permissions = (input.permissions ?? []).map(\.key).sorted()
        let role = try await tx.query("""
            INSERT INTO roles (provider_id, key, name, description, permissions)
            VALUES (\(tx.providerID), \(key), \(name), \(input.description), \(permissions)) RETURNING *
            """).first(Self.decode)!
        try await tx.audit("role.create", by: actor, target: ("role", role.id.lowercased), before: Role?.none, after: role)
        return role
    }

    /// Changes one of the provider's own roles; predefined roles are read-only.
    public func update(_ id: UUID, _ input: RoleInput, by actor: Actor) async throws -> Role {
        let before = try await get(id)
        guard !before.predefined else { throw OctoError(.forbidden, "predefined roles cannot be changed") }
        let permissions = input.permissions.map { $0.map(\.key).sorted() }
        guard let after = try await tx.query("""
            UPDATE roles SET name = coalesce(\(input.name?.trimmed), name), description = coalesce(\(input.description), description),
                permissions = coalesce(\(permissions)::text[], permissions)
            WHERE id = \(id) RETURNING *
            """).first(Self.decode) else { throw OctoError.notFound("role") }
        try await tx.audit("role.update", by: actor, target: ("role", id.lowercased), before: before, after: after)
        return after
    }

    /// Deletes one of the provider's own roles; refused while users or keys hold it.
    public func delete(_ id: UUID, by actor: Actor) async throws {
        let before = try await get(id)
        guard !before.predefined else { throw OctoError(.forbidden, "predefined roles cannot be deleted") }
        try await tx.query("DELETE FROM roles WHERE id = \(id)")
        try await tx.audit("role.delete", by: actor, target: ("role", id.lowercased), before: before, after: Role?.none)
    }
}
