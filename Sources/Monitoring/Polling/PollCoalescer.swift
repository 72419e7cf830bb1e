import Foundation
import Synchronization

/// Runs the requests of many concurrent polls as one database round: the requests of a provider that
/// arrive while a round for that provider is in flight go together in its next round (group commit; no
/// timer, so a lone poll is never delayed). A poll waits for the round that carries its request, so what
/// it reads or writes is committed when it continues.
///
/// `run` answers every request of a round, in order; when it throws, every request of that round fails
/// with the error (its polls fail and their jobs are retried).
final class PollCoalescer<Request: Sendable, Response: Sendable>: Sendable {
    typealias Run = @Sendable (_ provider: UUID, _ requests: [Request]) async throws -> [Response]

    private struct Waiter {
        var request: Request
        var continuation: CheckedContinuation<Response, any Error>
    }

    private struct State {
        var pending: [UUID: [Waiter]] = [:]
        var running: Set<UUID> = []
    }

    /// Most requests per round.
    let maxRequests: Int
    private let run: Run
    private let state = Mutex(State())
    private let counters = Mutex<(rounds: Int, requests: Int)>((0, 0))

    init(maxRequests: Int = 256, run: @escaping Run) {
        self.maxRequests = max(1, maxRequests)
        self.run = run
    }

    /// Rounds run so far and the requests they carried.
    var statistics: (rounds: Int, requests: Int) { counters.withLock { $0 } }

    /// Requests of `provider` waiting for a round.
    func pending(for provider: UUID) -> Int { state.withLock { $0.pending[provider]?.count ?? 0 } }

    /// The answer to `request`, once the round that carries it has run.
    func submit(_ request: Request, provider: UUID) async throws -> Response {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Response, any Error>) in
            let lead = state.withLock { state -> Bool in
                state.pending[provider, default: []].append(Waiter(request: request, continuation: continuation))
                return state.running.insert(provider).inserted
            }
            // The rounds outlive no poll: they end when nothing is pending, and every pending poll awaits them.
            if lead { Task { await self.rounds(for: provider) } }
        }
    }

    private func rounds(for provider: UUID) async {
        while true {
            let batch = state.withLock { state -> [Waiter] in
                guard var waiting = state.pending[provider], !waiting.isEmpty else {
                    state.pending[provider] = nil
                    state.running.remove(provider)
                    return []
                }
                let taken = Array(waiting.prefix(maxRequests))
                waiting.removeFirst(taken.count)
                state.pending[provider] = waiting.isEmpty ? nil : waiting
                return taken
            }
            if batch.isEmpty { return }
            counters.withLock { $0.rounds += 1; $0.requests += batch.count }
            do {
                let responses = try await run(provider, batch.map(\.request))
                guard responses.count == batch.count else {
                    throw PollCoalescerError(expected: batch.count, answered: responses.count)
                }
                for (waiter, response) in zip(batch, responses) { waiter.continuation.resume(returning: response) }
            } catch {
                for waiter in batch { waiter.continuation.resume(throwing: error) }
            }
        }
    }
}

/// A round answered a different number of requests than it was given (a programming error).
struct PollCoalescerError: Error, CustomStringConvertible {
    var expected: Int
    var answered: Int
    var description: String { "a poll round answered \(answered) of \(expected) requests" }
}
