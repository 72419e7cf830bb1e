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

    /// Stores a job in a transaction of its own, bound to the job's provider (one round trip: the
    /// `job_enqueue_as` function binds the tenant, then inserts under row-level security).
    public func enqueue(_ job: JobRequest) async throws -> EnqueueResult {
        try job.validate()
        let now = clock.now
        let rows = try await database.appStatement("""
            SELECT job_id, enqueued FROM job_enqueue_as(\(job.providerID), \(job.id), \(job.queue), \(job.type), \(job.payload),
                \(job.priority)::int4, \(job.runAt ?? now), \(job.maxAttempts)::int4, \(job.dedupKey), \(job.orderingKey), \(now))
            """, logger: logger)
        let result = try Self.enqueueResult(rows)
        JobMetrics.enqueued([job], [result])
        return result
    }

    /// Stores a job inside the caller's tenant transaction: it exists exactly when the transaction commits.
    public func enqueue(_ job: JobRequest, in tx: Transaction) async throws -> EnqueueResult {
        try job.validate()
        let now = clock.now
        var rows: [PostgresRow] = []
        for try await row in try await tx.query("""
            SELECT job_id, enqueued FROM job_enqueue(\(job.providerID), \(job.id), \(job.queue), \(job.type), \(job.payload),
                \(job.priority)::int4, \(job.runAt ?? now), \(job.maxAttempts)::int4, \(job.dedupKey), \(job.orderingKey), \(now))
            """) { rows.append(row) }
        let result = try Self.enqueueResult(rows)
        JobMetrics.enqueued([job], [result])
        return result
    }

    /// Stores several jobs: one transaction and one statement per provider among them.
    public func enqueue(_ jobs: [JobRequest]) async throws -> [EnqueueResult] {
        var byProvider: [UUID: [Int]] = [:]
        var providers: [UUID] = []
        for (index, job) in jobs.enumerated() {
            if byProvider[job.providerID] == nil { providers.append(job.providerID) }
            byProvider[job.providerID, default: []].append(index)
        }
        var results = [EnqueueResult?](repeating: nil, count: jobs.count)
        for provider in providers {
            let indexes = byProvider[provider]!
            let stored = try await database.withTenant(provider, logger: logger) { tx in
                try await enqueue(indexes.map { jobs[$0] }, in: tx)
            }
            for (index, result) in zip(indexes, stored) { results[index] = result }
        }
        return results.map { $0! }
    }

    /// Stores several jobs inside the caller's tenant transaction, with one statement. Empty dedup and
    /// ordering keys count as none (as on Redis).
    public func enqueue(_ jobs: [JobRequest], in tx: Transaction) async throws -> [EnqueueResult] {
        if jobs.isEmpty { return [] }
        for job in jobs { try job.validate() }
        let now = clock.now
        let rows = try await tx.query("""
            SELECT r.job_id, r.enqueued
            FROM unnest(\(jobs.map(\.providerID)), \(jobs.map(\.id)), \(jobs.map(\.queue)), \(jobs.map(\.type)),
                        \(jobs.map { ByteBuffer(bytes: $0.payload) }), \(jobs.map { Int32($0.priority) }),
                        \(jobs.map { $0.runAt ?? now }), \(jobs.map { Int32($0.maxAttempts) }),
                        \(jobs.map { $0.dedupKey ?? "" }), \(jobs.map { $0.orderingKey ?? "" }))
                 WITH ORDINALITY AS j(provider, id, queue, type, payload, priority, run_at, max_attempts, dedup, ordering, n)
            CROSS JOIN LATERAL job_enqueue(j.provider, j.id, j.queue, j.type, j.payload, j.priority, j.run_at, j.max_attempts,
                                           NULLIF(j.dedup, ''), NULLIF(j.ordering, ''), \(now)) r
            ORDER BY j.n
            """)
        var results: [EnqueueResult] = []
        results.reserveCapacity(jobs.count)
        for try await (id, enqueued) in rows.decode((UUID, Bool).self) {
            results.append(enqueued ? .enqueued(id) : .duplicate(id))
        }
        guard results.count == jobs.count else { throw JobError(.backend, "job_enqueue returned \(results.count) rows for \(jobs.count) jobs") }
        JobMetrics.enqueued(jobs, results)
        return results
    }

    static func enqueueResult(_ rows: [PostgresRow]) throws -> EnqueueResult {
        guard let row = rows.first else { throw JobError(.backend, "job_enqueue returned no row") }
        let (id, enqueued) = try row.decode((UUID, Bool).self)
        return enqueued ? .enqueued(id) : .duplicate(id)
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

    /// Removes acknowledged jobs in one statement; for each job, whether its claim still held.
    public func complete(_ jobs: [ClaimedJob]) async throws -> [Bool] {
        if jobs.count == 1 { return [try await complete(jobs[0])] }
        if jobs.isEmpty { return [] }
        let deleted = try await database.globalStatement("""
            DELETE FROM jobs j USING unnest(\(jobs.map(\.id))::uuid[], \(jobs.map(\.leaseToken))::uuid[]) AS d(id, token)
            WHERE j.id = d.id AND j.state = 'running' AND j.lease_token = d.token
            RETURNING j.id
            """, logger: logger)
        let removed = Set(try deleted.map { try $0.decode(UUID.self) })
        return jobs.map { removed.contains($0.id) }
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
        let now = clock.now
        return try await !database.globalStatement("""
            INSERT INTO job_schedule_firings AS f (name, period, fired_at, confirmed) VALUES (\(name), \(period), \(now), false)
            ON CONFLICT (name, period) DO UPDATE SET fired_at = EXCLUDED.fired_at
            WHERE NOT f.confirmed AND f.fired_at <= \(now.addingTimeInterval(-scheduleClaimLease))
            RETURNING 1
            """, logger: logger).isEmpty
    }

    /// Marks the firing done.
    public func confirmScheduleFiring(name: String, period: Int64) async throws {
        _ = try await database.globalStatement("""
            UPDATE job_schedule_firings SET confirmed = true WHERE name = \(name) AND period = \(period)
            """, logger: logger)
    }

    /// The physical queues that have lanes.
    public func queues() async throws -> [String] {
        try await database.globalStatement("SELECT DISTINCT queue FROM job_lanes ORDER BY queue", logger: logger)
            .map { try $0.decode(String.self) }
    }
}
