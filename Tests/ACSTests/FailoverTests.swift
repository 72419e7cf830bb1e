import ACS
import CPESimulator
import CWMP
import Foundation
import Logging
import OctoCore
import OctoMetrics
import OctoStore
import OctoTestSupport
import PostgresNIO
import Synchronization
import Testing

/// The Patroni pair of `scripts/peers/patroni.sh` (etcd and two PostgreSQL 15 nodes, synchronous
/// replication): its URLs and its REST API.
struct PatroniPair: Sendable {
    let owner: DatabaseURL
    let app: DatabaseURL
    let global: DatabaseURL
    let read: DatabaseURL
    let apis: [String]
    let directory: String

    static func fromEnvironment() throws -> PatroniPair {
        let environment = ProcessInfo.processInfo.environment
        func value(_ name: String) throws -> String {
            guard let text = environment[name], !text.isEmpty else {
                throw TestSetupError("\(name) is not set: run the tests with scripts/test.sh, which starts scripts/peers/patroni.sh")
            }
            return text
        }
        return PatroniPair(owner: try DatabaseURL(try value("OCTOISP_TEST_PATRONI_OWNER_URL")),
                           app: try DatabaseURL(try value("OCTOISP_TEST_PATRONI_APP_URL")),
                           global: try DatabaseURL(try value("OCTOISP_TEST_PATRONI_GLOBAL_URL")),
                           read: try DatabaseURL(try value("OCTOISP_TEST_PATRONI_READ_URL")),
                           apis: try value("OCTOISP_TEST_PATRONI_APIS").split(separator: ",").map(String.init),
                           directory: try value("OCTOISP_TEST_PATRONI_DIR"))
    }

    struct Member: Sendable {
        let name: String
        let role: String
        let state: String
        let port: Int
    }

