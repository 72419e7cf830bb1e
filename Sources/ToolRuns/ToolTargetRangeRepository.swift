import Foundation
import NetTools
import OctoCore
import OctoStore
import PostgresNIO

/// A network the provider's tools may target.
public struct ToolTargetRange: Sendable, Hashable, Codable {
    public var id: UUID
    public var cidr: String
    /// `own` (the provider's address plan) or `extra` (allowed by an admin).
    public var kind: String
    public var note: String?
    public var createdAt: Date
}

/// `POST /tool-target-ranges`.
public struct ToolTargetRangeInput: Decodable, Sendable {
    public var cidr: String
    public var kind: String?
    public var note: String?
}

extension Transaction {
    /// The tenant's tool target ranges.
    public var toolTargetRanges: ToolTargetRangeRepository { ToolTargetRangeRepository(tx: self) }
}

/// Tool target ranges of the transaction's provider.
public struct ToolTargetRangeRepository: Sendable {
    let tx: Transaction

    private func rows(_ query: PostgresQuery) async throws -> [ToolTargetRange] {
        var result: [ToolTargetRange] = []
        for try await row in try await tx.query(query) {
            let row = row.makeRandomAccess()
            result.append(ToolTargetRange(id: try row["id"].decode(UUID.self), cidr: try row["cidr"].decode(String.self),
                                          kind: try row["kind"].decode(String.self), note: try row["note"].decode(String?.self),
                                          createdAt: try row["created_at"].decode(Date.self)))
        }
        return result
    }

    /// Every range, by network.
    public func list() async throws -> [ToolTargetRange] {
        try await rows("SELECT id, cidr::text AS cidr, kind, note, created_at FROM tool_target_ranges ORDER BY cidr, id")
    }

    /// Adds a range (400 naming the field; never one that overlaps a denied range). Audited.
    public func create(_ input: ToolTargetRangeInput, deny: DenyListPolicy, by actor: Actor) async throws -> ToolTargetRange {
        guard let network = IPNetwork(input.cidr), input.cidr.contains("/") else {
            throw OctoError.invalid("cidr", "cidr must be a network such as 203.0.113.0/24")
        }
        let kind = input.kind ?? "own"
        guard kind == "own" || kind == "extra" else { throw OctoError.invalid("kind", "kind must be own or extra") }
        if let note = input.note, note.count > 500 { throw OctoError.invalid("note", "note must be at most 500 characters") }
        if let denied = deny.deny.first(where: { $0.overlaps(network) }) {
            throw OctoError.invalid("cidr", "\(network) overlaps the denied range \(denied)")
        }
        let existing = try await rows("SELECT id, cidr::text AS cidr, kind, note, created_at FROM tool_target_ranges WHERE cidr = network(\(input.cidr)::inet)")
        guard existing.isEmpty else { throw OctoError(.conflict, "\(network) is already a target range") }
        let created = try await rows("""
            INSERT INTO tool_target_ranges (provider_id, cidr, kind, note, created_at)
            VALUES (\(tx.providerID), network(\(input.cidr)::inet), \(kind), \(input.note), \(tx.clock.now))
            RETURNING id, cidr::text AS cidr, kind, note, created_at
            """)[0]
        try await tx.audit("tool_target_range.create", by: actor, target: ("tool_target_range", created.id.lowercased),
                           before: ToolTargetRange?.none, after: created)
        return created
    }

    /// Removes a range. Audited.
    public func delete(_ id: UUID, by actor: Actor) async throws {
        guard let before = try await rows("SELECT id, cidr::text AS cidr, kind, note, created_at FROM tool_target_ranges WHERE id = \(id)").first else {
            throw OctoError.notFound("tool target range")
        }
        try await tx.query("DELETE FROM tool_target_ranges WHERE id = \(id)")
        try await tx.audit("tool_target_range.delete", by: actor, target: ("tool_target_range", id.lowercased), before: before,
                           after: ToolTargetRange?.none)
    }
}
