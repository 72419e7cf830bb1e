import Foundation
import OctoCore
import OctoJobs
import OctoStore
import OctoTestSupport
import Testing

/// PostgreSQL only: a job enqueued inside the caller's tenant transaction exists exactly when that
/// transaction commits.
extension JobQueueTests {
@Suite
struct InTransaction {
    struct Rollback: Error {}

    @Test func enqueueCommitsAndRollsBackWithTheCallersTransaction() async throws {
        try await Harness.with(.postgres) { h in
            let provider = try await h.stack.makeProvider("tx-jobs").id
            let other = try await h.stack.makeProvider("tx-other").id
            let queue = PostgresJobQueue(database: h.stack.database, clock: h.clock, logger: Harness.logger)
            await #expect(throws: Rollback.self) {
                try await h.stack.database.withTenant(provider) { tx in
                    _ = try await queue.enqueue(try JobRequest(Step(label: "lost"), providerID: provider), in: tx)
                    throw Rollback()
                }
            }
            #expect(try await h.jobs(queue, provider).isEmpty)

            let (first, second) = try await h.stack.database.withTenant(provider) { tx in
                let first = try await queue.enqueue(try JobRequest(Step(label: "kept"), providerID: provider, dedupKey: "k"), in: tx)
                let second = try await queue.enqueue(try JobRequest(Step(label: "again"), providerID: provider, dedupKey: "k"), in: tx)
                return (first, second)
            }
            #expect(second == .duplicate(first.id))
            let batch = try await h.stack.database.withTenant(provider) { tx in
                try await queue.enqueue([try JobRequest(Step(label: "b1"), providerID: provider, dedupKey: "k"),
                                         try JobRequest(Step(label: "b2"), providerID: provider)], in: tx)
            }
            #expect(batch.first == .duplicate(first.id))
            // Row-level security: a tenant transaction cannot enqueue another provider's job.
            await #expect(throws: (any Error).self) {
                try await h.stack.database.withTenant(provider) { tx in
                    _ = try await queue.enqueue(try JobRequest(Step(label: "foreign"), providerID: other), in: tx)
                }
            }
            #expect(try await h.jobs(queue, other).isEmpty)
            let recorder = Recorder()
            try await h.drain(h.worker(queue, recorder.handlers()))
            #expect(Set(recorder.labels) == ["kept", "b2"])
        }
    }
}
}
