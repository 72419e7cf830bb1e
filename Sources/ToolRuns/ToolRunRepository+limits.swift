import Foundation
import OctoCore
import OctoStore
import PostgresNIO

/// The provider's tool limits as the API shows them.
public struct ToolLimitsView: Sendable, Hashable, Codable {
    /// Runs queued or running at once.
    public var maxActive: Int
    /// Runs created per minute.
    public var maxPerMinute: Int
    /// `provider` when the provider has its own, `default` when the process defaults apply.
    public var source: String
    public var updatedAt: Date?
    public var updatedBy: String?
}

/// The body of `PUT /tool-limits`.
public struct ToolLimitsInput: Decodable, Sendable {
    public var maxActive: Int
    public var maxPerMinute: Int

    /// Checks the bounds; 400 naming the field.
    public func validate() throws(OctoError) {
        guard (1...100).contains(maxActive) else { throw .invalid("max_active", "max_active must be between 1 and 100") }
        guard (1...1000).contains(maxPerMinute) else { throw .invalid("max_per_minute", "max_per_minute must be between 1 and 1000") }
    }
}

extension ToolRunRepository {
    /// The provider's own limits, or `fallback` (the process defaults).
    public func limits(fallback: ToolLimits) async throws -> ToolLimitsView {
        for try await row in try await tx.query("SELECT max_active, max_per_minute, updated_at, updated_by FROM tool_limits") {
            let (active, perMinute, at, by) = try row.decode((Int, Int, Date, String).self)
            return ToolLimitsView(maxActive: active, maxPerMinute: perMinute, source: "provider", updatedAt: at, updatedBy: by)
        }
        return ToolLimitsView(maxActive: fallback.maxActive, maxPerMinute: fallback.maxPerMinute, source: "default")
    }

    /// Sets the provider's own limits; audited.
    public func setLimits(_ input: ToolLimitsInput, fallback: ToolLimits, by actor: Actor) async throws -> ToolLimitsView {
        try input.validate()
        let before = try await limits(fallback: fallback)
        let by = actor.label ?? actor.type.rawValue
        guard let provider = tx.providerID else { throw OctoError.invalid("provider_id", "limits belong to a provider") }
        try await tx.query("""
            INSERT INTO tool_limits (provider_id, max_active, max_per_minute, updated_at, updated_by)
            VALUES (\(provider), \(input.maxActive), \(input.maxPerMinute), \(tx.clock.now), \(by))
            ON CONFLICT (provider_id) DO UPDATE SET max_active = EXCLUDED.max_active, max_per_minute = EXCLUDED.max_per_minute,
                updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
            """)
        let after = try await limits(fallback: fallback)
        try await tx.audit("tool_limits.update", by: actor, target: ("provider", provider.lowercased), before: before, after: after)
        return after
    }
}
