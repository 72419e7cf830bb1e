import Foundation
import OctoCore
import OctoJobs
import OctoStore
import PostgresNIO
import OctoTestSupport
import Synchronization
import Testing

/// Every job-queue test, one at a time: the Redis restart test must not overlap the others.
@Suite(.serialized)
struct JobQueueTests {}

extension JobQueueTests {
/// One contract, both drivers.
@Suite
struct Conformance {
    @Test(arguments: Driver.allCases)
    func priorityThenDelay(driver: Driver) async throws {
        try await Harness.with(driver) { h in
            let provider = try await h.stack.makeProvider("prio-\(driver)").id
            let queue = try h.makeQueue()
            let recorder = Recorder()
            try await queue.enqueue(Step(label: "low"), provider: provider, priority: 0)
            try await queue.enqueue(Step(label: "high"), provider: provider, priority: 5)
            try await queue.enqueue(Step(label: "later"), provider: provider, priority: 9, runAt: h.clock.now.addingTimeInterval(60))
            let worker = h.worker(queue, recorder.handlers())
            try await h.drain(worker, limit: 1)
            #expect(recorder.labels == ["high", "low"])
            h.clock.advance(by: 61)
            try await h.drain(worker, limit: 1)
            #expect(recorder.labels == ["high", "low", "later"])
            #expect(try await h.jobs(queue, provider).isEmpty)
        }
    }

    @Test(arguments: Driver.allCases)
    func dedupCollapsesWaitingJobs(driver: Driver) async throws {
        try await Harness.with(driver) { h in
            let provider = try await h.stack.makeProvider("dedup-\(driver)").id
            let queue = try h.makeQueue()
            let recorder = Recorder()
            let first = try await queue.enqueue(Step(label: "a"), provider: provider, dedupKey: "device-1")
            let second = try await queue.enqueue(Step(label: "b"), provider: provider, dedupKey: "device-1")
            #expect(second == .duplicate(first.id))
            try await h.drain(h.worker(queue, recorder.handlers()))
            #expect(recorder.labels == ["a"])
            let third = try await queue.enqueue(Step(label: "c"), provider: provider, dedupKey: "device-1")
            #expect(third == .enqueued(third.id))
        }
    }

    @Test(arguments: Driver.allCases)
    func orderingKeyRunsOneAtATimeInOrder(driver: Driver) async throws {
        try await Harness.with(driver) { h in
            let provider = try await h.stack.makeProvider("order-\(driver)").id
            let queue = try h.makeQueue()
            let recorder = Recorder()
            for (index, label) in ["1", "2", "3"].enumerated() {
                try await queue.enqueue(Step(label: label), provider: provider, priority: index * 10, orderingKey: "ont-7")
            }
            try await queue.enqueue(Step(label: "free"), provider: provider, priority: -5)
            let worker = h.worker(queue, recorder.handlers(failing: ["2": 1]), concurrency: 8,
                                  retry: RetryPolicy(base: 5, factor: 1, cap: 5, jitter: 0))
            var rounds = 0
            while recorder.labels.count < 4 && rounds < 20 {
                let ran = try await worker.runOnce()
                if ran == 0 { h.clock.advance(by: 5) }
                rounds += 1
            }
            #expect(recorder.labels.filter { $0 != "free" } == ["1", "2", "3"])
            #expect(recorder.maxRunning <= 2) // "free" beside one of the ordered jobs at most
        }
    }

    @Test(arguments: Driver.allCases)
    func backoffThenDeadLetterThenRetry(driver: Driver) async throws {
        try await Harness.with(driver) { h in
            let provider = try await h.stack.makeProvider("backoff-\(driver)").id
            let queue = try h.makeQueue()
            let recorder = Recorder()
            try await queue.enqueue(Step(label: "flaky"), provider: provider, maxAttempts: 3)
            let worker = h.worker(queue, recorder.handlers(failing: ["flaky": 3]))
            let start = h.clock.now
            #expect(try await worker.runOnce() == 1)
            var job = try #require(try await h.jobs(queue, provider).first)
            #expect(job.state == .ready && job.attempts == 1)
            #expect(abs(job.runAt.timeIntervalSince(start) - 10) < 0.01)
            #expect(try await worker.runOnce() == 0) // not due yet
            h.clock.advance(by: 10)
            #expect(try await worker.runOnce() == 1)
            job = try #require(try await h.jobs(queue, provider).first)
            #expect(abs(job.runAt.timeIntervalSince(h.clock.now) - 20) < 0.01)
            h.clock.advance(by: 20)
            #expect(try await worker.runOnce() == 1)
            let dead = try #require(try await h.jobs(queue, provider, state: .dead).first)
            #expect(dead.attempts == 3)
            #expect(dead.history.map(\.attempt) == [1, 2, 3])
            #expect(dead.lastError?.contains("planned failure of flaky") == true)
            #expect(try await h.jobs(queue, provider, state: .ready).isEmpty)

            try await queue.retryDead(provider: provider, id: dead.id)
            #expect(try await worker.runOnce() == 1) // the planned failures are used up: this attempt succeeds
            #expect(recorder.labels == ["flaky"])
            #expect(try await h.jobs(queue, provider).isEmpty)
            await #expect(throws: JobError.self) { try await queue.retryDead(provider: provider, id: dead.id) }
        }
    }

