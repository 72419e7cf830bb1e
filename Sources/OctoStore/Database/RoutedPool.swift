import Foundation
import Logging
import OctoCore
import PostgresNIO
import Synchronization

/// One role's connection pool. With a single-server URL it is a plain `PostgresClient`. With several
/// servers (or a `target_session_attrs`), it keeps a `PostgresClient` on the server that fits and a
/// watch connection to it: every `checkInterval`, and at once after a transaction failed for a
/// connection reason, the watch asks the server again (`pg_is_in_recovery()`, `transaction_read_only`);
/// when it no longer answers or no longer fits, the pool is shut down (its waiting requests fail, as
/// retryable) and a new one is opened on the server that fits now, the way libpq picks one.
final class RoutedPool: Sendable {
    struct Current: Sendable {
        let client: PostgresClient
        let endpoint: DatabaseURL.Endpoint
        let state: DatabaseURL.SessionState
    }

    struct State {
        var current: Current?
        var alarmed = false
        var switches = 0
    }

    let url: DatabaseURL
    let name: String
    let logger: Logger
    let maximumConnections: Int
    let statementTimeout: Duration?
    /// How long a transaction waits for a connection, a server that fits included (during a failover).
    let failoverWait: Duration
    /// How often the watch asks the server whether it still fits.
    let checkInterval: Duration
    private let fixed: PostgresClient?
    private let state = Mutex(State())

    init(url: DatabaseURL, name: String, maximumConnections: Int, statementTimeout: Duration?, failoverWait: Duration,
         checkInterval: Duration = .seconds(1), logger: Logger) {
        self.url = url
        self.name = name
        self.logger = logger
        self.maximumConnections = maximumConnections
        self.statementTimeout = statementTimeout
        self.failoverWait = failoverWait
        self.checkInterval = checkInterval
        fixed = url.needsServerSelection
            ? nil
            : PostgresClient(configuration: url.clientConfiguration(maximumConnections: maximumConnections, statementTimeout: statementTimeout),
                             backgroundLogger: logger)
    }

    /// The server the pool uses now, if it has one.
    var server: (endpoint: DatabaseURL.Endpoint, state: DatabaseURL.SessionState)? {
        if fixed != nil { return (url.endpoints[0], DatabaseURL.SessionState(inRecovery: false, readOnly: false)) }
        return state.withLock { $0.current.map { ($0.endpoint, $0.state) } }
    }

    /// How many times the pool moved to another server (or reopened on the same one).
    var switches: Int { state.withLock { $0.switches } }

