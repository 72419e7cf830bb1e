import Foundation
import OctoCore
import OctoJobs
import OctoStore
import OctoTestSupport
import Testing

/// Batched enqueues and acks, on both drivers.
extension JobQueueTests {
@Suite
struct Batches {
    @Test(arguments: Driver.allCases)
    func batchEnqueueKeepsOrderDedupAndProviders(driver: Driver) async throws {
        try await Harness.with(driver) { h in
            let alfa = try await h.stack.makeProvider("batch-a-\(driver)").id
            let beta = try await h.stack.makeProvider("batch-b-\(driver)").id
            let queue = try h.makeQueue()
            let requests = [
                try JobRequest(Step(label: "a1"), providerID: alfa, dedupKey: "d"),
                try JobRequest(Step(label: "b1"), providerID: beta, priority: 3),
                try JobRequest(Step(label: "a2"), providerID: alfa, dedupKey: "d"),
                try JobRequest(Step(label: "a3"), providerID: alfa, orderingKey: "ont"),
                try JobRequest(Step(label: "a4"), providerID: alfa, orderingKey: "ont"),
            ]
            let results = try await queue.enqueue(requests)
            #expect(results == [.enqueued(requests[0].id), .enqueued(requests[1].id), .duplicate(requests[0].id),
                                .enqueued(requests[3].id), .enqueued(requests[4].id)])
            #expect(try await h.jobs(queue, alfa).count == 3)
            #expect(try await h.jobs(queue, beta).count == 1)
            await #expect(throws: JobError.self) {
                _ = try await queue.enqueue([try JobRequest(Step(label: "bad"), providerID: alfa, maxAttempts: 0)])
            }
            let recorder = Recorder()
            try await h.drain(h.worker(queue, recorder.handlers(), concurrency: 8))
            #expect(Set(recorder.labels) == ["a1", "b1", "a3", "a4"])
            #expect(recorder.labels.firstIndex(of: "a3")! < recorder.labels.firstIndex(of: "a4")!)
        }
    }

    @Test(arguments: Driver.allCases)
    func batchAckRefusesLostClaims(driver: Driver) async throws {
        try await Harness.with(driver) { h in
            let provider = try await h.stack.makeProvider("acks-\(driver)").id
            let queue = try h.makeQueue()
            _ = try await queue.enqueue((0..<3).map { try JobRequest(Step(label: "\($0)"), providerID: provider) })
            let claimed = try await queue.claim(queue: "default", worker: "w", lease: 30, limit: 3)
            #expect(claimed.count == 3)
            var stale = claimed[1]
            stale.leaseToken = UUID()
            #expect(try await queue.complete([claimed[0], stale, claimed[2]]) == [true, false, true])
            let left = try await h.jobs(queue, provider)
            #expect(left.map(\.id) == [claimed[1].id] && left.first?.state == .running)
            #expect(try await queue.complete([claimed[1]]) == [true])
            #expect(try await h.jobs(queue, provider).isEmpty)
        }
    }

    /// A worker that runs many short jobs at once acks them in groups and loses none.
    @Test(arguments: Driver.allCases)
    func busyWorkerAcksEveryJob(driver: Driver) async throws {
        try await Harness.with(driver) { h in
            let provider = try await h.stack.makeProvider("busy-\(driver)").id
            let queue = try h.makeQueue()
            _ = try await queue.enqueue((0..<300).map { try JobRequest(Step(label: "\($0)"), providerID: provider) })
            let recorder = Recorder()
            let worker = h.worker(queue, recorder.handlers(), concurrency: 32)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await worker.run() }
                try await eventually("300 jobs acked") {
                    guard recorder.labels.count >= 300 else { return false }
                    return try await h.jobs(queue, provider).isEmpty
                }
                group.cancelAll()
            }
            #expect(recorder.labels.count == 300)
        }
    }
}
}
