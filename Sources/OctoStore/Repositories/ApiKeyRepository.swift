import Foundation
import OctoCore
import PostgresNIO

extension Transaction {
    /// The tenant's API keys.
    public var apiKeys: ApiKeyRepository { ApiKeyRepository(tx: self) }
}

/// API keys of the transaction's provider. Only a hash of each secret is stored.
public struct ApiKeyRepository: Sendable {
    let tx: Transaction

    static func decode(_ row: PostgresRandomAccessRow) throws -> ApiKey {
        ApiKey(id: try row.get("id"), providerId: try row.get("provider_id"), name: try row.get("name"),
               prefix: try row.get("prefix"), roleId: try row.get("role_id"), createdAt: try row.get("created_at"),
               expiresAt: try row.get("expires_at"), lastUsedAt: try row.get("last_used_at"), revokedAt: try row.get("revoked_at"))
    }

    /// All keys, newest first.
    public func list() async throws -> [ApiKey] {
        try await tx.query("SELECT * FROM api_keys ORDER BY created_at DESC, id").map(Self.decode)
    }

    /// The key, or ``OctoError/Code/notFound``.
    public func get(_ id: UUID) async throws -> ApiKey {
        guard let key = try await tx.query("SELECT * FROM api_keys WHERE id = \(id)").first(Self.decode) else {
            throw OctoError.notFound("api key")
        }
        return key
    }

    /// Stores a new key.
    public func create(name: String, prefix: String, secretHash: Data, roleId: UUID, expiresAt: Date?, by actor: Actor) async throws -> ApiKey {
        guard !name.trimmed.isEmpty else { throw OctoError.invalid("name", "name is required") }
        let key = try await tx.query("""
            INSERT INTO api_keys (provider_id, name, prefix, secret_hash, role_id, role_owner_id, created_by, expires_at)
            VALUES (\(tx.providerID), \(name.trimmed), \(prefix), \(secretHash), \(roleId),
                    (SELECT owner_id FROM roles WHERE id = \(roleId)), \(actor.id), \(expiresAt))
            RETURNING *
            """).first(Self.decode)!
        try await tx.audit("api_key.create", by: actor, target: ("api_key", key.id.lowercased), before: ApiKey?.none, after: key)
        return key
    }

    /// Revokes the key; it stops working at once.
    public func revoke(_ id: UUID, by actor: Actor) async throws {
        let before = try await get(id)
        try await tx.query("UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = \(id)")
        let after = try await get(id)
        try await tx.audit("api_key.revoke", by: actor, target: ("api_key", id.lowercased), before: before, after: after)
    }

    /// The principal for a valid key whose secret hashes to `secretHash`; records its use.
    public func authenticate(_ id: UUID, secretHash: Data) async throws -> Principal? {
        guard let row = try await tx.query("""
            SELECT k.id, k.name, k.provider_id, k.secret_hash, r.key AS role_key, r.permissions
            FROM api_keys k JOIN roles r ON r.id = k.role_id
            WHERE k.id = \(id) AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
            """).first({ $0 }) else { return nil }
        let stored = try row.get("secret_hash", as: Data.self)
        guard ConstantTime.equal(stored, secretHash) else { return nil }
        try await tx.query("UPDATE api_keys SET last_used_at = now() WHERE id = \(id) AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')")
        let permissions = Set(try row.get("permissions", as: [String].self).compactMap(Permission.init(key:)))
        return Principal(kind: .apiKey, id: try row.get("id"), label: try row.get("name"), providerID: try row.get("provider_id"),
                         roleKey: try row.get("role_key"), permissions: permissions)
    }
}

/// Comparison that takes the same time whatever the contents.
public enum ConstantTime {
    /// Whether two byte strings are equal, without early exit.
    public static func equal(_ a: Data, _ b: Data) -> Bool {
        let a = Array(a), b = Array(b)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
