import Foundation
import Metrics
import Synchronization

/// Writes the work of concurrent callers of one provider together: a caller's item waits while a batch
/// of its provider is being written, then goes with every item that gathered meanwhile (up to
/// `maximumBatch`) in one transaction. An idle provider's item is written at once, alone; under load the
/// batches grow by themselves, so one statement, one transaction and one WAL flush serve many sessions.
/// One batch per provider at a time measured faster in the reboot storm than two or three (larger
/// batches, none competing for the cores). Each caller returns only after its batch was written (committed).
///
/// Items with the same key never share a batch (a batch writes each device once). When a batch fails
/// (its transaction rolled back, or the connection was lost around its commit), each of its items is
/// written again alone through `single`, so a bad item fails only its own caller; writing an item twice
/// must therefore be harmless.
final class GroupCommit<Item: Sendable, Output: Sendable>: Sendable {
    typealias Batch = @Sendable (_ provider: UUID, _ items: [Item]) async throws -> [Output]
    typealias Single = @Sendable (_ provider: UUID, _ item: Item) async throws -> Output

    private struct Waiter {
        var item: Item
        var key: String
        var continuation: CheckedContinuation<Output, any Error>
    }

    private struct Queue {
        var waiting: [Waiter] = []
        var writing = false
    }

    let maximumBatch: Int
    private let batch: Batch
    private let single: Single
    private let queues = Mutex<[UUID: Queue]>([:])
    /// Batches written and items they carried (for tests); also counted as metrics.
    let written = Atomic<Int>(0)
    let carried = Atomic<Int>(0)
    private let batches: Counter
    private let items: Counter
    private let retries: Counter

    /// A group commit of `statement` (the metrics' label).
    init(statement: String, maximumBatch: Int, batch: @escaping Batch, single: @escaping Single) {
        self.maximumBatch = max(1, maximumBatch)
        self.batch = batch
        self.single = single
        batches = Counter(label: "octoisp_cwmp_group_commit_batches_total", dimensions: [("statement", statement)])
        items = Counter(label: "octoisp_cwmp_group_commit_items_total", dimensions: [("statement", statement)])
        retries = Counter(label: "octoisp_cwmp_group_commit_retries_total", dimensions: [("statement", statement)])
    }

    /// Writes `item` with whatever else of `provider` is waiting and returns its output once committed.
    func submit(_ item: Item, key: String, provider: UUID) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            let next = queues.withLock { queues in
                queues[provider, default: Queue()].waiting.append(Waiter(item: item, key: key, continuation: continuation))
                return Self.take(provider, from: &queues, maximumBatch: maximumBatch)
            }
            if let next { start(next, provider: provider) }
        }
    }

    /// The next batch of `provider` unless one is being written: the oldest waiting items, one per key.
    private static func take(_ provider: UUID, from queues: inout [UUID: Queue], maximumBatch: Int) -> [Waiter]? {
        guard var queue = queues[provider], !queue.writing, !queue.waiting.isEmpty else { return nil }
        var taken: [Waiter] = []
        var left: [Waiter] = []
        var keys = Set<String>()
        for waiter in queue.waiting {
            if taken.count < maximumBatch, keys.insert(waiter.key).inserted {
                taken.append(waiter)
            } else {
                left.append(waiter)
            }
        }
        queue.waiting = left
        queue.writing = true
        queues[provider] = queue
        return taken
    }

    private func start(_ waiters: [Waiter], provider: UUID) {
        Task {
            await write(waiters, provider: provider)
            let next = queues.withLock { queues -> [Waiter]? in
                queues[provider]?.writing = false
                let next = Self.take(provider, from: &queues, maximumBatch: maximumBatch)
                if let queue = queues[provider], !queue.writing, queue.waiting.isEmpty { queues[provider] = nil }
                return next
            }
            if let next { start(next, provider: provider) }
        }
    }

    private func write(_ waiters: [Waiter], provider: UUID) async {
        written.add(1, ordering: .relaxed)
        carried.add(waiters.count, ordering: .relaxed)
        batches.increment()
        items.increment(by: waiters.count)
        do {
            let outputs = try await batch(provider, waiters.map(\.item))
            guard outputs.count == waiters.count else { throw GroupCommitError.outputCount(expected: waiters.count, got: outputs.count) }
            for (waiter, output) in zip(waiters, outputs) { waiter.continuation.resume(returning: output) }
        } catch {
            // Each item on its own, so one bad item fails alone.
            retries.increment()
            await withTaskGroup(of: Void.self) { group in
                for waiter in waiters {
                    group.addTask { [single] in
                        do {
                            waiter.continuation.resume(returning: try await single(provider, waiter.item))
                        } catch {
                            waiter.continuation.resume(throwing: error)
                        }
                    }
                }
            }
        }
    }
}

/// A batch statement answered with a different number of rows than it was given items.
enum GroupCommitError: Error, CustomStringConvertible {
    case outputCount(expected: Int, got: Int)

    var description: String {
        switch self {
        case .outputCount(let expected, let got): "batch returned \(got) results for \(expected) items"
        }
    }
}