    /// Runs the pool until cancelled.
    func run() async {
        if let fixed {
            await fixed.run()
            return
        }
        var delay: Duration = .milliseconds(100)
        while !Task.isCancelled {
            let chosen: (DatabaseURL.Endpoint, DatabaseURL.SessionState)
            do {
                chosen = try await url.selectServer(logger: logger)
                delay = .milliseconds(100)
            } catch {
                if Task.isCancelled { break }
                logger.warning("database: no server fits yet; trying again", metadata: ["pool": "\(name)", "error": "\(error)"])
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(1))
                continue
            }
            let client = PostgresClient(configuration: url.clientConfiguration(maximumConnections: maximumConnections, statementTimeout: statementTimeout,
                                                                               endpoint: chosen.0),
                                        backgroundLogger: logger)
            // The old pool is shut down in the background: its connections to a dead server may take
            // a while to give up, and nothing here waits for them.
            let runner = Task { await client.run() }
            let switches = state.withLock {
                $0.current = Current(client: client, endpoint: chosen.0, state: chosen.1)
                $0.alarmed = false
                $0.switches += 1
                return $0.switches
            }
            logger.notice("database: pool on \(chosen.0)", metadata: ["pool": "\(name)", "standby": "\(chosen.1.inRecovery)",
                                                                      "opened": "\(switches)"])
            await withTaskCancellationHandler {
                await watch(chosen.0)
            } onCancel: {
                runner.cancel()
            }
            state.withLock { $0.current = nil }
            runner.cancel()
        }
        state.withLock { $0.current = nil }
    }

    /// Returns when the server no longer answers or no longer fits, or when cancelled.
    private func watch(_ endpoint: DatabaseURL.Endpoint) async {
        var connection: PostgresConnection?
        defer { if let connection { Task { try? await connection.close() } } }
        var waited: Duration = .zero
        let step: Duration = .milliseconds(50)
        while !Task.isCancelled {
            try? await Task.sleep(for: step)
            waited += step
            let alarmed = state.withLock { $0.alarmed }
            guard alarmed || waited >= checkInterval else { continue }
            waited = .zero
            do {
                // A probe connection the server closed (its backend ended with the old primary) is
                // replaced rather than asked again.
                if let closed = connection, closed.isClosed {
                    connection = nil
                    Task { try? await closed.close() }
                }
                if connection == nil {
                    connection = try await PostgresConnection.connect(configuration: url.connectionConfiguration(endpoint: endpoint), id: 0, logger: logger)
                }
                let probe = connection!
                let logger = logger
                let answer = try await deadline(url.connectTimeout) { try await DatabaseURL.sessionState(of: probe, logger: logger) }
                if !DatabaseURL.fits(answer, url.targetSessionAttributes == .preferStandby ? .any : url.targetSessionAttributes) {
                    logger.warning("database: \(endpoint) no longer fits; choosing again", metadata: ["pool": "\(name)"])
                    return
                }
                if url.targetSessionAttributes == .preferStandby && !answer.inRecovery && url.endpoints.count > 1 && !alarmed {
                    // On the primary for want of a standby: look for one again now and then.
                    if let (_, found) = try? await url.selectServer(logger: logger), found.inRecovery { return }
                }
                state.withLock { $0.alarmed = false }
            } catch {
                if Task.isCancelled { return }
                logger.warning("database: \(endpoint) does not answer; choosing again", metadata: ["pool": "\(name)", "error": "\(DatabaseURL.describe(error))"])
                return
            }
        }
    }

    /// The pool on the fitting server and its generation (how many pools came before it), waiting
    /// until `deadline` for one.
    private func current(until deadline: ContinuousClock.Instant) async throws -> (client: PostgresClient, generation: Int) {
        if let fixed { return (fixed, 0) }
        while true {
            if let current = state.withLock({ state in state.current.map { ($0.client, state.switches) } }) { return current }
            if ContinuousClock.now >= deadline || Task.isCancelled {
                throw OctoError(.unavailable, "no database server is available (\(url.description)); nothing was saved, try again")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The pool generation now (changes when the pool is replaced after a failover).
    private var generation: Int { state.withLock { $0.switches } }

    /// Reports a failure; a connection failure makes the watch check the server at once.
    private func noticed(_ error: any Error) {
        if fixed == nil, isConnectionFailure(error) { state.withLock { $0.alarmed = true } }
    }

    /// Runs `work` on a connection leased from the current pool. The wait for a connection is bounded:
    /// it ends with ``OctoError/Code/unavailable`` after `failoverWait` (nothing ran), and a wait on a
    /// pool that is replaced meanwhile (a failover) or that fails before it gives a connection (shut
    /// down, cannot connect) moves to the pool on the server that fits now. Once leased, `work` runs
    /// to its end (the statement timeout bounds it on the server).
    private func leased<Result: Sendable>(_ work: (PostgresConnection) async throws -> Result) async throws -> Result {
        let deadline = ContinuousClock.now + failoverWait
        while true {
            let (client, generation) = try await current(until: deadline)
            let lease = LeaseClaim()
            do {
                return try await withoutActuallyEscaping(work) { work in
                    let work = UncheckedSendable(work)
                    return try await withThrowingTaskGroup(of: LeaseOutcome<Result>.self) { group in
                        group.addTask {
                            try await client.withConnection { connection in
                                guard lease.claim() else { throw LeaseAbandoned() }
                                // A pooled connection the server already closed (a failover) is not
                                // used: nothing ran, so the work waits for another connection.
                                if connection.isClosed { throw LeasedClosed() }
                                return .value(try await work.value(connection))
                            }
                        }
                        group.addTask {
                            // Watches the wait for a connection, and only that.
                            while !lease.isLeased {
                                if ContinuousClock.now >= deadline || self.generation != generation, lease.abandon() { throw LeaseAbandoned() }
                                try await Task.sleep(for: .milliseconds(50))
                            }
                            return .watched
                        }
                        while let next = try await group.next() {
                            if case .value(let value) = next {
                                group.cancelAll()
                                return value
                            }
                        }
                        throw LeaseAbandoned()
                    }
                }
            } catch is LeasedClosed {
                // Nothing ran: the watch checks the server at once, and the work waits for another connection.
                if fixed == nil { state.withLock { $0.alarmed = true } }
                if Task.isCancelled || ContinuousClock.now >= deadline {
                    throw OctoError(.unavailable, "the database connection was lost (\(url.description)); nothing was saved, try again")
                }
                try await Task.sleep(for: .milliseconds(20))
            } catch {
                if lease.isLeased {
                    noticed(error)
                    throw error
                }
                // No connection was given, so nothing ran: wait on the pool that fits now, if time remains.
                if !(error is LeaseAbandoned) { noticed(error) }
                if Task.isCancelled { throw error }
                if ContinuousClock.now >= deadline {
                    throw OctoError(.unavailable, "no database connection within \(failoverWait) (\(url.description)); nothing was saved, try again")
                }
                if !(error is LeaseAbandoned) && !isConnectionFailure(error) { throw error }
                if self.generation == generation { try await Task.sleep(for: .milliseconds(50)) }
            }
        }
    }

    func withTransaction<Result: Sendable>(logger: Logger, _ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        try await leased { connection in
            try await transaction(on: connection, logger: logger, body)
        }
    }

    /// Runs one statement on its own (it commits by itself) and returns its rows.
    func query(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        try await leased { connection in
            var rows: [PostgresRow] = []
            for try await row in try await connection.answer(query, logger: logger) { rows.append(row) }
            return rows
        }
    }
}

/// Whether a connection lease was given or given up: whichever happens first wins.
private final class LeaseClaim: Sendable {
    private enum State { case waiting, leased, abandoned }
    private let state = Mutex(State.waiting)
    /// Marks the lease given; false when it was already given up (the connection goes back unused).
    func claim() -> Bool { state.withLock { if $0 == .waiting { $0 = .leased; return true }; return false } }
    /// Gives the lease up; false when a connection was already given.
    func abandon() -> Bool { state.withLock { if $0 == .waiting { $0 = .abandoned; return true }; return false } }
    var isLeased: Bool { state.withLock { $0 == .leased } }
}

/// What a child of a lease ends with: the work's value, or the end of the watch over the wait.
private enum LeaseOutcome<Value: Sendable>: Sendable {
    case value(Value)
    case watched
}

/// The wait for a connection was given up (deadline, or the pool was replaced).
private struct LeaseAbandoned: Error {}

/// The leased connection was closed before anything was written to it.
private struct LeasedClosed: Error {}

/// A value that crosses into a child task the caller awaits before it returns.
private struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// `work`'s result, or ``OctoError/Code/unavailable`` when it takes longer than `limit` (the work
/// itself is left to finish or fail on its own).
func deadline<T: Sendable>(_ limit: Duration, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
    let once = ResumeOnce<T>()
    return try await withCheckedThrowingContinuation { continuation in
        once.set(continuation)
        Task {
            let result: Result<T, any Error>
            do { result = .success(try await work()) } catch { result = .failure(error) }
            once.resume(with: result)
        }
        Task {
            try? await Task.sleep(for: limit)
            once.resume(with: .failure(OctoError(.unavailable, "the database server did not answer within \(limit)")))
        }
    }
}

/// A continuation resumed by whichever comes first.
private final class ResumeOnce<T: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<T, any Error>?>(nil)
    func set(_ value: CheckedContinuation<T, any Error>) { continuation.withLock { $0 = value } }
    func resume(with result: Result<T, any Error>) { continuation.withLock { $0.take() }?.resume(with: result) }
}
