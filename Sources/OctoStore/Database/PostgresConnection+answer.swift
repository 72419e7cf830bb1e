import Logging
import PostgresNIO
import Synchronization

/// The connection closed before the statement was answered: whether it ran (for a COMMIT, whether the
/// transaction committed) is not known.
struct ConnectionLost: Error, CustomStringConvertible {
    var description: String { "the connection closed before the statement was answered" }
}

extension PostgresConnection {
    /// Runs `query` and returns its rows, or fails with ``ConnectionLost`` once the connection has closed
    /// without an answer.
    ///
    /// postgres-nio answers every statement the connection's handler received (with an error when the
    /// connection closes), but a statement written after the channel closed and its pipeline was torn
    /// down never reaches the handler: its promise is never completed and its `query` call waits for
    /// ever, ignoring cancellation. A pooled connection the server ends (a failover, a crash) between
    /// two statements of a transaction gets exactly that for its next statement or its COMMIT. So the
    /// statement runs in a task of its own, and the connection's close fails the call: at once when
    /// the connection had already closed, else after `closeGrace` (the answer of a statement the
    /// handler received comes before the close completes; the grace lets its task deliver it). A
    /// statement that never returns leaves only its suspended task behind; it holds no pool slot (the
    /// pool drops closed connections).
    @discardableResult
    func answer(_ query: PostgresQuery, logger: Logger, file: String = #fileID, line: Int = #line) async throws -> PostgresRowSequence {
        if isClosed { throw ConnectionLost() }
        let outcome = FirstAnswer<PostgresRowSequence>()
        return try await withCheckedThrowingContinuation { continuation in
            outcome.set(continuation)
            let watch = ClosedConnections.shared.watch(self) {
                if outcome.isAnswered { return }
                let eventLoop = self.eventLoop
                eventLoop.scheduleTask(in: .init(ClosedConnections.closeGrace)) { outcome.finish(.failure(ConnectionLost())) }
            }
            // Started at once on this thread: the statement is written without waiting for a task hop.
            Task.immediate {
                let result: Result<PostgresRowSequence, any Error>
                do { result = .success(try await self.query(query, logger: logger, file: file, line: line)) } catch { result = .failure(error) }
                ClosedConnections.shared.unwatch(self, watch)
                outcome.finish(result)
            }
        }
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

/// What runs when a connection closes: one `closeFuture` callback per connection (a callback per
/// statement would pile up on a long-lived pooled connection), fanning out to the statements
/// waiting on it.
final class ClosedConnections: Sendable {
    static let shared = ClosedConnections()
    /// How long a statement whose connection closed may still deliver its own answer.
    static let closeGrace: Duration = .seconds(2)

    private struct Watched {
        /// Held until it closes, so its identity is not reused meanwhile.
        let connection: PostgresConnection
        var waiting: [Int: @Sendable () -> Void] = [:]
    }

    private struct State {
        var next = 0
        var watched: [ObjectIdentifier: Watched] = [:]
    }

    private let state = Mutex(State())

    /// Runs `onClose` once when `connection` closes (at once when it already has), unless unwatched first.
    func watch(_ connection: PostgresConnection, _ onClose: @escaping @Sendable () -> Void) -> Int {
        let key = ObjectIdentifier(connection)
        let (token, first) = state.withLock { state -> (Int, Bool) in
            state.next += 1
            let first = state.watched[key] == nil
            if first { state.watched[key] = Watched(connection: connection) }
            state.watched[key]!.waiting[state.next] = onClose
            return (state.next, first)
        }
        if first {
            connection.closeFuture.whenComplete { _ in
                let waiting = self.state.withLock { $0.watched.removeValue(forKey: key) }?.waiting ?? [:]
                for onClose in waiting.values { onClose() }
            }
        }
        return token
    }

    /// Forgets a watch (its statement was answered).
    func unwatch(_ connection: PostgresConnection, _ token: Int) {
        state.withLock { _ = $0.watched[ObjectIdentifier(connection)]?.waiting.removeValue(forKey: token) }
    }

    /// How many connections are watched now (for tests).
    var count: Int { state.withLock { $0.watched.count } }
}

/// A continuation resumed by the first outcome; later ones are ignored.
private final class FirstAnswer<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var answered = false
    }

    private let state = Mutex(State())

    func set(_ continuation: CheckedContinuation<T, any Error>) { state.withLock { $0.continuation = continuation } }

    var isAnswered: Bool { state.withLock { $0.answered } }

    func finish(_ result: Result<T, any Error>) {
        let continuation = state.withLock { state -> CheckedContinuation<T, any Error>? in
            state.answered = true
            return state.continuation.take()
        }
        continuation?.resume(with: result)
    }
}

/// BEGIN, `body`, COMMIT on `connection`, every statement through ``PostgresConnection/answer(_:logger:file:line:)``;
/// ROLLBACK when `body` throws (skipped when the connection has closed: the server has ended the
/// transaction). A lost COMMIT fails with ``ConnectionLost``: the transaction's outcome is unknown,
/// and the caller must not report it as done.
func transaction<Result: Sendable>(on connection: PostgresConnection, logger: Logger,
                                   _ body: (PostgresConnection) async throws -> Result) async throws -> Result {
    try await connection.answer("BEGIN", logger: logger)
    let value: Result
    do {
        value = try await body(connection)
    } catch {
        if !connection.isClosed { _ = try? await connection.answer("ROLLBACK", logger: logger) }
        throw error
    }
    try await connection.answer("COMMIT", logger: logger)
    return value
}
