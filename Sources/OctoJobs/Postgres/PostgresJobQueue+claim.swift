import Foundation
import OctoCore
import OctoStore
import PostgresNIO

extension PostgresJobQueue {
    /// Claims due jobs fairly: lanes (one per provider) in least-recently-served order, a provider's
    /// jobs by priority then run-at then enqueue order, skipping rows other workers hold, honouring
    /// ordering keys and, under a lock on the provider's limits row, its concurrency and rate limits.
    public func claim(queue: String, worker: String, lease: TimeInterval, limit: Int) async throws -> [ClaimedJob] {
        let now = clock.now
        let leaseUntil = now.addingTimeInterval(lease)
        let token = UUID()
        let limit = max(1, limit)
        return try await database.withGlobal(logger: logger) { tx in
            // 1. Candidates, locked so no other claimer takes them.
            var candidates: [(id: UUID, provider: UUID, limited: Bool)] = []
            let rows = try await tx.query("""
                WITH lanes AS (
                    SELECT l.provider_id, m.provider_id IS NOT NULL AS limited FROM job_lanes l
                    LEFT JOIN job_limits m ON m.provider_id = l.provider_id
                    WHERE l.queue = \(queue)
                      AND EXISTS (SELECT 1 FROM jobs r WHERE r.queue = l.queue AND r.provider_id = l.provider_id
                                  AND r.state = 'ready' AND r.run_at <= \(now))
                      AND (m.max_concurrency IS NULL OR m.max_concurrency >
                           (SELECT count(*) FROM jobs c WHERE c.provider_id = l.provider_id AND c.state = 'running'))
                      AND (m.rate_per_second IS NULL OR least(m.burst, m.tokens
                           + extract(epoch FROM (\(now)::timestamptz - m.refilled_at)) * m.rate_per_second) >= 1)
                    ORDER BY l.served
                    LIMIT 32
                )
                SELECT j.id, l.provider_id, l.limited FROM lanes l CROSS JOIN LATERAL (
                    SELECT c.id FROM jobs c
                    WHERE c.queue = \(queue) AND c.provider_id = l.provider_id AND c.state = 'ready' AND c.run_at <= \(now)
                      AND (c.ordering_key IS NULL OR NOT EXISTS (
                           SELECT 1 FROM jobs o WHERE o.provider_id = c.provider_id AND o.ordering_key = c.ordering_key
                             AND o.state IN ('ready', 'running') AND o.seq < c.seq))
                    ORDER BY c.priority DESC, c.run_at, c.seq
                    LIMIT \(limit)
                    FOR UPDATE OF c SKIP LOCKED
                ) j
                LIMIT \(limit)
                """)
            for try await (id, provider, limited) in rows.decode((UUID, UUID, Bool).self) {
                candidates.append((id, provider, limited))
            }
            guard !candidates.isEmpty else { return [] }

            // 2. Limits: serialised per provider by the lock on its limits row, counted afresh.
            var chosen: [UUID] = []
            var byProvider: [UUID: [UUID]] = [:]
            var order: [UUID] = []
            for candidate in candidates {
                if byProvider[candidate.provider] == nil { order.append(candidate.provider) }
                byProvider[candidate.provider, default: []].append(candidate.id)
            }
            for provider in order {
                let ids = byProvider[provider]!
                guard candidates.contains(where: { $0.provider == provider && $0.limited }) else {
                    chosen += ids
                    continue
                }
                let allowed = try await allowance(provider: provider, wanted: ids.count, now: now, in: tx)
                chosen += ids.prefix(allowed)
            }
            guard !chosen.isEmpty else { return [] }
            let providers = order

            // 3. Take them, and move their lanes to the back of the rotation.
            let claimed = try await tx.query("""
                WITH served AS (
                    UPDATE job_lanes SET served = nextval('job_lane_served')
                    WHERE (queue, provider_id) IN (SELECT queue, provider_id FROM job_lanes
                                                   WHERE queue = \(queue) AND provider_id = ANY(\(providers))
                                                   FOR UPDATE SKIP LOCKED)
                )
                UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_token = \(token),
                       lease_until = \(leaseUntil), worker = \(worker)
                WHERE id = ANY(\(chosen))
                RETURNING id, provider_id, queue, type, payload, attempts, max_attempts, ordering_key, history::text, seq
                """)
            var jobs: [(Int64, ClaimedJob)] = []
            for try await row in claimed {
                let (id, provider, queue, type, payload, attempts, maxAttempts, orderingKey, history, seq) =
                    try row.decode((UUID, UUID, String, String, ByteBuffer, Int, Int, String?, String, Int64).self)
                jobs.append((seq, ClaimedJob(id: id, providerID: provider, queue: queue, type: type, payload: Data(payload.readableBytesView),
                                             attempt: attempts, maxAttempts: maxAttempts, orderingKey: orderingKey,
                                             leaseToken: token, leaseUntil: leaseUntil,
                                             history: (try? OctoJSON.decoder.decode([JobAttempt].self, from: Data(history.utf8))) ?? [])))
            }
            let position = Dictionary(uniqueKeysWithValues: chosen.enumerated().map { ($1, $0) })
            return jobs.sorted { position[$0.1.id, default: 0] < position[$1.1.id, default: 0] }.map(\.1)
        }
    }

    /// How many of `wanted` jobs the provider may start now; takes the tokens.
    func allowance(provider: UUID, wanted: Int, now: Date, in tx: Transaction) async throws -> Int {
        let limits = try await tx.query("""
            SELECT max_concurrency, rate_per_second, burst, tokens, refilled_at FROM job_limits
            WHERE provider_id = \(provider) FOR UPDATE
            """)
        var row: (Int?, Double?, Double, Double, Date)?
        for try await values in limits.decode((Int?, Double?, Double, Double, Date).self) { row = values }
        guard let (maxConcurrency, rate, burst, tokens, refilledAt) = row else { return wanted }
        var allowed = wanted
        if let maxConcurrency {
            var running = 0
            for try await count in try await tx.query("""
                SELECT count(*)::int8 FROM jobs WHERE provider_id = \(provider) AND state = 'running'
                """).decode(Int.self) { running = count }
            allowed = min(allowed, max(0, maxConcurrency - running))
        }
        if let rate {
            let available = min(burst, tokens + max(0, now.timeIntervalSince(refilledAt)) * rate)
            allowed = min(allowed, Int(available.rounded(.down)))
            try await tx.query("""
                UPDATE job_limits SET tokens = \(available - Double(max(0, allowed))), refilled_at = \(now)
                WHERE provider_id = \(provider)
                """)
        }
        return max(0, allowed)
    }
}
