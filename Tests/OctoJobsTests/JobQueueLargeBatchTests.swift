import Foundation
import OctoCore
import OctoJobs
import OctoStore
import OctoTestSupport
import Synchronization
import Testing

/// Batches larger than one script call, and leases that heartbeats keep alive, on both drivers.
extension JobQueueTests {
@Suite
struct LargeBatches {
    /// 1,200 jobs over two providers in one call (more than one Redis script call holds), some of them
    /// delayed, some of each provider with a higher priority: the counts add up, the priorities come
    /// first (within whichever provider a claim serves first: providers are served in turn) and every
    /// job runs once.
    @Test(arguments: Driver.allCases)
    func largeBatchKeepsCountsPrioritiesAndDelays(driver: Driver) async throws {
        try await Harness.with(driver) { h in
            let alfa = try await h.stack.makeProvider("large-a-\(driver)").id
            let beta = try await h.stack.makeProvider("large-b-\(driver)").id
            let queue = try h.makeQueue()
            let later = h.clock.now.addingTimeInterval(120)
            let requests = try (0..<1_200).map { n in
                try JobRequest(Step(label: "\(n)"), providerID: n % 2 == 0 ? alfa : beta, priority: [7, 8].contains(n % 100) ? 9 : 0,
                               runAt: n % 10 == 3 ? later : nil)
            }
            let results = try await queue.enqueue(requests)
            #expect(results == requests.map { .enqueued($0.id) })
            let stats = try await queue.stats().filter { $0.queue == "default" }
            #expect(stats.first { $0.providerId == alfa }?.ready == 600)
            #expect(stats.first { $0.providerId == beta }?.ready == 600)

            let first = try await queue.claim(queue: "default", worker: "w", lease: 30, limit: 12)
            #expect(first.count == 12)
            let labels = try first.map { try JSONDecoder().decode(Step.self, from: $0.payload).label }
            #expect(labels.allSatisfy { [7, 8].contains(Int($0)! % 100) }, "\(labels)")
            #expect(try await queue.complete(first) == Array(repeating: true, count: 12))

            let recorder = Recorder()
            try await h.drain(h.worker(queue, recorder.handlers(), concurrency: 64))
            #expect(recorder.labels.count == 1_200 - 12 - 120)
            h.clock.advance(by: 121)
            try await h.drain(h.worker(queue, recorder.handlers(), concurrency: 64))
            #expect(recorder.labels.count == 1_200 - 12)
            #expect(Set(recorder.labels + labels).count == 1_200)
            #expect(try await h.jobs(queue, alfa).isEmpty)
            #expect(try await h.jobs(queue, beta).isEmpty)
        }
    }

    /// A job that runs longer than its lease keeps it: the worker's heartbeats move the lease on, so
    /// recovery does not hand the job to another worker, and it runs once.
    @Test(arguments: Driver.allCases)
    func heartbeatsKeepALongJobLeased(driver: Driver) async throws {
        try await Harness.with(driver) { h in
            let provider = try await h.stack.makeProvider("beat-\(driver)").id
            let queue = try h.makeQueue()
            let release = Atomic<Bool>(false)
            let runs = Atomic<Int>(0)
            var handlers = JobHandlers()
            handlers.register(Step.self) { _, _ in
                runs.add(1, ordering: .relaxed)
                while !release.load(ordering: .relaxed) { try await Task.sleep(for: .milliseconds(20)) }
            }
            try await queue.enqueue(Step(label: "long"), provider: provider)
            // Lease 3 s of the queue's clock: the worker sends a heartbeat every real second.
            let worker = h.worker(queue, handlers, concurrency: 1, lease: 3)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await worker.run() }
                try await eventually("the job runs") { runs.load(ordering: .relaxed) == 1 }
                // Without a heartbeat the lease ends 3 s after the claim; after 4 s of the queue's clock it
                // still holds only because heartbeats moved it on meanwhile.
                h.clock.advance(by: 2)
                try await Task.sleep(for: .milliseconds(2_500))
                h.clock.advance(by: 2)
                #expect(try await queue.recoverExpiredLeases() == 0)
                #expect(try await h.jobs(queue, provider, state: .running).count == 1)
                release.store(true, ordering: .relaxed)
                try await eventually("the job is acked") { try await h.jobs(queue, provider).isEmpty }
                group.cancelAll()
            }
            #expect(runs.load(ordering: .relaxed) == 1)
        }
    }
}
}
