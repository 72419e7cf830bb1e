// monitoring-bench: one poller process polls N devices at 127.1.x.y (default 10,000), all answered by
// one snmpd, through the real path: batch enqueue of snmp.poll jobs, PostgreSQL job queue, workers,
// SNMPDevicePoller (system + interfaces), state in PostgreSQL, samples through the ingest pipeline.
//
// Needs OCTOISP_OWNER_DATABASE_URL, DATABASE_URL and OCTOISP_GLOBAL_DATABASE_URL (scripts/postgres.sh)
// and BENCH_SNMP_PORT (the agent's port); works in a fresh database it creates. Tunables: BENCH_DEVICES
// (10000), BENCH_CONCURRENCY (256 polls at once), BENCH_CYCLES (2; the first also identifies devices),
// BENCH_CLAIM_BATCH (free slots worth a claim, 32), BENCH_EXECUTOR (pool: tasks on the Swift runtime's
// pool, not NIO's loops). Each cycle also prints the database work it caused (transactions and rows
// written per device, from pg_stat_database): the profile of where a poll goes.
import Foundation
import Logging
import Monitoring
import OctoCore
import OctoJobs
import OctoMetrics
import OctoStore
import PostgresNIO
import SNMP
#if canImport(Glibc)
import Glibc
#endif

let environment = ProcessInfo.processInfo.environment
func setting(_ name: String, _ fallback: Int) -> Int { environment[name].flatMap(Int.init) ?? fallback }
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
func url(_ name: String) throws -> DatabaseURL {
    guard let text = environment[name] else { throw BenchError("\(name) is not set; source the env file of scripts/postgres.sh") }
    return try DatabaseURL(text)
}
func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}
/// User + system CPU seconds of this process.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

