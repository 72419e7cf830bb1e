import Foundation
import HTTPTypes
import Logging
import NIOPosix
import OctoAuth
import OctoCore
@testable import OctoHTTP
import OctoStore
import OctoTestSupport
import PostgresNIO
import Prometheus
import Synchronization
import Testing

/// Bounds on everything long-lived: connections that trickle, idle connections, statements, rate
/// limit buckets and bcrypt.
@Suite struct BoundsTests {
    static let head = Array("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".utf8) + Array(repeating: UInt8(ascii: "a"), count: 400)

    /// A free loopback port (bound and released).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0 else { throw TestSetupError("bind failed") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test func aSlowlorisClientIsCutOffAndASilentOneToo() async throws {
        try await TestDatabase.with { stack in
            var configuration = APIConfiguration()
            configuration.port = try Self.freePort()
            configuration.deadlines = ConnectionDeadlines(idle: .seconds(5), read: .seconds(3))
            let api = API(database: stack.database, auth: stack.auth, hub: RealtimeHub(), configuration: configuration,
                          metrics: PrometheusCollectorRegistry())
            var logger = Logger(label: "bounds-test")
            logger.logLevel = .critical
            let app = try api.application(logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await app.runService() }
                let port = configuration.port
                let whole = Array("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
                // Wait until the server listens (a connection is accepted).
                for _ in 0..<200 {
                    do {
                        _ = try await SlowClient.secondsUntilClosed(port: port, trickle: whole, interval: 0, limit: 0.1)
                        break
                    } catch {
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                // A request sent at once is answered and the connection stays open.
                let answered = try await SlowClient.secondsUntilClosed(port: port, trickle: whole, interval: 0, limit: 1.5)
                #expect(answered == nil, "\(String(describing: answered))")
                // A request head trickled one byte every 100 ms never ends: closed after the 3 s read deadline.
                let trickled = try await SlowClient.secondsUntilClosed(port: port, trickle: Self.head, interval: 0.1, limit: 15)
                #expect(trickled.map { $0 >= 2.9 && $0 < 8 } == true, "\(String(describing: trickled))")
                // A connection that sends nothing is closed at the read deadline too.
                let silent = try await SlowClient.secondsUntilClosed(port: port, trickle: [], interval: 0.1, limit: 15)
                #expect(silent.map { $0 >= 2.9 && $0 < 8 } == true, "\(String(describing: silent))")
                group.cancelAll()
            }
        }
    }

    @Test func withoutDeadlinesTheTrickleWouldHold() async throws {
        // The same trickle against long deadlines stays open for the whole observation: the cut-off above is the deadline's doing.
        try await APIHarness.with(configure: { $0.deadlines = ConnectionDeadlines(idle: .seconds(60), read: .seconds(60)) }) { harness in
            let port = try #require(harness.client.port)
            let trickled = try await SlowClient.secondsUntilClosed(port: port, trickle: Self.head, interval: 0.1, limit: 5)
            #expect(trickled == nil)
        }
    }

    /// A request on a kept-alive connection, `pause` seconds of silence and a second request are both
    /// answered (`early` says why the second would not be); then, silent, the connection is closed at the
    /// idle deadline (2 s in these tests) after the second answer.
    static func expectClosedAtTheIdleDeadline(_ deadlines: ConnectionDeadlines, pause: Double, early: String) async throws {
        try await APIHarness.with(configure: { $0.deadlines = deadlines }) { harness in
            let port = try #require(harness.client.port)
            let outcome = try await KeepAliveClient.idle(port: port, request: Array("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8),
                                                         pause: pause, limit: 8)
            #expect(outcome.firstAnswered, "\(outcome.trace)")
            #expect(outcome.secondAnswered, "\(early): \(outcome.trace)")
            #expect(outcome.closedAfter.map { $0 >= 1.9 && $0 < 4 } == true, "\(String(describing: outcome.closedAfter))")
        }
    }

    /// A kept-alive connection silent after an answer is closed at `OCTOISP_HTTP_IDLE_TIMEOUT` (2 s
    /// here, the read deadline 10 s so it cannot be the cause), and not before: at half the timeout
    /// it still carries a request.
    @Test func aKeptAliveConnectionSilentAfterAnAnswerIsClosedAtTheIdleDeadline() async throws {
        let deadlines = ConnectionDeadlines(environment: ["OCTOISP_HTTP_IDLE_TIMEOUT": "2", "OCTOISP_HTTP_READ_TIMEOUT": "10"])
        #expect(deadlines == ConnectionDeadlines(idle: .seconds(2), read: .seconds(10)))
        try await Self.expectClosedAtTheIdleDeadline(deadlines, pause: 1, early: "the connection was closed before the idle deadline")
    }

    /// One timer per connection, armed for the first deadline, checks the deadline in force when it
    /// fires: here it fires at the read deadline (1 s) while the connection idles within its idle one
    /// (2 s), so it must wait again rather than close, and close only at the idle deadline after the
    /// second answer.
    @Test func theTimerOfAnEarlierDeadlineDoesNotCloseAConnectionWithinALaterOne() async throws {
        try await Self.expectClosedAtTheIdleDeadline(ConnectionDeadlines(idle: .seconds(2), read: .seconds(1)), pause: 1.5,
                                                     early: "closed at the read deadline's timer while idle within the idle deadline")
    }

    @Test func rateLimitBucketsOfIdleClientsAreEvicted() {
        let buckets = TokenBuckets(ratePerSecond: 10, burst: 20, sweepInterval: .seconds(1))
        let start = ContinuousClock.now
        for client in 0..<5_000 { _ = buckets.take("ip:10.0.\(client / 256).\(client % 256)", now: start) }
        #expect(buckets.count == 5_000)
        // Two seconds later every bucket is full again (20 tokens at 10/s): they are dropped on the next sweep.
        _ = buckets.take("ip:192.0.2.1", now: start + .seconds(3))
        #expect(buckets.count == 1)
        // A client still over its limit keeps its bucket (and its debt).
        for _ in 0..<25 { _ = buckets.take("ip:192.0.2.9", now: start + .seconds(3)) }
        _ = buckets.take("ip:192.0.2.1", now: start + .seconds(4) + .milliseconds(100))
        #expect(buckets.count == 2)
    }

    @Test func statementsOfThePoolsStopAtTheStatementTimeout() async throws {
        try await TestDatabase.with { stack in
            // Pools configured with the defaults carry the 30 s default.
            let defaults = Database(configuration: .init(app: stack.appURL, global: stack.globalURL, maximumConnections: 1),
                                    logger: Logger(label: "bounds-test"))
            let database = Database(configuration: .init(app: stack.appURL, global: stack.globalURL,
                                                         maximumConnections: 2, statementTimeout: .milliseconds(500)),
                                    logger: Logger(label: "bounds-test"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await defaults.run() }
                group.addTask { try await database.run() }
                let shown = try await defaults.withTenant(nil) { tx in try await tx.query("SHOW statement_timeout").values(String.self) }
                #expect(shown == ["30s"])
                let error = await #expect(throws: (any Error).self) {
                    try await database.withTenant(nil) { tx in try await tx.query("SELECT 1 FROM pg_sleep(5)").values(Int.self) }
                }
                // 57014: canceling statement due to statement timeout.
                #expect(error.map { String(reflecting: $0).contains("57014") } == true, "\(String(reflecting: error))")
                let global = try await database.withGlobal { tx in try await tx.query("SHOW statement_timeout").values(String.self) }
                #expect(global == ["500ms"])
                group.cancelAll()
            }
        }
    }

    @Test func bcryptRunsOnTheThreadPool() async throws {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        let hasher = PasswordHasher(cost: 4, pool: pool)
        let hash = try await hasher.hash("correct horse battery")
        #expect(try await hasher.verify("correct horse battery", hash: hash))
        #expect(try await !hasher.verify("wrong horse battery", hash: hash))
        // Once the pool is gone, the async forms fail instead of falling back to the caller's thread.
        try await pool.shutdownGracefully()
        await #expect(throws: (any Error).self) { _ = try await hasher.hash("correct horse battery") }
    }

    /// While bcrypt runs for a user creation, a password reset of another user and a change of one's
    /// own password (current password verified, new one hashed), no request holds an open
    /// transaction: the hasher's only thread is held, every request waits on it, and PostgreSQL is
    /// asked meanwhile for connections `idle in transaction` for more than a second (the gaps between
    /// the statements of a short transaction do not count, even when a loaded machine stalls one for a
    /// few hundred milliseconds; a transaction waiting on bcrypt stays idle for the whole 3 s hold).
    @Test func bcryptRunsOutsideOpenTransactions() async throws {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        let held = DispatchSemaphore(value: 0)
        try await APIHarness.with(hasher: PasswordHasher(cost: 4, pool: pool)) { harness in
            defer { held.signal() }
            let provider = try await harness.stack.makeProvider("alfa")
            let admin = try await harness.stack.makeUser("admin@alfa.test", role: .providerAdmin, provider: provider.id)
            let viewer = try await harness.stack.makeUser("viewer@alfa.test", role: .viewer, provider: provider.id)
            let token = try await harness.login("admin@alfa.test")
            pool.submit { _ in held.wait() }

            let finished = Finished()
            let requests: [(String, HTTPResponse.Status, Task<APIResponse, any Error>)] = [
                ("create", .created, .post, "/api/v1/users", #"{"email": "new@alfa.test", "password": "correct horse battery"}"#),
                ("reset", .ok, .patch, "/api/v1/users/\(viewer.id.lowercased)", #"{"password": "viewer's new password"}"#),
                ("own", .ok, .patch, "/api/v1/users/\(admin.id.lowercased)",
                 #"{"password": "my brand new password", "current_password": "correct horse battery"}"#),
            ].map { (name: String, status: HTTPResponse.Status, method: HTTPRequest.Method, path: String, body: String) in
                (name, status, Task { @Sendable in
                    defer { finished.count.add(1, ordering: .sequentiallyConsistent) }
                    return try await harness.call(method, path, token: token, json: body)
                })
            }
            // Each role sees the state of its own sessions only: ask as the app and the global role.
            var seen: Set<String> = []
            try await harness.stack.connect(harness.stack.appURL) { app in
                try await harness.stack.connect(harness.stack.globalURL) { global in
                    let until = ContinuousClock.now + .seconds(3)
                    while ContinuousClock.now < until {
                        for connection in [app, global] {
                            let rows = try await connection.query("""
                                SELECT usename || ': ' || query FROM pg_stat_activity
                                WHERE datname = current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'
                                  AND state_change < clock_timestamp() - interval '1 second'
                                """, logger: Logger(label: "bounds-test")).values(String.self)
                            seen.formUnion(rows)
                        }
                        try await Task.sleep(for: .milliseconds(40))
                    }
                }
            }
            // Every request was still waiting for bcrypt while PostgreSQL was asked.
            #expect(finished.count.load(ordering: .sequentiallyConsistent) == 0)
            #expect(seen.isEmpty, "transactions open while bcrypt ran, last statement: \(seen.sorted())")
            held.signal()
            for (name, status, request) in requests {
                let response = try await request.value
                #expect(response.status == status, "\(name): \(response.status) \(String(describing: response.json))")
            }
            _ = try await harness.login("viewer@alfa.test", password: "viewer's new password")
            _ = try await harness.login("admin@alfa.test", password: "my brand new password")
        }
        try await pool.shutdownGracefully()
    }
}

/// How many of a test's requests have finished.
final class Finished: Sendable {
    let count = Atomic<Int>(0)
}
