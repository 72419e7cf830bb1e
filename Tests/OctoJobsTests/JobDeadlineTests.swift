import Foundation
import OctoCore
import OctoJobs
import OctoStore
import OctoTestSupport
import Testing

/// A handler that never returns and ignores cancellation.
struct Hang: JobPayload {
    static let jobType = "test.hang"
}

extension JobQueueTests {
/// A job that hangs is failed at its deadline: its lease is no longer renewed and its ordering key is freed.
@Suite
struct Deadline {
    @Test(arguments: Driver.allCases)
    func aHungHandlerFailsAtItsDeadlineAndFreesItsOrderingKey(driver: Driver) async throws {
        try await Harness.with(driver) { h in
            let provider = try await h.stack.makeProvider("hang-\(driver)").id
            let queue = try h.makeQueue()
            let recorder = Recorder()
            var handlers = recorder.handlers()
            handlers.register(Hang.self) { _, _ in
                await withCheckedContinuation { (_: CheckedContinuation<Void, Never>) in }
            }
            try await queue.enqueue(Hang(), provider: provider, maxAttempts: 1, orderingKey: "ont-1")
            try await queue.enqueue(Step(label: "after"), provider: provider, priority: -1, orderingKey: "ont-1")
            let worker = JobWorker(queue: queue, handlers: handlers,
                                   configuration: .init(concurrency: 2, lease: 30, pollInterval: .milliseconds(10), deadline: .milliseconds(800)),
                                   clock: h.clock, logger: Harness.logger)
            let started = ContinuousClock.now
            let running = Task { try await worker.run() }
            defer { running.cancel() }
            try await eventually(timeout: .seconds(15), "the job behind the hung one") { recorder.labels == ["after"] }
            #expect(ContinuousClock.now - started >= .milliseconds(800))
            let dead = try await h.jobs(queue, provider, state: .dead)
            #expect(dead.count == 1 && dead.first?.type == Hang.jobType, "\(dead)")
            #expect(dead.first?.lastError?.contains("deadline") == true, "\(String(describing: dead.first?.lastError))")
            #expect(try await h.jobs(queue, provider, state: .running).isEmpty)
        }
    }
}
}
