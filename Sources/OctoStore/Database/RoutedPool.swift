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
    /// How long a transaction waits for a server that fits while none does (during a failover).
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

    /// The pool on the fitting server, waiting up to `failoverWait` for one.
    private func current() async throws -> PostgresClient {
        if let fixed { return fixed }
        let start = ContinuousClock.now
        while true {
            if let current = state.withLock({ $0.current }) { return current.client }
            if ContinuousClock.now - start >= failoverWait || Task.isCancelled {
                throw OctoError(.unavailable, "no database server is available (\(url.description)); nothing was saved, try again")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Reports a failure; a connection failure makes the watch check the server at once.
    private func noticed(_ error: any Error) {
        if fixed == nil, isConnectionFailure(error) { state.withLock { $0.alarmed = true } }
    }

    func withTransaction<Result>(logger: Logger, _ body: (PostgresConnection) async throws -> sending Result) async throws -> sending Result {
        let client = try await current()
        do {
            return try await client.withTransaction(logger: logger, body)
        } catch let error as PostgresTransactionError {
            noticed(error.closureError ?? error.commitError ?? error.beginError ?? error)
            throw error
        } catch {
            noticed(error)
            throw error
        }
    }

    @discardableResult
    func query(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        let client = try await current()
        do {
            return try await client.query(query, logger: logger)
        } catch {
            noticed(error)
            throw error
        }
    }
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
