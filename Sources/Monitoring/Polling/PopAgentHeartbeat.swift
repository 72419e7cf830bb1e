import Foundation
import Logging
import OctoCore
import PostgresNIO
import OctoStore
import ServiceLifecycle

/// Tells the schedulers that an agent polls a POP's devices: every ``interval`` it stamps its row in
/// `snmp_pop_agents`, so cycles route the POP's polls to `snmp-pop-<pop id>`; the row is removed at
/// graceful shutdown, and a crashed agent's row goes stale after ``SNMPQueues/agentFreshness``, after
/// which the POP's devices fall back to the shared queue.
public struct PopAgentHeartbeat: Service {
    let database: Database
    let provider: UUID
    let pop: UUID
    let agent: String
    let interval: Duration
    let logger: Logger

    /// Creates the heartbeat of agent `agent` for `pop`.
    public init(database: Database, provider: UUID, pop: UUID, agent: String, interval: Duration = .seconds(30), logger: Logger) {
        self.database = database
        self.provider = provider
        self.pop = pop
        self.agent = agent
        self.interval = interval
        self.logger = logger
    }

    /// Stamps the row until graceful shutdown, then removes it.
    public func run() async throws {
        await repeatUntilShutdown(every: interval, logger: logger, failure: "agent heartbeat failed", level: .warning) {
            try await beat()
        }
        do {
            try await database.withTenant(provider) { tx in
                _ = try await tx.query("DELETE FROM snmp_pop_agents WHERE pop_id = \(pop) AND agent = \(agent)")
            }
        } catch {
            // The row ages out (its last_seen_at stops moving); the failure is still said.
            logger.error("agent row not removed at shutdown", metadata: ["error": "\(error)"])
        }
    }

    /// Stamps the row once.
    public func beat() async throws {
        try await database.withTenant(provider) { tx in
            try await tx.query("""
                INSERT INTO snmp_pop_agents (provider_id, pop_id, agent, last_seen_at) VALUES (\(provider), \(pop), \(agent), \(tx.clock.now))
                ON CONFLICT (provider_id, pop_id, agent) DO UPDATE SET last_seen_at = excluded.last_seen_at
                """)
        }
    }

    /// Finds a POP by id or by code (`--pop`), with the provider named by slug when a code is given.
    public static func resolve(pop text: String, providerSlug: String?, database: Database) async throws -> (provider: UUID, pop: UUID) {
        try await database.withGlobal { tx in
            if let id = UUID(uuidString: text) {
                guard let provider = try await tx.query("SELECT provider_id FROM pops WHERE id = \(id)")
                    .monitoringFirst({ try $0.column("provider_id", as: UUID.self) }) else { throw OctoError.notFound("pop") }
                return (provider, id)
            }
            guard let providerSlug else { throw OctoError.invalid("provider", "--provider SLUG is needed to find a POP by code") }
            guard let row = try await tx.query("""
                SELECT p.provider_id, p.id FROM pops p JOIN providers v ON v.id = p.provider_id
                WHERE v.slug = \(providerSlug) AND (p.code = \(text) OR p.name = \(text))
                """).monitoringFirst({ (try $0.column("provider_id", as: UUID.self), try $0.column("id", as: UUID.self)) }) else {
                throw OctoError.notFound("pop")
            }
            return row
        }
    }
}