    @Test(arguments: Driver.allCases)
    func discardRemovesDeadLetters(driver: Driver) async throws {
        try await Harness.with(driver) { h in
            let provider = try await h.stack.makeProvider("discard-\(driver)").id
            let other = try await h.stack.makeProvider("other-\(driver)").id
            let queue = try h.makeQueue()
            try await queue.enqueue(Step(label: "x"), provider: provider, maxAttempts: 1)
            try await h.drain(h.worker(queue, Recorder().handlers(failing: ["x": 1])))
            let dead = try #require(try await h.jobs(queue, provider, state: .dead).first)
            await #expect(throws: JobError.self) { try await queue.discardDead(provider: other, id: dead.id) }
            try await queue.discardDead(provider: provider, id: dead.id)
            #expect(try await h.jobs(queue, provider).isEmpty)
        }
    }

    @Test(arguments: Driver.allCases)
    func malformedPayloadsAreDeadLetteredAtOnce(driver: Driver) async throws {
        try await Harness.with(driver) { h in
            let provider = try await h.stack.makeProvider("malformed-\(driver)").id
            let queue = try h.makeQueue()
            try await queue.enqueue(JobRequest(providerID: provider, type: Step.jobType, payload: Data("{\"nope\":1}".utf8), maxAttempts: 5))
            try await queue.enqueue(JobRequest(providerID: provider, type: Step.jobType, payload: Data([0xff, 0x00, 0x12]), maxAttempts: 5))
            try await queue.enqueue(JobRequest(providerID: provider, type: "no.such.type", payload: Data("{}".utf8), maxAttempts: 5))
            try await h.drain(h.worker(queue, Recorder().handlers(), concurrency: 4))
            let dead = try await h.jobs(queue, provider, state: .dead)
            #expect(dead.count == 3)
            #expect(dead.allSatisfy { $0.attempts == 1 })
            #expect(dead.filter { $0.lastError?.contains("malformed_payload") == true }.count == 2)
            #expect(dead.contains { $0.lastError?.contains("missing key 'label'") == true })
            #expect(dead.contains { $0.lastError?.contains("unknown_type") == true })
        }
    }

    @Test(arguments: Driver.allCases)
    func floodingProviderDoesNotDelayAnother(driver: Driver) async throws {
        try await Harness.with(driver) { h in
            let flood = try await h.stack.makeProvider("flood-\(driver)").id
            let small = try await h.stack.makeProvider("small-\(driver)").id
            let large = try await h.stack.makeProvider("large-\(driver)").id
            try await h.stack.database.withGlobal { tx in try await tx.query("UPDATE providers SET large = true WHERE id = \(large)") }
            let queue = try h.makeQueue()
            let recorder = Recorder()
            for start in stride(from: 0, to: 2000, by: 200) {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in start..<(start + 200) {
                        group.addTask { try await queue.enqueue(Step(label: "flood-\(index)"), provider: flood) }
                    }
                    try await group.waitForAll()
                }
            }
            let worker = h.worker(queue, recorder.handlers(), concurrency: 10)
            try await worker.runOnce()
            try await queue.enqueue(Step(label: "small"), provider: small)
            try await queue.enqueue(Step(label: "large"), provider: large)
            var rounds = 0
            while !recorder.labels.contains("small") && rounds < 10 {
                try await worker.runOnce()
                rounds += 1
            }
            #expect(rounds <= 2, "the small provider's job waited \(rounds) dispatch rounds")
            let largeJob = try #require(try await h.jobs(queue, large).first)
            #expect(largeJob.queue == JobQueueName.dedicated("default", provider: large))
            #expect(try await queue.queues().contains(largeJob.queue))
            let stats = try await queue.stats()
            #expect(stats.first { $0.providerId == flood }?.ready ?? 0 > 1900)
        }
    }

