import Foundation
import Logging
import OctoCore
import OctoStore
import PostgresNIO

/// Jobs that exist exactly when a transaction commits, whatever the driver.
///
/// The PostgreSQL driver stores the job in the caller's transaction. Any other driver (Redis) gets it
/// through the `job_outbox` table: the row is written in the caller's transaction (under its RLS), the
/// job is pushed to the queue after the commit and the row deleted. A row left behind (the process died
/// between commit and push, or the push failed) is pushed by ``JobOutboxSweeper``. Outbox jobs are
/// pushed ``JobRequest/once`` under their row's id, so a row pushed twice runs once, and a rolled-back
/// transaction leaves neither a row nor a job.
public enum JobOutbox {
    /// Records `jobs` in `tx` and, for a queue outside PostgreSQL, pushes them after the commit.
    public static func stage(_ jobs: [JobRequest], on queue: any JobQueue, in tx: Transaction) async throws {
        if jobs.isEmpty { return }
        if let postgres = queue as? PostgresJobQueue {
            _ = try await postgres.enqueue(jobs, in: tx)
            return
        }
        let staged = try await record(jobs, in: tx)
        tx.afterCommit { database in try await push(staged, to: queue, database: database) }
    }

    /// Records `job` in `tx` (see ``stage(_:on:in:)-([JobRequest],_,_)``).
    public static func stage(_ job: JobRequest, on queue: any JobQueue, in tx: Transaction) async throws {
        try await stage([job], on: queue, in: tx)
    }

    /// Writes `jobs` to the outbox in `tx` without pushing them (what a crash right after the commit leaves).
    /// Returns them as they will be pushed.
    @discardableResult
    public static func record(_ jobs: [JobRequest], in tx: Transaction) async throws -> [JobRequest] {
        var staged: [JobRequest] = []
        for var job in jobs {
            try job.validate()
            job.once = true
            try await tx.query("""
                INSERT INTO job_outbox (id, provider_id, queue, type, payload, priority, run_at, max_attempts, dedup_key, ordering_key, created_at)
                VALUES (\(job.id), \(job.providerID), \(job.queue), \(job.type), \(ByteBuffer(bytes: job.payload)), \(Int32(job.priority)),
                        \(job.runAt), \(Int32(job.maxAttempts)), \(job.dedupKey), \(job.orderingKey), \(tx.clock.now))
                """)
            staged.append(job)
        }
        return staged
    }

    /// Pushes recorded jobs to `queue`, then deletes their rows (per provider, under RLS).
    static func push(_ jobs: [JobRequest], to queue: any JobQueue, database: Database) async throws {
        _ = try await queue.enqueue(jobs)
        for provider in Set(jobs.map(\.providerID)) {
            let ids = jobs.filter { $0.providerID == provider }.map(\.id)
            try await database.withTenant(provider) { tx in
                try await tx.query("DELETE FROM job_outbox WHERE id = ANY(\(ids))")
            }
        }
    }

    /// Pushes up to `limit` rows recorded at least `grace` seconds ago (by the database's clock) and
    /// deletes them, in one global transaction: a push that fails keeps its rows for the next round, and
    /// rows pushed by a round whose commit failed are refused by the queue the next time. Returns how
    /// many rows were drained.
    @discardableResult
    public static func drain(_ queue: any JobQueue, database: Database, grace: TimeInterval = 10, limit: Int = 500) async throws -> Int {
        try await database.withGlobal { tx in
            let before = tx.clock.now.addingTimeInterval(-grace)
            var jobs: [JobRequest] = []
            let rows = try await tx.query("""
                SELECT id, provider_id, queue, type, payload, priority, run_at, max_attempts, dedup_key, ordering_key
                FROM job_outbox WHERE created_at <= \(before) ORDER BY created_at, id LIMIT \(Int32(limit)) FOR UPDATE SKIP LOCKED
                """)
            for try await (id, provider, name, type, payload, priority, runAt, maxAttempts, dedup, ordering)
                in rows.decode((UUID, UUID, String, String, ByteBuffer, Int32, Date?, Int32, String?, String?).self) {
                var job = JobRequest(id: id, providerID: provider, queue: name, type: type, payload: Data(payload.readableBytesView),
                                     priority: Int(priority), runAt: runAt, maxAttempts: Int(maxAttempts), dedupKey: dedup,
                                     orderingKey: ordering)
                job.once = true
                jobs.append(job)
            }
            if jobs.isEmpty { return 0 }
            _ = try await queue.enqueue(jobs)
            try await tx.query("DELETE FROM job_outbox WHERE id = ANY(\(jobs.map(\.id)))")
            return jobs.count
        }
    }
}
