import ACS
import CPESimulator
import CWMP
import Foundation
import OctoCore
import OctoStore
import PostgresNIO

/// The benchmark provider, its CPE credential and its devices, written with SQL so the storm measures
/// the steady-state BOOT path (devices registered and their trees discovered beforehand).
struct Seed {
    let database: Database
    let models: [DataModel]

    /// Creates a provider with one CPE credential; returns its slug and id.
    func provider(username: String, password: String) async throws -> (slug: String, id: UUID) {
        let slug = "storm-\(UInt32.random(in: 0...UInt32.max))"
        let provider = try await database.withGlobal { tx in
            try await tx.providers.create(ProviderInput(slug: slug, name: "Reboot storm"), by: .system)
        }
        _ = try await database.withTenant(provider.id) { tx in
            try await tx.cwmpCredentials.create(username: username, password: password, realm: ACSConfiguration().realm, by: .system)
        }
        return (slug, provider.id)
    }

    /// Registers CPEs `cpes` (see ``Storm/cpe(_:models:)``) as devices whose tree is discovered and
    /// whose last session ended (its lease row released, as every device has one after its first
    /// session), in batches of 20,000 per statement, then analyzes the tables as their owner
    /// (`owner`: the planner of the storm's statements sees 20,000 devices, not the empty tables of
    /// the migration).
    func devices(_ cpes: Range<Int>, provider: UUID, owner: DatabaseURL) async throws {
        for (m, model) in models.enumerated() {
            let serials = cpes.filter { $0 % models.count == m }.map { Storm.cpe($0, models: models).model.identity.serialNumber }
            for start in stride(from: 0, to: serials.count, by: 20_000) {
                let batch = Array(serials[start..<min(serials.count, start + 20_000)])
                _ = try await database.withGlobal(acting: provider) { tx in
                    try await tx.query("""
                        WITH registered AS (
                            INSERT INTO devices (provider_id, name, kind, vendor, model, serial_number, oui, product_class, status, last_seen_at)
                            SELECT \(provider), \(model.identity.productClass) || ' ' || s, 'cpe', \(model.identity.manufacturer),
                                   \(model.identity.productClass), s, \(model.identity.oui), \(model.identity.productClass), 'pending', now()
                            FROM unnest(\(batch)::text[]) AS s
                            RETURNING id
                        )
                        , discovered AS (
                            INSERT INTO cwmp_devices (provider_id, device_id, root, cwmp_version, last_inform_at, informs, discovered_at)
                            SELECT \(provider), id, \(model.root), \(CWMPVersion.v1_0.namespace), now(), 1, now() FROM registered
                        )
                        INSERT INTO cwmp_sessions (provider_id, device_id, token, started_at, expires_at)
                        SELECT \(provider), id, 'seeded', now(), '-infinity' FROM registered
                        """)
                }
            }
        }
        // Only the owner may analyze (anyone else gets a warning and no statistics).
        let connection = try await PostgresConnection.connect(configuration: owner.connectionConfiguration(), id: 1, logger: logger)
        do {
            try await connection.query("ANALYZE devices, cwmp_devices, cwmp_sessions", logger: logger)
            var analyzed = 0
            for try await count in try await connection.query("""
                SELECT count(*)::int FROM pg_stat_user_tables
                WHERE relname IN ('devices', 'cwmp_devices', 'cwmp_sessions') AND last_analyze IS NOT NULL
                """, logger: logger).decode(Int.self) { analyzed = count }
            guard analyzed == 3 else { throw StormConnection.Failure(description: "ANALYZE left \(3 - analyzed) of the seeded tables without statistics") }
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }

    /// Informs stored and session leases left in `provider`.
    func leftovers(provider: UUID) async throws -> (informs: Int, leases: Int) {
        try await database.withTenant(provider) { tx in
            var counts: [Int] = []
            for try await row in try await tx.query("SELECT (SELECT count(*) FROM cwmp_informs)::int, (SELECT count(*) FROM cwmp_sessions WHERE expires_at > '-infinity')::int") {
                let (informs, leases) = try row.decode((Int, Int).self)
                counts = [informs, leases]
            }
            return (counts.first ?? 0, counts.last ?? 0)
        }
    }
}
