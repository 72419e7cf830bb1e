import Foundation
import Logging
import OctoCore
import OctoStore
import PostgresNIO

/// The PostgreSQL driver, the embedded default.
///
/// Claims use `FOR UPDATE SKIP LOCKED` on the global path; ``enqueue(_:in:)`` stores a job inside the
/// caller's tenant transaction, so the job exists exactly when the change that caused it commits.
/// Time comes from the injected clock, never from the server, so tests drive delays and leases.
public struct PostgresJobQueue: JobQueue {
    /// `postgres`.
    public var driver: String { "postgres" }
    let database: Database
    let clock: any WallClock
    let logger: Logger

    /// Creates the driver over the platform's pools.
    public init(database: Database, clock: (any WallClock)? = nil, logger: Logger? = nil) {
        self.database = database
        self.clock = clock ?? database.clock
        self.logger = logger ?? database.logger
    }

    /// Stores a job in its own transaction in the job's provider.
    public func enqueue(_ job: JobRequest) async throws -> EnqueueResult {
        try await database.withTenant(job.providerID, logger: logger) { tx in try await enqueue(job, in: tx) }
    }

    /// Stores a job inside the caller's tenant transaction: it exists exactly when the transaction commits.
    public func enqueue(_ job: JobRequest, in tx: Transaction) async throws -> EnqueueResult {
        try job.validate()
        let now = clock.now
        let runAt = job.runAt ?? now
        let rows = try await tx.query("""
            WITH target AS (
                SELECT CASE WHEN coalesce((SELECT large FROM providers WHERE id = \(job.providerID)), false)
                            THEN \(job.queue) || '@' || \(job.providerID.lowercased) ELSE \(job.queue) END AS queue
            ), lane AS (
                INSERT INTO job_lanes (queue, provider_id) SELECT queue, \(job.providerID) FROM target
                ON CONFLICT DO NOTHING
            )
            INSERT INTO jobs (id, provider_id, queue, type, payload, priority, state, run_at, max_attempts,
                              dedup_key, ordering_key, created_at)
            SELECT \(job.id), \(job.providerID), target.queue, \(job.type), \(job.payload), \(job.priority), 'ready',
                   \(runAt), \(job.maxAttempts), \(job.dedupKey), \(job.orderingKey), \(now)
            FROM target
            ON CONFLICT (provider_id, queue, dedup_key) WHERE state = 'ready' AND dedup_key IS NOT NULL DO NOTHING
            RETURNING id
            """)
        for try await _ in rows { return .enqueued(job.id) }
        let existing = try await tx.query("""
            SELECT id FROM jobs WHERE provider_id = \(job.providerID) AND dedup_key = \(job.dedupKey) AND state = 'ready'
              AND (queue = \(job.queue) OR queue = \(job.queue) || '@' || \(job.providerID.lowercased))
            """)
        for try await row in existing { return .duplicate(try row.decode(UUID.self)) }
        // The waiting duplicate started between the two statements: store this one after all.
        return try await enqueue(job, in: tx)
    }

    /// Extends a claim's lease.
    public func heartbeat(_ job: ClaimedJob, lease: TimeInterval) async throws -> Bool {
        let until = clock.now.addingTimeInterval(lease)
        return try await !database.globalStatement("""
            UPDATE jobs SET lease_until = \(until)
            WHERE id = \(job.id) AND state = 'running' AND lease_token = \(job.leaseToken) RETURNING 1
            """, logger: logger).isEmpty
    }

    /// Removes an acknowledged job.
    public func complete(_ job: ClaimedJob) async throws -> Bool {
        try await !database.globalStatement("""
            DELETE FROM jobs WHERE id = \(job.id) AND state = 'running' AND lease_token = \(job.leaseToken) RETURNING 1
            """, logger: logger).isEmpty
    }

    /// Records a failed attempt: ready again at `retryAt`, or dead.
    public func fail(_ job: ClaimedJob, error: String, retryAt: Date?) async throws -> Bool {
        let now = clock.now
        let entry = try String(decoding: OctoJSON.encoder.encode([JobAttempt(attempt: job.attempt, at: now, error: error)]), as: UTF8.self)
        let state = retryAt == nil ? JobState.dead.rawValue : JobState.ready.rawValue
        return try await !database.globalStatement("""
            UPDATE jobs SET state = \(state), run_at = \(retryAt ?? now), dead_at = \(retryAt == nil ? now : nil),
                   lease_token = NULL, lease_until = NULL, worker = NULL, last_error = \(error),
                   history = history || \(entry)::jsonb
            WHERE id = \(job.id) AND state = 'running' AND lease_token = \(job.leaseToken) RETURNING 1
            """, logger: logger).isEmpty
    }

    /// Returns expired leases to the queue (or to the dead letters after the last attempt).
    public func recoverExpiredLeases() async throws -> Int {
        let now = clock.now
        let entry = OctoJSON.formatDate(now)
        return try await database.globalStatement("""
            UPDATE jobs SET state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'ready' END,
                   dead_at = CASE WHEN attempts >= max_attempts THEN \(now)::timestamptz END,
                   run_at = \(now), lease_token = NULL, lease_until = NULL,
                   last_error = 'lease expired: worker ' || coalesce(worker, '?') || ' stopped heartbeating',
                   history = history || jsonb_build_array(jsonb_build_object('attempt', attempts, 'at', \(entry)::text,
                             'error', 'lease expired: worker ' || coalesce(worker, '?') || ' stopped heartbeating')),
                   worker = NULL
            WHERE id IN (SELECT id FROM jobs WHERE state = 'running' AND lease_until < \(now)
                         ORDER BY lease_until LIMIT 1000 FOR UPDATE SKIP LOCKED)
            RETURNING 1
            """, logger: logger).count
    }

    /// Claims the firing of a schedule's period.
    public func claimScheduleFiring(name: String, period: Int64) async throws -> Bool {
        try await !database.globalStatement("""
            INSERT INTO job_schedule_firings (name, period, fired_at) VALUES (\(name), \(period), \(clock.now))
            ON CONFLICT DO NOTHING RETURNING 1
            """, logger: logger).isEmpty
    }

    /// The physical queues that have lanes.
    public func queues() async throws -> [String] {
        try await database.globalStatement("SELECT DISTINCT queue FROM job_lanes ORDER BY queue", logger: logger)
            .map { try $0.decode(String.self) }
    }
}
