import Foundation
import OctoCore
import OctoStore
import PostgresNIO

extension Transaction {
    /// The provider's discovery ranges.
    public var snmpDiscoveryRanges: DiscoveryRangeRepository { DiscoveryRangeRepository(tx: self) }
}

/// Discovery ranges of the transaction's provider.
public struct DiscoveryRangeRepository: Sendable {
    let tx: Transaction

    static let select = """
        SELECT id, pop_id, cidr::text AS cidr, port, every_seconds, enabled, last_run_at, last_found, last_error, last_icmp,
               last_icmp_only::text[] AS last_icmp_only, created_at
        FROM snmp_discovery_ranges
        """

    static func decode(_ row: PostgresRandomAccessRow) throws -> DiscoveryRange {
        DiscoveryRange(id: try row.column("id"), popId: try row.column("pop_id"), cidr: try row.column("cidr"),
                       port: Int(try row.column("port", as: Int32.self)),
                       everySeconds: try row.column("every_seconds", as: Int32?.self).map(Int.init),
                       enabled: try row.column("enabled"), lastRunAt: try row.column("last_run_at"),
                       lastFound: try row.column("last_found", as: Int32?.self).map(Int.init),
                       lastError: try row.column("last_error"), lastIcmp: try row.column("last_icmp"),
                       lastIcmpOnly: try row.column("last_icmp_only", as: [String].self).map { $0.split(separator: "/").first.map(String.init) ?? $0 },
                       createdAt: try row.column("created_at"))
    }

    /// Every range, by POP and address.
    public func list() async throws -> [DiscoveryRange] {
        try await tx.query("\(unescaped: Self.select) ORDER BY pop_id, cidr, port, id").monitoringRows(Self.decode)
    }

    /// The range, or `notFound`.
    public func get(_ id: UUID) async throws -> DiscoveryRange {
        guard let range = try await tx.query("\(unescaped: Self.select) WHERE id = \(id)").monitoringFirst(Self.decode) else {
            throw OctoError.notFound("discovery range")
        }
        return range
    }

    /// Creates a range under a POP; audited.
    public func create(_ input: DiscoveryRangeInput, by actor: Actor) async throws -> DiscoveryRange {
        guard let pop = input.popId else { throw OctoError.invalid("pop_id", "pop_id is required") }
        guard let text = input.cidr, let range = IPv4Range(text) else {
            throw OctoError.invalid("cidr", "cidr must be an IPv4 network of at most /\(IPv4Range.shortestPrefix) (a.b.c.d/n)")
        }
        let port = input.port ?? 161
        guard (1...65_535).contains(port) else { throw OctoError.invalid("port", "port must be within 1…65535") }
        if let every = input.everySeconds, every < 300 || every > 7 * 86_400 {
            throw OctoError.invalid("every_seconds", "every_seconds must be within 300…604800")
        }
        _ = try await tx.pops.get(pop)
        let id = UUID()
        try await tx.query("""
            INSERT INTO snmp_discovery_ranges (id, provider_id, pop_id, cidr, port, every_seconds, created_at)
            VALUES (\(id), \(tx.providerID), \(pop), \(range.description)::cidr, \(Int32(port)),
                    \(input.everySeconds.map(Int32.init)), \(tx.clock.now))
            """)
        let created = try await get(id)
        try await tx.audit("snmp_discovery_range.create", by: actor, target: ("snmp_discovery_range", id.lowercased),
                           before: DiscoveryRange?.none, after: created)
        return created
    }

    /// Deletes a range; audited.
    public func delete(_ id: UUID, by actor: Actor) async throws {
        let before = try await get(id)
        try await tx.query("DELETE FROM snmp_discovery_ranges WHERE id = \(id)")
        try await tx.audit("snmp_discovery_range.delete", by: actor, target: ("snmp_discovery_range", id.lowercased),
                           before: before, after: DiscoveryRange?.none)
    }

    /// Enabled scheduled ranges whose last sweep is at least their interval old.
    func due(at now: Date) async throws -> [DiscoveryRange] {
        try await tx.query("""
            \(unescaped: Self.select) WHERE enabled AND every_seconds IS NOT NULL
              AND (last_run_at IS NULL OR last_run_at + make_interval(secs => every_seconds) <= \(now))
            """).monitoringRows(Self.decode)
    }

    /// Records a sweep's result.
    func finish(_ id: UUID, found: Int?, error: String?, icmp: String = "off", icmpOnly: [String] = []) async throws {
        try await tx.query("""
            UPDATE snmp_discovery_ranges SET last_run_at = \(tx.clock.now), last_found = \(found.map { Int32(clamping: $0) }),
                last_error = \(error), last_icmp = \(icmp), last_icmp_only = \(icmpOnly)::inet[] WHERE id = \(id)
            """)
    }
}
