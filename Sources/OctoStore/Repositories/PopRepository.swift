import Foundation
import OctoCore
import PostgresNIO

extension Transaction {
    /// The tenant's POPs.
    public var pops: PopRepository { PopRepository(tx: self) }
}

/// POPs of the transaction's provider.
public struct PopRepository: Sendable {
    let tx: Transaction

    static func decode(_ row: PostgresRandomAccessRow) throws -> Pop {
        Pop(id: try row.get("id"), providerId: try row.get("provider_id"), name: try row.get("name"),
            code: try row.get("code"), city: try row.get("city"), state: try row.get("state"),
            address: try row.get("address"), notes: try row.get("notes"),
            createdAt: try row.get("created_at"), updatedAt: try row.get("updated_at"))
    }

    /// A page of POPs, optionally filtered by a name fragment.
    public func list(search: String?, page: PageRequest) async throws -> Page<Pop> {
        let pattern = search.map { "%\(LikePattern.escape($0.lowercased()))%" }
        let items = try await tx.query("""
            SELECT * FROM pops WHERE (\(pattern)::text IS NULL OR lower(name) LIKE \(pattern))
            ORDER BY name, id LIMIT \(page.limit) OFFSET \(page.offset)
            """).map(Self.decode)
        let total = try await tx.query("SELECT count(*)::int FROM pops WHERE (\(pattern)::text IS NULL OR lower(name) LIKE \(pattern))")
            .first { try $0.get("count", as: Int.self) } ?? 0
        return Page(items: items, total: total, limit: page.limit, offset: page.offset)
    }

    /// The POP, or ``OctoError/Code/notFound``.
    public func get(_ id: UUID) async throws -> Pop {
        guard let pop = try await tx.query("SELECT * FROM pops WHERE id = \(id)").first(Self.decode) else {
            throw OctoError.notFound("pop")
        }
        return pop
    }

    /// Creates a POP.
    public func create(_ input: PopInput, by actor: Actor) async throws -> Pop {
        guard let name = input.name?.trimmed, !name.isEmpty else { throw OctoError.invalid("name", "name is required") }
        let pop = try await tx.query("""
            INSERT INTO pops (provider_id, name, code, city, state, address, notes)
            VALUES (\(tx.providerID), \(name), \(input.code?.wrapped), \(input.city?.wrapped), \(input.state?.wrapped), \(input.address?.wrapped),
                    \(input.notes?.wrapped))
            RETURNING *
            """).first(Self.decode)!
        try await tx.audit("pop.create", by: actor, target: ("pop", pop.id.lowercased), before: Pop?.none, after: pop)
        return pop
    }

    /// Changes the given fields.
    public func update(_ id: UUID, _ input: PopInput, by actor: Actor) async throws -> Pop {
        let before = try await get(id)
        if let name = input.name, name.trimmed.isEmpty { throw OctoError.invalid("name", "name must not be empty") }
        let after = try await tx.query("""
            UPDATE pops SET name = coalesce(\(input.name?.trimmed), name),
                code = CASE WHEN \(input.code != nil) THEN \(input.code?.wrapped) ELSE code END, city = CASE WHEN \(input.city != nil) THEN \(input.city?.wrapped) ELSE city END,
                state = CASE WHEN \(input.state != nil) THEN \(input.state?.wrapped) ELSE state END, address = CASE WHEN \(input.address != nil) THEN \(input.address?.wrapped) ELSE address END,
                notes = CASE WHEN \(input.notes != nil) THEN \(input.notes?.wrapped) ELSE notes END
            WHERE id = \(id) RETURNING *
            """).first(Self.decode)!
        try await tx.audit("pop.update", by: actor, target: ("pop", id.lowercased), before: before, after: after)
        return after
    }

    /// Deletes the POP; refused while customers or devices still point at it.
    public func delete(_ id: UUID, by actor: Actor) async throws {
        let before = try await get(id)
        try await tx.query("DELETE FROM pops WHERE id = \(id)")
        try await tx.audit("pop.delete", by: actor, target: ("pop", id.lowercased), before: before, after: Pop?.none)
    }
}
