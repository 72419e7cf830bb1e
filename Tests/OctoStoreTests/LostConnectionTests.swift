import Foundation
import Logging
import OctoCore
import OctoStore
import OctoTestSupport
import Synchronization
import Testing

/// A transaction whose connection the server ends (a failover, a crash, an administrator) fails at
/// once as `unavailable`, whatever it was doing: a COMMIT waiting for a synchronous standby, a
/// statement in flight, or a statement or COMMIT written after the connection had closed. It never
/// waits for an answer that cannot come, and the pool's slot is free again afterwards (the pool has
/// one connection). Each test runs on a PostgreSQL cluster of its own, which it reconfigures.
@Suite struct LostConnectionTests {
    static var logger: Logger {
        var logger = Logger(label: "lost-connection-test")
        logger.logLevel = .critical
        return logger
    }

    /// Longest a call may take to fail once its connection is gone; a call still running then is
    /// stuck for good (the test abandons it and fails).
    static let bound: Duration = .seconds(30)

    /// A private cluster with a table the app role writes to, and a database on it whose app pool has
    /// a single connection. `body` gets both; the cluster is removed afterwards.
    static func withCluster(_ name: String, _ body: (ThrowawayCluster, Database) async throws -> Void) async throws {
        let cluster = try await ThrowawayCluster.create(name)
        do {
            try await cluster.superuser("""
                CREATE TABLE lost_commit (id int PRIMARY KEY); GRANT SELECT, INSERT ON lost_commit TO octoisp_app;
                """)
            let database = Database(configuration: .init(app: try cluster.url("DATABASE_URL"), global: try cluster.url("OCTOISP_GLOBAL_DATABASE_URL"),
                                                         maximumConnections: 1, statementTimeout: nil, failoverWait: .seconds(10)),
                                    logger: logger)
            let pools = Task { try await database.run() }
            defer { pools.cancel() }
            try await body(cluster, database)
        } catch {
            await cluster.destroy()
            throw error
        }
        await cluster.destroy()
    }

    /// Runs `call` and expects it to fail as unavailable within ``bound``; returns the error.
    static func expectLost<T: Sendable>(_ what: String, _ call: @escaping @Sendable () async throws -> T) async throws -> OctoError? {
        do {
            let value = try await withAbandoningTimeout(bound, timeoutError: { TestSetupError("\(what): still waiting \(bound) after its connection was ended") }) {
                try await call()
            }
            Issue.record("\(what): succeeded (\(value)) although its connection was ended")
            return nil
        } catch let error as OctoError {
            #expect(error.code == .unavailable, "\(what): \(error)")
            return error
        } catch let error as TestSetupError {
            Issue.record(error)
            return nil
        }
    }

