import Foundation
import OctoCore
import OctoJobs
import OctoStore
import OctoTestSupport
import PostgresNIO
import Testing

/// Jobs enqueued inside a transaction exist exactly when it commits, on both drivers; with Redis they
/// go through the job outbox, drained by the sweeper after a crash between commit and push.
extension JobQueueTests {
@Suite
struct Outbox {
    struct Rollback: Error {}

    static func outboxRows(_ h: Harness, _ provider: UUID) async throws -> Int {
        try await h.stack.database.withTenant(provider) { tx in
            for try await count in try await tx.query("SELECT count(*)::int8 FROM job_outbox").decode(Int64.self) { return Int(count) }
            return 0
        }
    }

    @Test(arguments: Driver.allCases)
    func aRolledBackChangeRunsNoJob(_ driver: Driver) async throws {
        try await Harness.with(driver) { h in
            let provider = try await h.stack.makeProvider("outbox-rollback").id
            let queue = try h.makeQueue()
            await #expect(throws: Rollback.self) {
                try await h.stack.database.withTenant(provider) { tx in
                    try await JobOutbox.stage(try JobRequest(Step(label: "lost"), providerID: provider), on: queue, in: tx)
                    throw Rollback()
                }
            }
            #expect(try await Self.outboxRows(h, provider) == 0)
            #expect(try await JobOutbox.drain(queue, database: h.stack.database, grace: 0) == 0)
            let recorder = Recorder()
            try await h.drain(h.worker(queue, recorder.handlers()))
            #expect(recorder.labels.isEmpty)
            #expect(try await h.jobs(queue, provider).isEmpty)
        }
    }

    @Test(arguments: Driver.allCases)
    func aCommittedChangeRunsItsJobExactlyOnce(_ driver: Driver) async throws {
        try await Harness.with(driver) { h in
            let provider = try await h.stack.makeProvider("outbox-commit").id
            let queue = try h.makeQueue()
            let job = try JobRequest(Step(label: "kept"), providerID: provider)
            try await h.stack.database.withTenant(provider) { tx in
                try await JobOutbox.stage(job, on: queue, in: tx)
            }
            // Pushed and its row deleted before the transaction's call returned.
            #expect(try await Self.outboxRows(h, provider) == 0)
            #expect(try await h.jobs(queue, provider).map(\.id) == [job.id])
            #expect(try await JobOutbox.drain(queue, database: h.stack.database, grace: 0) == 0)
            let recorder = Recorder()
            try await h.drain(h.worker(queue, recorder.handlers()))
            #expect(recorder.labels == ["kept"])
            if driver == .redis {
                // The sweeper may push a row the commit already pushed: the queue refuses the id again.
                var again = job
                again.once = true
                #expect(try await queue.enqueue(again) == .duplicate(job.id))
                try await h.drain(h.worker(queue, recorder.handlers()))
                #expect(recorder.labels == ["kept"])
            }
        }
    }

    @Test func aCrashBetweenCommitAndPushIsDrainedOnce() async throws {
        try await Harness.with(.redis) { h in
            let provider = try await h.stack.makeProvider("outbox-crash").id
            let queue = try h.makeQueue()
            let job = try JobRequest(Step(label: "late"), providerID: provider)
            // The commit happened, the push did not (the process died in between).
            try await h.stack.database.withTenant(provider) { tx in try await JobOutbox.record([job], in: tx) }
            #expect(try await Self.outboxRows(h, provider) == 1)
            let recorder = Recorder()
            try await h.drain(h.worker(queue, recorder.handlers()))
            #expect(recorder.labels.isEmpty, "nothing was pushed yet")

            // Younger than the grace period: left to the push after its commit.
            #expect(try await JobOutbox.drain(queue, database: h.stack.database, grace: 10) == 0)
            h.clock.advance(by: 11)
            #expect(try await JobOutbox.drain(queue, database: h.stack.database, grace: 10) == 1)
            #expect(try await Self.outboxRows(h, provider) == 0)
            try await h.drain(h.worker(queue, recorder.handlers()))
            #expect(recorder.labels == ["late"])

            // A round whose push went through but whose commit failed leaves the row: pushed again, run once.
            try await h.stack.database.withTenant(provider) { tx in try await JobOutbox.record([job], in: tx) }
            #expect(try await JobOutbox.drain(queue, database: h.stack.database, grace: 0) == 1)
            try await h.drain(h.worker(queue, recorder.handlers()))
            #expect(recorder.labels == ["late"])
        }
    }

    @Test func theOutboxIsUnderRowLevelSecurity() async throws {
        try await Harness.with(.redis) { h in
            let provider = try await h.stack.makeProvider("outbox-a").id
            let other = try await h.stack.makeProvider("outbox-b").id
            await #expect(throws: (any Error).self) {
                try await h.stack.database.withTenant(provider) { tx in
                    try await JobOutbox.record([try JobRequest(Step(label: "foreign"), providerID: other)], in: tx)
                }
            }
            try await h.stack.database.withTenant(other) { tx in
                try await JobOutbox.record([try JobRequest(Step(label: "theirs"), providerID: other)], in: tx)
            }
            #expect(try await Self.outboxRows(h, provider) == 0, "another provider's rows are invisible")
            #expect(try await Self.outboxRows(h, other) == 1)
        }
    }
}
}
