import Foundation
import OctoCore
import OctoStore
import PostgresNIO

extension PostgresJobQueue {
    /// A provider's jobs, newest first, read under its row-level security.
    public func jobs(provider: UUID, filter: JobFilter, page: PageRequest) async throws -> Page<JobRecord> {
        try await database.withTenant(provider, logger: logger) { tx in try await jobs(filter: filter, page: page, in: tx) }
    }

    /// `ORDER BY` of a listing: a whitelisted column (``JobFilter/sortKeys``), the id breaking ties.
    static func order(_ sort: ListSort?) -> String {
        guard let sort else { return "seq DESC" }
        return sort.sql(columns: ["created_at": "created_at", "run_at": "run_at", "priority": "priority", "attempts": "attempts",
                                  "type": "type", "state": "state"])
    }

    /// The tenant's jobs inside the caller's transaction.
    public func jobs(filter: JobFilter, page: PageRequest, in tx: Transaction) async throws -> Page<JobRecord> {
        let rows = try await tx.query("""
            SELECT id, provider_id, queue, type, state, priority, run_at, attempts, max_attempts, dedup_key, ordering_key,
                   last_error, history::text, created_at, count(*) OVER ()
            FROM jobs
            WHERE (\(filter.state?.rawValue)::text IS NULL OR state = \(filter.state?.rawValue))
              AND (\(filter.type)::text IS NULL OR type = \(filter.type))
              AND (\(filter.queue)::text IS NULL OR queue = \(filter.queue))
            ORDER BY \(unescaped: Self.order(filter.sort))
            LIMIT \(page.limit) OFFSET \(page.offset)
            """)
        var items: [JobRecord] = []
        var total = 0
        for try await row in rows {
            let (id, provider, queue, type, state, priority, runAt, attempts, maxAttempts, dedupKey, orderingKey) =
                try row.decode((UUID, UUID, String, String, String, Int, Date, Int, Int, String?, String?).self)
            let random = row.makeRandomAccess()
            let lastError = try random[11].decode(String?.self)
            let history = try random[12].decode(String.self)
            let createdAt = try random[13].decode(Date.self)
            total = try random[14].decode(Int.self)
            items.append(JobRecord(id: id, providerId: provider, queue: queue, type: type, state: JobState(rawValue: state) ?? .ready,
                                   priority: priority, runAt: runAt, attempts: attempts, maxAttempts: maxAttempts, dedupKey: dedupKey,
                                   orderingKey: orderingKey, lastError: lastError,
                                   history: (try? OctoJSON.decoder.decode([JobAttempt].self, from: Data(history.utf8))) ?? [],
                                   createdAt: createdAt))
        }
        if items.isEmpty && page.offset > 0 {
            for try await count in try await tx.query("""
                SELECT count(*)::int8 FROM jobs
                WHERE (\(filter.state?.rawValue)::text IS NULL OR state = \(filter.state?.rawValue))
                  AND (\(filter.type)::text IS NULL OR type = \(filter.type))
                  AND (\(filter.queue)::text IS NULL OR queue = \(filter.queue))
                """).decode(Int.self) { total = count }
        }
        return Page(items: items, total: total, limit: page.limit, offset: page.offset)
    }

    /// Makes a dead letter ready again with a fresh attempt budget.
    public func retryDead(provider: UUID, id: UUID) async throws {
        let now = clock.now
        let updated = try await database.withTenant(provider, logger: logger) { tx in
            var found = false
            for try await _ in try await tx.query("""
                UPDATE jobs SET state = 'ready', attempts = 0, run_at = \(now), dead_at = NULL
                WHERE id = \(id) AND state = 'dead' RETURNING 1
                """) { found = true }
            return found
        }
        guard updated else { throw JobError(.notFound, "no dead letter with this id", ["job.id": id.lowercased, "provider.id": provider.lowercased]) }
    }

    /// Deletes a dead letter.
    public func discardDead(provider: UUID, id: UUID) async throws {
        let deleted = try await database.withTenant(provider, logger: logger) { tx in
            var found = false
            for try await _ in try await tx.query("DELETE FROM jobs WHERE id = \(id) AND state = 'dead' RETURNING 1") { found = true }
            return found
        }
        guard deleted else { throw JobError(.notFound, "no dead letter with this id", ["job.id": id.lowercased, "provider.id": provider.lowercased]) }
    }

    /// Sets or removes a provider's limits.
    public func setLimits(_ limits: ProviderLimits?, provider: UUID) async throws {
        let now = clock.now
        try await database.withTenant(provider, logger: logger) { tx in
            guard let limits else {
                try await tx.query("DELETE FROM job_limits WHERE provider_id = \(provider)")
                return
            }
            try await tx.query("""
                INSERT INTO job_limits (provider_id, max_concurrency, rate_per_second, burst, tokens, refilled_at)
                VALUES (\(provider), \(limits.maxConcurrency), \(limits.ratePerSecond), \(limits.burst), \(limits.burst), \(now))
                ON CONFLICT (provider_id) DO UPDATE SET max_concurrency = excluded.max_concurrency,
                    rate_per_second = excluded.rate_per_second, burst = excluded.burst,
                    tokens = least(job_limits.tokens, excluded.burst), refilled_at = excluded.refilled_at
                """)
        }
    }

    /// Counts per queue and provider, across providers (global path).
    public func stats() async throws -> [QueueStats] {
        let now = clock.now
        return try await database.globalStatement("""
            SELECT queue, provider_id,
                   count(*) FILTER (WHERE state = 'ready')::int8, count(*) FILTER (WHERE state = 'running')::int8,
                   count(*) FILTER (WHERE state = 'dead')::int8,
                   coalesce(extract(epoch FROM (\(now)::timestamptz - min(run_at) FILTER (WHERE state = 'ready' AND run_at <= \(now))))::float8, 0)
            FROM jobs GROUP BY queue, provider_id ORDER BY queue, provider_id
            """, logger: logger).map { row in
            let (queue, provider, ready, running, dead, age) = try row.decode((String, UUID, Int, Int, Int, Double).self)
            return QueueStats(queue: queue, providerId: provider, ready: ready, running: running, dead: dead, oldestAgeSeconds: age)
        }
    }
}
