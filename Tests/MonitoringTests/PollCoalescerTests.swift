import Foundation
@testable import Monitoring
import Synchronization
import Testing

/// Requests that arrive while a provider's round is in flight go together in its next round.
@Suite struct PollCoalescerTests {
    /// A gate the first round waits at, and what each round was given.
    final class Rounds: Sendable {
        let given = Mutex<[[Int]]>([])
        let started = AsyncStream<Void>.makeStream()
        let release = AsyncStream<Void>.makeStream()
    }

    @Test func requestsThatArriveDuringARoundShareTheNextOne() async throws {
        let rounds = Rounds()
        let provider = UUID()
        let coalescer = PollCoalescer<Int, Int> { _, requests in
            let first = rounds.given.withLock { given in
                given.append(requests)
                return given.count == 1
            }
            if first {
                rounds.started.continuation.yield()
                var gate = rounds.release.stream.makeAsyncIterator()
                _ = await gate.next()
            }
            return requests.map { $0 * 10 }
        }
        try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            group.addTask { (0, try await coalescer.submit(0, provider: provider)) }
            var started = rounds.started.stream.makeAsyncIterator()
            _ = await started.next()
            for request in 1...9 {
                group.addTask { (request, try await coalescer.submit(request, provider: provider)) }
            }
            // Let all nine wait behind the first round before it ends.
            while coalescer.pending(for: provider) < 9 { try await Task.sleep(for: .milliseconds(5)) }
            rounds.release.continuation.yield()
            var answers: [Int: Int] = [:]
            for try await (request, answer) in group { answers[request] = answer }
            #expect(answers == Dictionary(uniqueKeysWithValues: (0...9).map { ($0, $0 * 10) }))
        }
        let given = rounds.given.withLock { $0 }
        #expect(given.count == 2)
        #expect(given.first == [0])
        #expect(given.last.map(Set.init) == Set(1...9))
        #expect(coalescer.statistics.rounds == 2)
        #expect(coalescer.statistics.requests == 10)
    }

    @Test func aFailedRoundFailsItsRequestsOnlyAndProvidersDoNotWaitForEachOther() async throws {
        struct Refused: Error {}
        let coalescer = PollCoalescer<Int, Int> { _, requests in
            if requests.contains(-1) { throw Refused() }
            return requests
        }
        let first = UUID(), second = UUID()
        await #expect(throws: Refused.self) { try await coalescer.submit(-1, provider: first) }
        #expect(try await coalescer.submit(7, provider: first) == 7)
        async let a = coalescer.submit(1, provider: first)
        async let b = coalescer.submit(2, provider: second)
        #expect(try await [a, b] == [1, 2])
    }

    @Test func aRoundThatAnswersTooFewFailsInsteadOfLeavingAPollWaiting() async throws {
        let coalescer = PollCoalescer<Int, Int> { _, _ in [] }
        await #expect(throws: PollCoalescerError.self) { try await coalescer.submit(1, provider: UUID()) }
    }

    @Test func roundsCarryAtMostTheirLimit() async throws {
        let sizes = Mutex<[Int]>([])
        let coalescer = PollCoalescer<Int, Int>(maxRequests: 3) { _, requests in
            sizes.withLock { $0.append(requests.count) }
            try await Task.sleep(for: .milliseconds(20))
            return requests
        }
        let provider = UUID()
        try await withThrowingTaskGroup(of: Int.self) { group in
            for request in 0..<10 { group.addTask { try await coalescer.submit(request, provider: provider) } }
            var answers: [Int] = []
            for try await answer in group { answers.append(answer) }
            #expect(answers.sorted() == Array(0..<10))
        }
        #expect(sizes.withLock { $0 }.allSatisfy { $0 <= 3 })
        #expect(sizes.withLock { $0 }.reduce(0, +) == 10)
    }
}