/// Seeds the devices, then runs the cycles.
func benchmark() async throws {
    var logger = Logger(label: "monitoring-bench")
    logger.logLevel = .warning
    let log = logger
    let devices = setting("BENCH_DEVICES", 10_000)
    let concurrency = setting("BENCH_CONCURRENCY", 256)
    let cycles = setting("BENCH_CYCLES", 2)
    let claimBatch = setting("BENCH_CLAIM_BATCH", 32)
    guard let port = environment["BENCH_SNMP_PORT"].flatMap(Int.init) else { throw BenchError("BENCH_SNMP_PORT is not set") }

    let owner = try url("OCTOISP_OWNER_DATABASE_URL")
    let name = "octoisp_pollbench_\(ProcessInfo.processInfo.processIdentifier)"
    let admin = try await PostgresConnection.connect(configuration: owner.with(database: "postgres").connectionConfiguration(), id: 1, logger: log)
    try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name) OWNER octoisp_owner"), logger: log)
    try await admin.closeGracefully()
    try await Migrator(ownerURL: owner.with(database: name), logger: log).migrate()
    let clock = SystemWallClock()
    let database = Database(configuration: .init(app: try url("DATABASE_URL").with(database: name),
                                                 global: try url("OCTOISP_GLOBAL_DATABASE_URL").with(database: name),
                                                 maximumConnections: 16), clock: clock, logger: log)
    let secrets = try SecretBox(keyring: SecretBox.generateKeyring())

    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await database.run() }
        let provider = try await database.withGlobal { tx in
            try await tx.providers.create(ProviderInput(slug: "bench", name: "Bench"), by: .system)
        }.id
        let seedStarted = ContinuousClock.now
        let (pop, credential) = try await database.withTenant(provider) { tx in
            (try await tx.pops.create(PopInput(name: "POP bench"), by: .system),
             try await tx.snmpCredentials.create(SNMPCredentialInput(name: "public", community: "public"), secrets: secrets, by: .system))
        }
        // 10,000 devices per statement, so a 100,000-device seed stays within the statement timeout.
        for first in stride(from: 1, through: devices, by: 10_000) {
            let last = min(first + 9_999, devices)
            try await database.withTenant(provider) { tx in
                try await tx.query("""
                    WITH created AS (
                        INSERT INTO devices (provider_id, pop_id, name, kind, management_ip)
                        SELECT \(provider), \(pop.id), 'bench-' || n, 'server', '127.1.0.0'::inet + n FROM generate_series(\(first), \(last)) n
                        RETURNING id, management_ip)
                    INSERT INTO snmp_devices (provider_id, device_id, address, port, credential_id, created_at, updated_at)
                    SELECT \(provider), id, management_ip, \(Int32(port)), \(credential.id), now(), now() FROM created
                    """)
            }
        }
        print("seeded \(devices) devices at 127.1.0.1… port \(port) in \(String(format: "%.1f", seconds(ContinuousClock.now - seedStarted))) s")

        let queue = PostgresJobQueue(database: database, clock: clock, logger: log)
        let pipeline = MetricsIngestPipeline(database: database, clock: clock, logger: log)
        let client = try await SNMPClient.start()
        let service = SNMPPollService(database: database, queue: queue, poller: SNMPDevicePoller(client: client, catalog: try ProfileCatalog.bundled()),
                                      secrets: secrets, pipeline: pipeline, settings: PollSettings(requestTimeout: .seconds(2), retries: 2),
                                      clock: clock, logger: log)
        var handlers = JobHandlers()
        service.register(in: &handlers)
        let worker = JobWorker(queue: queue, handlers: handlers,
                               configuration: .init(queues: [SNMPQueues.shared], includeDedicated: false, concurrency: concurrency,
                                                    lease: 120, pollInterval: .milliseconds(20), claimBatch: claimBatch),
                               clock: clock, logger: log)
        group.addTask { await pipeline.writers() }
        group.addTask { try await worker.run() }

        let ids = try await database.withTenant(provider) { tx in
            try await tx.query("SELECT device_id FROM snmp_devices").decode(UUID.self).reduce(into: [UUID]()) { $0.append($1) }
        }
        /// Transactions and rows inserted / updated / deleted in the bench database so far.
        func databaseWork() async throws -> [Int64] {
            try await database.withGlobal { tx in
                try await tx.query("SELECT pg_stat_clear_snapshot()")
                return try await tx.query("""
                    SELECT xact_commit, tup_inserted, tup_updated, tup_deleted FROM pg_stat_database WHERE datname = current_database()
                    """).decode((Int64, Int64, Int64, Int64).self).reduce([Int64]()) { [$1.0, $1.1, $1.2, $1.3] }
            }
        }
        for cycle in 1...cycles {
            try await Task.sleep(for: .seconds(1))
            let workBefore = try await databaseWork()
            let startedAt = Date()
            let cpuBefore = cpuSeconds()
            let started = ContinuousClock.now
            let period = Int64(startedAt.timeIntervalSince1970) + Int64(cycle)
            let requests = try ids.map {
                try JobRequest(SNMPPollJob(deviceId: $0, collectors: [.system, .interfaces], period: period), providerID: provider,
                               queue: SNMPQueues.shared, maxAttempts: 3, dedupKey: "snmp.poll:\($0.uuidString.lowercased()):\(period)",
                               orderingKey: $0.uuidString.lowercased())
            }
            _ = try await queue.enqueue(requests)
            let enqueued = ContinuousClock.now - started
            var done = 0
            while done < devices {
                try await Task.sleep(for: .milliseconds(200))
                done = try await database.withTenant(provider) { tx in
                    try await tx.query("SELECT count(*)::int FROM snmp_devices WHERE last_poll_at >= \(startedAt)").decode(Int.self)
                        .reduce(0) { $0 + $1 }
                }
            }
            let elapsed = ContinuousClock.now - started
            let cpu = cpuSeconds() - cpuBefore
            let (up, varbinds) = try await database.withTenant(provider) { tx in
                try await tx.query("SELECT count(*) FILTER (WHERE reachability = 'up')::int, coalesce(sum(last_poll_varbinds), 0)::int8 FROM snmp_devices")
                    .decode((Int, Int64).self).reduce((0, Int64(0))) { $1 }
            }
            print("cycle \(cycle)\(cycle == 1 ? " (with identification)" : ""): \(devices) devices, \(up) up, \(varbinds) varbinds, "
                + "enqueue \(String(format: "%.2f", seconds(enqueued))) s, full cycle \(String(format: "%.1f", seconds(elapsed))) s, "
                + "poller CPU \(String(format: "%.1f", cpu)) s = \(String(format: "%.1f", cpu * 1e6 / Double(max(varbinds, 1)))) µs/varbind, "
                + "\(String(format: "%.0f", Double(varbinds) / seconds(elapsed))) varbinds/s, "
                + "poller CPU per device \(String(format: "%.0f", cpu * 1e6 / Double(devices))) µs")
            // Statistics reach pg_stat_database when a backend's transaction ends (at most every second).
            try await Task.sleep(for: .seconds(2))
            let work = zip(try await databaseWork(), workBefore).map { Double($0 - $1) / Double(devices) }
            print("cycle \(cycle) database work per device: " + String(format: "%.1f transactions, %.1f rows inserted, %.1f updated, %.1f deleted",
                                                                     work[0], work[1], work[2], work[3]))
        }
        let stats = pipeline.statistics
        print("samples submitted to the metrics store: \(stats.samples) in \(stats.batches) batches")
        pipeline.close()
        await client.close()
        group.cancelAll()
    }
}

// As `octoisp serve` does: Swift tasks run on NIO's event loops. BENCH_EXECUTOR=pool keeps the runtime's
// own thread pool instead, for a before/after in the same run.
if environment["BENCH_EXECUTOR"] != "pool" { SNMPRuntime.useEventLoopsAsGlobalExecutor() }
print("executor: \(environment["BENCH_EXECUTOR"] == "pool" ? "the Swift runtime's thread pool" : "NIO's event loops (as octoisp serve)")")
try await benchmark()
