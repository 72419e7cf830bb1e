import Foundation
import OctoCore
import PostgresNIO

extension Transaction {
    /// Providers: all of them on the global path, the own one in a tenant transaction.
    public var providers: ProviderRepository { ProviderRepository(tx: self) }
}

/// Providers visible in the transaction.
public struct ProviderRepository: Sendable {
    let tx: Transaction

    static func decode(_ row: PostgresRandomAccessRow) throws -> Provider {
        Provider(id: try row.get("id"), slug: try row.get("slug"), name: try row.get("name"), document: try row.get("document"),
                 large: try row.get("large"), status: Provider.Status(rawValue: try row.get("status")) ?? .suspended,
                 cwmpRequireTlsForBasic: try row.get("cwmp_require_tls_for_basic"), createdAt: try row.get("created_at"), updatedAt: try row.get("updated_at"))
    }

    /// A page of providers.
    public func list(search: String?, page: PageRequest) async throws -> Page<Provider> {
        let pattern = search.map { "%\(LikePattern.escape($0.lowercased()))%" }
        let items = try await tx.query("""
            SELECT * FROM providers WHERE (\(pattern)::text IS NULL OR lower(name) LIKE \(pattern) OR slug LIKE \(pattern))
            ORDER BY name LIMIT \(page.limit) OFFSET \(page.offset)
            """).map(Self.decode)
        let total = try await tx.query("""
            SELECT count(*)::int AS count FROM providers WHERE (\(pattern)::text IS NULL OR lower(name) LIKE \(pattern) OR slug LIKE \(pattern))
            """).first { try $0.get("count", as: Int.self) } ?? 0
        return Page(items: items, total: total, limit: page.limit, offset: page.offset)
    }

    /// The provider, or ``OctoError/Code/notFound``.
    public func get(_ id: UUID) async throws -> Provider {
        guard let provider = try await tx.query("SELECT * FROM providers WHERE id = \(id)").first(Self.decode) else {
            throw OctoError.notFound("provider")
        }
        return provider
    }

    /// Creates a provider (global path only).
    public func create(_ input: ProviderInput, by actor: Actor) async throws -> Provider {
        let provider = try await tx.query("""
            INSERT INTO providers (slug, name, document, large, status, cwmp_require_tls_for_basic)
            VALUES (\(input.slug), \(input.name.trimmed), \(input.document), \(input.large ?? false), \(input.status?.rawValue ?? "active"),
                    \(input.cwmpRequireTlsForBasic ?? false))
            RETURNING *
            """).first(Self.decode)!
        try await tx.audit("provider.create", by: actor, target: ("provider", provider.id.lowercased), before: Provider?.none, after: provider)
        return provider
    }

    /// Changes a provider.
    public func update(_ id: UUID, _ input: ProviderPatch, by actor: Actor) async throws -> Provider {
        let before = try await get(id)
        let after = try await tx.query("""
            UPDATE providers SET name = coalesce(\(input.name?.trimmed), name), document = coalesce(\(input.document), document),
                large = coalesce(\(input.large), large), status = coalesce(\(input.status?.rawValue), status),
                cwmp_require_tls_for_basic = coalesce(\(input.cwmpRequireTlsForBasic), cwmp_require_tls_for_basic)
            WHERE id = \(id) RETURNING *
            """).first(Self.decode)!
        try await tx.audit("provider.update", by: actor, target: ("provider", id.lowercased), before: before, after: after)
        return after
    }

    /// Suspends a provider: its users can no longer sign in and its devices are refused. Providers are
    /// never deleted, so their audit chain stays whole.
    public func suspend(_ id: UUID, by actor: Actor) async throws -> Provider {
        try await update(id, ProviderPatch(name: nil, document: nil, large: nil, status: .suspended), by: actor)
    }
}