    /// The members as Patroni's REST API of any node that answers sees them.
    func members() async -> [Member] {
        for api in apis {
            let parts = api.split(separator: ":")
            guard let answer = try? await HTTPExchange.get(host: String(parts[0]), port: Int(parts[1])!, path: "/cluster"), answer.status == 200,
                  let object = try? JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any],
                  let members = object["members"] as? [[String: Any]] else { continue }
            return members.map {
                Member(name: $0["name"] as? String ?? "", role: $0["role"] as? String ?? "", state: $0["state"] as? String ?? "",
                       port: $0["port"] as? Int ?? 0)
            }
        }
        return []
    }

    /// Waits until there is a running leader and a streaming synchronous standby (after a failover, the
    /// old primary rejoins as one); returns them.
    func healthy(within limit: Duration = .seconds(90)) async throws -> (leader: Member, standby: Member) {
        let deadline = ContinuousClock.now + limit
        var last: [Member] = []
        while ContinuousClock.now < deadline {
            last = await members()
            if let leader = last.first(where: { $0.role == "leader" && $0.state == "running" }),
               let standby = last.first(where: { $0.role == "sync_standby" && ($0.state == "streaming" || $0.state == "running") }) {
                return (leader, standby)
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw TestSetupError("the Patroni pair has no leader and synchronous standby: \(last)")
    }

    /// The postmaster's process id of a member (first line of its `postmaster.pid`).
    func postmaster(of member: Member) throws -> Int32 {
        let text = try String(contentsOfFile: "\(directory)/\(member.name)/data/postmaster.pid", encoding: .utf8)
        guard let pid = text.split(separator: "\n").first.flatMap({ Int32($0) }) else { throw TestSetupError("no postmaster pid for \(member.name)") }
        return pid
    }
}

/// What a writer saw during the failover.
final class FailoverLedger: Sendable {
    let informs = Mutex<[String: Int]>([:])
    let batches = Mutex<Set<Int>>([])
    let failedBatches = Mutex(0)
    let stop = Mutex(false)
    let killedAt = Mutex<ContinuousClock.Instant?>(nil)
    let firstWriteAfterKill = Mutex<ContinuousClock.Instant?>(nil)
    let firstInformAfterKill = Mutex<ContinuousClock.Instant?>(nil)
    /// Where the write probe is and since when (named when recovery does not finish).
    let probeStage = Mutex<(String, ContinuousClock.Instant)>(("not started", .now))
}

/// PostgreSQL failover (Patroni) under load, and read-only work on the replica. Serialized: both use
/// the one Patroni pair of the test run.
@Suite(.serialized) struct FailoverTests {
    static var logger: Logger {
        var logger = Logger(label: "failover-test")
        logger.logLevel = .error
        return logger
    }

    /// `OCTOISP_SHUTDOWN_GRACE` of the server under test, in seconds.
    static let shutdownGrace = 20

    static func database(_ pair: PatroniPair, read: Bool = false) -> Database {
        Database(configuration: .init(app: pair.app, global: pair.global, maximumConnections: 8, statementTimeout: .seconds(60),
                                      read: read ? pair.read : nil, failoverWait: .seconds(30)),
                 logger: logger)
    }

    /// Runs one phase of a test: when it has not finished within `limit`, the test fails naming the
    /// phase, and the phase is abandoned rather than awaited, so a stuck wait can never hold up the run.
    static func phase<T: Sendable>(_ what: String, within limit: Duration, detail: @escaping @Sendable () -> String = { "" },
                                   _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withAbandoningTimeout(limit, timeoutError: { TestSetupError("\(what): not finished within \(limit) \(detail())") }, body)
    }

    /// Reads through `withTenantReading` run on the standby (the read pool sees `pg_is_in_recovery()`),
    /// under RLS (only the provider's rows), and can never write; tenant writes go to the primary.
    @Test(.timeLimit(.minutes(6)))
    func readOnlyWorkRunsOnTheReplicaUnderRowLevelSecurity() async throws {
        let pair = try PatroniPair.fromEnvironment()
        let (leader, standby) = try await Self.phase("the Patroni pair is healthy", within: .seconds(120)) { try await pair.healthy() }
        try await Self.phase("migrations", within: .seconds(120)) { try await Migrator(ownerURL: pair.owner, logger: Self.logger).migrate() }
        let database = Self.database(pair, read: true)
        let pools = Task { try await database.run() }
        defer { pools.cancel() }
        try await Self.phase("reads on the replica", within: .seconds(120)) {
            let suffix = UUID().uuidString.prefix(8).lowercased()
            let (one, two) = try await database.withGlobal { tx in
                (try await tx.providers.create(ProviderInput(slug: "read-a-\(suffix)", name: "Read A"), by: .system),
                 try await tx.providers.create(ProviderInput(slug: "read-b-\(suffix)", name: "Read B"), by: .system))
            }
            let device = try await database.withTenant(one.id) { tx in
                #expect(try await tx.query("SELECT pg_is_in_recovery()").values(Bool.self) == [false], "a write transaction ran on a standby")
                return try await tx.devices.create(DeviceInput(name: "olt-replica"), by: .system)
            }
            // Synchronous replication: the committed row is on the standby (applied a moment later).
            let deadline = ContinuousClock.now + .seconds(10)
            var seen: [UUID] = []
            while ContinuousClock.now < deadline {
                seen = try await database.withTenantReading(one.id) { tx in
                    #expect(try await tx.query("SELECT pg_is_in_recovery()").values(Bool.self) == [true], "the read pool is not on the standby")
                    return try await tx.query("SELECT id FROM devices").values(UUID.self)
                }
                if seen.contains(device.id) { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(seen.contains(device.id))
            #expect(database.servers["read"]?.endpoint.port == standby.port && database.servers["read"]?.standby == true)
            #expect(database.servers["app"]?.endpoint.port == leader.port && database.servers["app"]?.standby == false)
            // RLS on the replica: the other provider sees none of it.
            let other = try await database.withTenantReading(two.id) { tx in try await tx.query("SELECT id FROM devices").values(UUID.self) }
            #expect(!other.contains(device.id))
            // A write on the read path fails and changes nothing.
            await #expect(throws: OctoError.self) {
                try await database.withTenantReading(one.id) { tx in
                    try await tx.query("UPDATE devices SET name = 'changed' WHERE id = \(device.id)")
                }
            }
            let name = try await database.withTenant(one.id) { tx in try await tx.query("SELECT name FROM devices WHERE id = \(device.id)").values(String.self) }
            #expect(name == ["olt-replica"])
        }
    }

    /// `octoisp serve` (ACS, worker and API roles) on the multi-host URL with a storm of simulated CPEs,
    /// and a metrics ingest in this process, while the primary's postmaster is killed (SIGKILL): Patroni
    /// promotes the synchronous standby, every pool reconnects, and every acknowledged Inform and every
    /// acknowledged sample batch is on the new primary. Afterwards the server still answers and stops on
    /// SIGTERM. Every phase has a deadline of its own and fails naming it.
    @Test(.timeLimit(.minutes(10)))
    func primaryKilledMidStormLosesNothingAcknowledged() async throws {
        let pair = try PatroniPair.fromEnvironment()
        let (leader, _) = try await Self.phase("the Patroni pair is healthy", within: .seconds(120)) { try await pair.healthy() }
        try await Self.phase("migrations", within: .seconds(120)) { try await Migrator(ownerURL: pair.owner, logger: Self.logger).migrate() }
        let database = Self.database(pair)
        let pools = Task { try await database.run() }
        defer { pools.cancel() }
        let ledger = FailoverLedger()
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let slug = "failover-\(suffix)"
        let password = "cpe-secret-123"
        let (provider, series) = try await Self.phase("provider, CPE credentials and series", within: .seconds(60)) {
            let provider = try await database.withGlobal { tx in try await tx.providers.create(ProviderInput(slug: slug, name: "Failover"), by: .system) }
            let series = try await database.withTenant(provider.id) { tx in
                _ = try await tx.cwmpCredentials.create(username: "cpe", password: password, realm: ACSConfiguration().realm, by: .system)
                let device = try await tx.devices.create(DeviceInput(name: "olt-1"), by: .system)
                var series: [MetricSeries] = []
                for index in 0..<4 {
                    series.append(try await tx.metricSeries.register(.init(deviceId: device.id, metric: "ifHCInOctets", labels: ["ifIndex": "\(index)"],
                                                                             kind: .counter)))
                }
                return series
            }
            return (provider, series)
        }

        let cwmpPort = TestEnvironment.freeTCPPort()
        let apiPort = TestEnvironment.freeTCPPort()
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = pair.app.connectionString
        environment["OCTOISP_GLOBAL_DATABASE_URL"] = pair.global.connectionString
        environment["OCTOISP_OWNER_DATABASE_URL"] = nil
        environment["OCTOISP_SECRET_KEY"] = SecretBox.generateKeyring()
        environment["OCTOISP_JWT_SECRET"] = "failover-test-secret-0123456789abcdef"
        environment["OCTOISP_HTTP_PORT"] = String(apiPort)
        environment["OCTOISP_CWMP_PORT"] = String(cwmpPort)
        environment["OCTOISP_CWMP_IDLE_TIMEOUT"] = "3"
        environment["OCTOISP_CWMP_DEVICE_CREDENTIALS"] = "off"
        environment["OCTOISP_ICMP"] = "off"
        for name in ["REDIS_URL", "OCTOISP_TLS_CERT", "OCTOISP_TLS_KEY", "OCTOISP_CWMP_TLS_CERT", "OCTOISP_CWMP_TLS_KEY", "OCTOISP_READ_DATABASE_URL",
                     "OCTOISP_SHUTDOWN_GRACE", "OCTOISP_DB_WAIT"] {
            environment[name] = nil
        }
        // The load has stopped when SIGTERM comes: the graceful stop must end within this grace by itself
        // (after it, serve would cancel what still runs).
        environment["OCTOISP_SHUTDOWN_GRACE"] = String(Self.shutdownGrace)
        let server = try ChildProcess.start([try TestEnvironment.octoispBinary(), "serve", "--roles", "acs,worker,api", "--skip-migrations"],
                                            environment: environment)
        defer { server.send(SIGKILL) }
        try await Self.phase("the server is ready", within: .seconds(90)) {
            while true {
                if let answer = try? await HTTPExchange.get(host: "127.0.0.1", port: apiPort, path: "/ready"), answer.status == 200 { return }
                if let ended = server.poll() { throw TestSetupError("the server ended (\(ended)): \(server.errors().suffix(2000))") }
                try await Task.sleep(for: .milliseconds(100))
            }
        }

        let model = try Fixtures.model("device-eg8145v5-no-voip.csv")
        let acs = URL(string: "http://127.0.0.1:\(cwmpPort)/cwmp/\(slug)")!
        let fleet = 20
        let base = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 3600).rounded(.down) * 3600 - 3600)
        let perBatch = 50
        let pipeline = MetricsIngestPipeline(database: database,
                                             configuration: .init(batchSize: 1_000, maxPendingSamples: 20_000, writers: 2, retryFor: .seconds(60),
                                                                  publishLive: false, attemptTimeout: .seconds(5)),
                                             logger: Self.logger)
        // The load runs on its own until told to stop; the test waits for it with a deadline.
        let load = Task {
            await withTaskGroup(of: Void.self) { load in
                // The CPEs: periodic sessions; a failed one is retried with the same events, as real CPEs do.
                for index in 0..<fleet {
                    load.addTask {
                        var runner = CPESessionRunner(acs: acs, username: "cpe", password: password, mode: .basic)
                        runner.onInformAcknowledged = { cpe in
                            ledger.informs.withLock { $0[cpe.model.identity.serialNumber, default: 0] += 1 }
                            if ledger.killedAt.withLock({ $0 }) != nil {
                                ledger.firstInformAfterKill.withLock { if $0 == nil { $0 = .now } }
                            }
                        }
                        var cpe = SimulatedCPE(model: model, index: index)
                        while !ledger.stop.withLock({ $0 }) {
                            _ = try? await runner.run(&cpe)
                            try? await Task.sleep(for: .milliseconds(300))
                        }
                    }
                }
                // The metrics ingest: numbered batches; an acknowledged batch must be stored in full.
                load.addTask { await pipeline.writers() }
                load.addTask {
                    var batch = 0
                    while !ledger.stop.withLock({ $0 }) {
                        var samples: [MetricSample] = []
                        for step in 0..<perBatch {
                            let at = base.addingTimeInterval(Double(batch * perBatch + step) * 0.01)
                            for item in series { samples.append(MetricSample(seriesId: item.id, at: at, value: Double(batch * perBatch + step))) }
                        }
                        do {
                            try await pipeline.submit(samples)
                            ledger.batches.withLock { _ = $0.insert(batch) }
                        } catch {
                            ledger.failedBatches.withLock { $0 += 1 }
                        }
                        batch += 1
                        try? await Task.sleep(for: .milliseconds(50))
                    }
                }
                // A write probe: the failover time is kill → first committed write of a new transaction.
                load.addTask {
                    while !ledger.stop.withLock({ $0 }) {
                        // Only a write that began after the kill counts.
                        let began = ContinuousClock.now
                        ledger.probeStage.withLock { $0 = ("waiting for a connection", .now) }
                        if (try? await database.withTenant(provider.id) { tx in
                            ledger.probeStage.withLock { $0 = ("in the transaction", .now) }
                            // The rows are read inside the transaction (see Database.withTenant).
                            let id = try await tx.query("SELECT pg_current_xact_id()::text").values(String.self)
                            ledger.probeStage.withLock { $0 = ("committing", .now) }
                            return id
                        }) != nil,
                           let killed = ledger.killedAt.withLock({ $0 }), killed < began {
                            ledger.firstWriteAfterKill.withLock { if $0 == nil { $0 = .now } }
                        }
                        ledger.probeStage.withLock { $0 = ("between writes", .now) }
                        try? await Task.sleep(for: .milliseconds(20))
                    }
                }
            }
        }
        defer {
            ledger.stop.withLock { $0 = true }
            pipeline.close()
            load.cancel()
        }

        // The fleet registered, batches flowing.
        try await Self.phase("the fleet registers and sample batches flow", within: .seconds(120)) {
            while ledger.informs.withLock({ $0.count }) < fleet || ledger.batches.withLock({ $0.count }) < 10 {
                try await Task.sleep(for: .milliseconds(100))
            }
        }

        // SIGKILL of the primary's postmaster.
        let victim = try pair.postmaster(of: leader)
        let informsAtKill = ledger.informs.withLock { $0.values.reduce(0, +) }
        let batchesAtKill = ledger.batches.withLock { $0.count }
        ledger.killedAt.withLock { $0 = .now }
        kill(victim, SIGKILL)

        // Patroni promotes the standby; the pools follow; load goes on.
        let progress: @Sendable () -> String = {
            "(write after the kill: \(ledger.firstWriteAfterKill.withLock { $0 } != nil), Inform after the kill: "
                + "\(ledger.firstInformAfterKill.withLock { $0 } != nil), batches \(ledger.batches.withLock { $0.count }) (\(batchesAtKill) at the kill), "
                + "\(ledger.failedBatches.withLock { $0 }) refused, probe \(ledger.probeStage.withLock { "\($0.0) for \($0.1.duration(to: .now))" }), pools \(database.servers.mapValues { "\($0.endpoint) standby=\($0.standby)" }); "
                + "server log: \(server.errors().suffix(3000)))"
        }
        try await Self.phase("writes, Informs and sample batches succeed again after the kill", within: .seconds(150), detail: progress) {
            while ledger.firstWriteAfterKill.withLock({ $0 }) == nil || ledger.firstInformAfterKill.withLock({ $0 }) == nil
                || ledger.batches.withLock({ $0.count }) <= batchesAtKill + 10 {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        try await Task.sleep(for: .seconds(2))
        ledger.stop.withLock { $0 = true }
        pipeline.close()
        // Sessions end, queued batches are written (or fail after their retries), probes return.
        try await Self.phase("the load stops", within: .seconds(120), detail: progress) { await load.value }

        let killed = try #require(ledger.killedAt.withLock { $0 })
        let firstWrite = try #require(ledger.firstWriteAfterKill.withLock { $0 }, "no write succeeded after the kill")
        let firstInform = try #require(ledger.firstInformAfterKill.withLock { $0 }, "no Inform was acknowledged after the kill")
        let members = await pair.members()
        let newLeader = try #require(members.first { $0.role == "leader" })
        #expect(newLeader.name != leader.name, "Patroni did not fail over: \(members)")
        #expect(database.servers["app"]?.endpoint.port == newLeader.port)

        let informs = ledger.informs.withLock { $0 }
        let batches = ledger.batches.withLock { $0 }
        let baseMs = Int64(base.timeIntervalSince1970 * 1000)
        let ids = series.map(\.id)
        let (stored, counts) = try await Self.phase("reading what was stored", within: .seconds(60)) {
            let stored = Dictionary(uniqueKeysWithValues: try await database.withTenant(provider.id) { tx in
                try await tx.query("SELECT d.serial_number, c.informs FROM cwmp_devices c JOIN devices d ON d.id = c.device_id")
                    .decode((String, Int).self).reduce(into: [(String, Int)]()) { $0.append($1) }
            })
            let counts = try await database.withGlobal { tx in
                var counts: [Int: Int] = [:]
                let rows = try await tx.query("""
                    SELECT (at_ms - \(baseMs)) / \(Int64(perBatch * 10)), count(DISTINCT (series_id, at_ms))
                    FROM metric_ingest WHERE series_id = ANY(\(ids)) GROUP BY 1
                    """)
                for try await (batch, count) in rows.decode((Int64, Int64).self) { counts[Int(batch)] = Int(count) }
                return counts
            }
            return (stored, counts)
        }
        // Every acknowledged Inform is counted on the new primary.
        #expect(informs.count == fleet)
        for (serial, count) in informs {
            #expect((stored[serial] ?? 0) >= count, "\(serial): \(count) Informs acknowledged, \(stored[serial] ?? 0) stored")
        }
        // Every acknowledged batch is stored in full.
        for batch in batches.sorted() {
            #expect(counts[batch] == perBatch * series.count, "batch \(batch): \(counts[batch] ?? 0) samples stored")
        }
        let informsTotal = informs.values.reduce(0, +)
        print("failover: primary \(leader.name) killed; writes again after \(killed.duration(to: firstWrite)), first Inform acknowledged after "
              + "\(killed.duration(to: firstInform)); \(informsTotal) Informs acknowledged (\(informsAtKill) at the kill), \(batches.count) sample "
              + "batches acknowledged (\(batchesAtKill) at the kill), \(ledger.failedBatches.withLock { $0 }) refused; none lost")

        // The server is healthy on the new primary, and a graceful stop ends it.
        let readyAfter = try await Self.phase("the server answers /ready after the failover", within: .seconds(30)) {
            try await HTTPExchange.get(host: "127.0.0.1", port: apiPort, path: "/ready")
        }
        #expect(readyAfter.status == 200)
        // No request handler still waits on a connection of the killed primary: the graceful stop ends
        // by itself, within its grace, with status 0.
        let stopping = ContinuousClock.now
        server.send(SIGTERM)
        let ended = await server.termination(within: .seconds(Int64(Self.shutdownGrace)))
        let stopped = stopping.duration(to: .now)
        print("failover: octoisp serve stopped \(stopped) after SIGTERM (\(ended.map { "\($0)" } ?? "still running"))")
        #expect(ended == .exited(0), "octoisp serve did not stop cleanly within its \(Self.shutdownGrace) s grace after SIGTERM (\(ended.map { "\($0)" } ?? "still running")): \(server.errors().suffix(2000))")
    }
}