    /// Waits until backend `pid` waits on `event` (`pg_stat_activity.wait_event`).
    static func waitUntil(_ cluster: ThrowawayCluster, backend pid: Int, waitsOn event: String) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        var last = ""
        while ContinuousClock.now < deadline {
            last = try await cluster.superuser("SELECT coalesce(wait_event, '-') FROM pg_stat_activity WHERE pid = \(pid)")
            if last == event { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestSetupError("backend \(pid) never waited on \(event) (last: \(last))")
    }

    /// Waits until backend `pid` has ended.
    static func waitUntilGone(_ cluster: ThrowawayCluster, backend pid: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if try await cluster.superuser("SELECT count(*) FROM pg_stat_activity WHERE pid = \(pid)") == "0" { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestSetupError("backend \(pid) did not end")
    }

    /// A write on the pool's only connection succeeds again (nothing holds the slot).
    static func expectUsable(_ database: Database, id: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            do {
                let ids = try await withAbandoningTimeout(bound, timeoutError: { TestSetupError("a new transaction did not finish") }) {
                    try await database.withTenant(nil) { tx in
                        // Not waiting for the synchronous standby a test may have configured.
                        try await tx.query("SET LOCAL synchronous_commit = local")
                        try await tx.query("INSERT INTO lost_commit VALUES (\(id))")
                        return try await tx.query("SELECT id FROM lost_commit WHERE id = \(id)").values(Int.self)
                    }
                }
                #expect(ids == [id])
                return
            } catch let error as OctoError where error.code == .unavailable && ContinuousClock.now < deadline {
                // The server restarting after a crash: try again.
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// A COMMIT waiting for a synchronous standby that never comes, ended by `pg_terminate_backend`
    /// and then by SIGKILL of its backend: the transaction fails as unavailable (its outcome is not
    /// known: PostgreSQL committed it locally before waiting, so the row exists), and the pool serves
    /// the next transaction.
    @Test(.timeLimit(.minutes(4)))
    func commitWaitingForAStandbyFailsWhenItsBackendEnds() async throws {
        try await Self.withCluster("lost-commit") { cluster, database in
            try await cluster.superuser("ALTER SYSTEM SET synchronous_standby_names = 'nobody'")
            try await cluster.superuser("SELECT pg_reload_conf()")
            // The reload reaches each backend in its own time: until the pool's only connection has
            // applied it, a COMMIT there does not wait for the standby at all (seen on a loaded machine).
            let applied = ContinuousClock.now + .seconds(60)
            while try await database.withTenant(nil, { tx in try await tx.query("SHOW synchronous_standby_names").values(String.self) }) != ["nobody"] {
                guard ContinuousClock.now < applied else { throw TestSetupError("the pool's connection never applied synchronous_standby_names") }
                try await Task.sleep(for: .milliseconds(50))
            }
            for (round, how) in ["pg_terminate_backend", "SIGKILL"].enumerated() {
                let backend = Mutex<Int?>(nil)
                let attempt = Task {
                    try await Self.expectLost("COMMIT ended by \(how)") {
                        try await database.withTenant(nil) { tx in
                            backend.withLock { $0 = nil }
                            let pid = try await tx.query("SELECT pg_backend_pid()").values(Int.self)[0]
                            try await tx.query("INSERT INTO lost_commit VALUES (\(round + 1))")
                            backend.withLock { $0 = pid }
                        }
                    }
                }
                var pid: Int?
                while pid == nil {
                    try await Task.sleep(for: .milliseconds(20))
                    pid = backend.withLock { $0 }
                }
                try await Self.waitUntil(cluster, backend: pid!, waitsOn: "SyncRep")
                if how == "SIGKILL" {
                    #expect(kill(pid_t(pid!), SIGKILL) == 0)
                } else {
                    #expect(try await cluster.superuser("SELECT pg_terminate_backend(\(pid!))") == "t")
                }
                let error = try await attempt.value
                #expect(error?.message.contains("nothing was saved") == false, "\(String(describing: error))")
                // The outcome was unknown to the client: PostgreSQL had committed the row locally.
                try await Self.expectUsable(database, id: 100 + round)
                let rows = try await database.withTenant(nil) { tx in try await tx.query("SELECT count(*) FROM lost_commit WHERE id = \(round + 1)").values(Int.self) }
                #expect(rows == [1])
            }
        }
    }

    /// A statement in flight (`pg_sleep`) whose backend is terminated: the transaction, and a
    /// single statement of the pool, fail as unavailable; the pool serves the next transaction.
    @Test(.timeLimit(.minutes(4)))
    func statementInFlightFailsWhenItsBackendEnds() async throws {
        try await Self.withCluster("lost-statement") { cluster, database in
            for single in [false, true] {
                let what = single ? "a single statement" : "a statement in a transaction"
                let attempt = Task {
                    try await Self.expectLost("\(what) ended by pg_terminate_backend") {
                        if single {
                            _ = try await database.appStatement("SELECT pg_sleep(120)")
                        } else {
                            try await database.withTenant(nil) { tx in
                                try await tx.query("INSERT INTO lost_commit VALUES (7)")
                                try await tx.query("SELECT pg_sleep(120)")
                            }
                        }
                    }
                }
                var pid = ""
                let deadline = ContinuousClock.now + .seconds(60)
                while pid.isEmpty && ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(50))
                    pid = try await cluster.superuser("SELECT pid FROM pg_stat_activity WHERE wait_event = 'PgSleep'")
                }
                let backend = try #require(Int(pid), "no backend sleeps (\(what))")
                #expect(try await cluster.superuser("SELECT pg_terminate_backend(\(backend))") == "t")
                _ = try await attempt.value
                try await Self.expectUsable(database, id: single ? 201 : 200)
            }
            let rows = try await database.withTenant(nil) { tx in try await tx.query("SELECT count(*) FROM lost_commit WHERE id = 7").values(Int.self) }
            #expect(rows == [0])
        }
    }

    /// The connection closes (its backend ended) while the transaction's body is between two
    /// statements: the next statement, or the COMMIT when the body returns, is written to a closed
    /// connection. Either fails as unavailable at once; nothing is stored; the pool serves the next
    /// transaction.
    @Test(.timeLimit(.minutes(4)))
    func statementOrCommitAfterTheConnectionClosedFails() async throws {
        try await Self.withCluster("lost-socket") { cluster, database in
            for writeAfter in [true, false] {
                let id = writeAfter ? 300 : 301
                let what = writeAfter ? "a statement written after the connection closed" : "a COMMIT written after the connection closed"
                _ = try await Self.expectLost(what) {
                    try await database.withTenant(nil) { tx in
                        let pid = try await tx.query("SELECT pg_backend_pid()").values(Int.self)[0]
                        try await tx.query("INSERT INTO lost_commit VALUES (\(id))")
                        _ = try await cluster.superuser("SELECT pg_terminate_backend(\(pid))")
                        try await Self.waitUntilGone(cluster, backend: pid)
                        // The client has read the end of the connection by now (loopback).
                        try await Task.sleep(for: .milliseconds(300))
                        if writeAfter { try await tx.query("INSERT INTO lost_commit VALUES (\(id + 10))") }
                    }
                }
                try await Self.expectUsable(database, id: id + 100)
                let rows = try await database.withTenant(nil) { tx in
                    try await tx.query("SELECT count(*) FROM lost_commit WHERE id IN (\(id), \(id + 10))").values(Int.self)
                }
                #expect(rows == [0])
            }
        }
    }
}