    @Test(arguments: Driver.allCases)
    func concurrencyLimitHoldsAcrossTwoWorkers(driver: Driver) async throws {
        try await Harness.with(driver) { h in
            let provider = try await h.stack.makeProvider("conc-\(driver)").id
            let first = try h.makeQueue()
            let second = try h.makeQueue()
            try await first.setLimits(ProviderLimits(maxConcurrency: 2), provider: provider)
            for index in 0..<12 { try await first.enqueue(Step(label: "\(index)", sleepMilliseconds: 60), provider: provider) }
            let recorder = Recorder()
            let workers = [h.worker(first, recorder.handlers(), concurrency: 4), h.worker(second, recorder.handlers(), concurrency: 4)]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in workers { group.addTask { try await worker.run() } }
                try await eventually("12 jobs") {
                    guard recorder.labels.count == 12 else { return false }
                    return try await h.jobs(first, provider).isEmpty
                }
                group.cancelAll()
            }

            #expect(recorder.maxRunning == 2)
        }
    }

    @Test(arguments: Driver.allCases)
    func rateLimitHoldsAcrossTwoWorkers(driver: Driver) async throws {
        try await Harness.with(driver) { h in
            let provider = try await h.stack.makeProvider("rate-\(driver)").id
            let first = try h.makeQueue()
            let second = try h.makeQueue()
            try await first.setLimits(ProviderLimits(ratePerSecond: 1, burst: 2), provider: provider)
            for index in 0..<5 { try await first.enqueue(Step(label: "\(index)"), provider: provider) }
            let recorder = Recorder()
            let workers = [h.worker(first, recorder.handlers(), concurrency: 4), h.worker(second, recorder.handlers(), concurrency: 4)]
            func step() async throws { for worker in workers { try await worker.runOnce() } }
            try await step(); try await step()
            #expect(recorder.labels.count == 2)
            h.clock.advance(by: 1)
            try await step(); try await step()
            #expect(recorder.labels.count == 3)
            h.clock.advance(by: 2)
            try await step(); try await step()
            #expect(recorder.labels.count == 5)
        }
    }

    @Test(arguments: Driver.allCases)
    func expiredLeaseRunsAgain(driver: Driver) async throws {
        try await Harness.with(driver) { h in
            let provider = try await h.stack.makeProvider("lease-\(driver)").id
            let queue = try h.makeQueue()
            try await queue.enqueue(Step(label: "once"), provider: provider, maxAttempts: 3)
            let lost = try #require(try await queue.claim(queue: "default", worker: "gone", lease: 5, limit: 1).first)
            #expect(try await queue.claim(queue: "default", worker: "other", lease: 5, limit: 1).isEmpty)
            #expect(try await queue.recoverExpiredLeases() == 0)
            h.clock.advance(by: 6)
            #expect(try await queue.recoverExpiredLeases() == 1)
            let recorder = Recorder()
            try await h.drain(h.worker(queue, recorder.handlers()))
            #expect(recorder.labels == ["once"])
            #expect(try await queue.complete(lost) == false) // the lost claim cannot ack any more
        }
    }

    @Test(arguments: Driver.allCases)
    func recurringScheduleFiresOncePerPeriod(driver: Driver) async throws {
        try await Harness.with(driver) { h in
            let provider = try await h.stack.makeProvider("cron-\(driver)").id
            let queue = try h.makeQueue()
            let schedule = RecurringSchedule(name: "rollup-\(h.prefix)", every: 300) { start in
                [try JobRequest(Step(label: "rollup-\(Int(start.timeIntervalSince1970))"), providerID: provider)]
            }
            let schedulers = (0..<3).map { _ in JobScheduler(queue: queue, schedules: [schedule], clock: h.clock, logger: Harness.logger) }
            var fired = 0
            for scheduler in schedulers { fired += await scheduler.fireDue().count }
            #expect(fired == 1)
            h.clock.advance(by: 300)
            fired = 0
            for scheduler in schedulers { fired += await scheduler.fireDue().count }
            #expect(fired == 1)
            #expect(try await h.jobs(queue, provider).count == 2)
        }
    }

    /// A scheduler that claimed a period and died (here: its jobs failed) before enqueueing them does
    /// not lose the period: another tick takes the claim again once its lease is over.
    @Test(arguments: Driver.allCases)
    func aClaimedPeriodWhoseJobsWereNeverEnqueuedFiresAfterTheLease(driver: Driver) async throws {
        try await Harness.with(driver) { h in
            let provider = try await h.stack.makeProvider("cron-lost-\(driver)").id
            let queue = try h.makeQueue()
            let attempts = Mutex(0)
            let schedule = RecurringSchedule(name: "report-\(h.prefix)", every: 3600) { start in
                let attempt = attempts.withLock { $0 += 1; return $0 }
                if attempt == 1 { throw TestSetupError("the process died before enqueueing") }
                return [try JobRequest(Step(label: "report-\(Int(start.timeIntervalSince1970))"), providerID: provider)]
            }
            let schedulers = (0..<2).map { _ in JobScheduler(queue: queue, schedules: [schedule], clock: h.clock, logger: Harness.logger) }
            // Start just after an hour begins, so every step below stays in the same period.
            let now = h.clock.now.timeIntervalSince1970
            h.clock.advance(by: (now / 3600).rounded(.up) * 3600 - now + 1)
            #expect(await schedulers[0].fireDue().isEmpty)
            // Within the lease nobody takes the claim over.
            h.clock.advance(by: 30)
            #expect(await schedulers[1].fireDue().isEmpty)
            #expect(try await h.jobs(queue, provider).isEmpty)
            // After it, exactly one scheduler fires the same period, and then it is done for good.
            h.clock.advance(by: 31)
            var fired = 0
            for scheduler in schedulers { fired += await scheduler.fireDue().count }
            #expect(fired == 1)
            #expect(try await h.jobs(queue, provider).count == 1)
            h.clock.advance(by: 120)
            fired = 0
            for scheduler in schedulers { fired += await scheduler.fireDue().count }
            #expect(fired == 0)
            #expect(try await h.jobs(queue, provider).count == 1)
        }
    }
}
}
