import Foundation
import OctoCore
import OctoStore
import PostgresNIO

extension PostgresJobQueue {
    /// Claims due jobs fairly in one statement (the `job_claim` function of migration 0006): lanes
    /// (one per provider) in least-recently-served order, a provider's jobs by priority then run-at then
    /// enqueue order, skipping rows other workers hold, honouring ordering keys and, under a lock on
    /// the provider's limits row, its concurrency and rate limits. Providers without limits take no
    /// lock on a limits row.
    public func claim(queue: String, worker: String, lease: TimeInterval, limit: Int) async throws -> [ClaimedJob] {
        let now = clock.now
        let leaseUntil = now.addingTimeInterval(lease)
        let token = UUID()
        let rows = try await database.globalStatement("""
            SELECT id, provider_id, queue, type, payload, attempts, max_attempts, ordering_key, history, claim_order
            FROM job_claim(\(queue), \(now), \(leaseUntil), \(token), \(worker), \(max(1, limit))::int4)
            """, logger: logger)
        var jobs: [(Int64, ClaimedJob)] = []
        jobs.reserveCapacity(rows.count)
        for row in rows {
            let (id, provider, queue, type, payload, attempts, maxAttempts, orderingKey, history, position) =
                try row.decode((UUID, UUID, String, String, ByteBuffer, Int, Int, String?, String, Int64).self)
            jobs.append((position, ClaimedJob(id: id, providerID: provider, queue: queue, type: type, payload: Data(payload.readableBytesView),
                                              attempt: attempts, maxAttempts: maxAttempts, orderingKey: orderingKey,
                                              leaseToken: token, leaseUntil: leaseUntil, history: Self.history(history))))
        }
        return jobs.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// Decodes a history column; the common case (no failure yet) skips the JSON decoder.
    static func history(_ text: String) -> [JobAttempt] {
        if text == "[]" { return [] }
        return (try? OctoJSON.decoder.decode([JobAttempt].self, from: Data(text.utf8))) ?? []
    }
}
