import Foundation
import OctoCore
import OctoStore
import PostgresNIO

extension MetricsMaintenance {
    /// Recomputes, for every dirty series-hour, the 5-minute buckets that got samples (the mark's
    /// `buckets`) from its chunk and then each coarser bucket containing it from the resolution below;
    /// clears the dirty marks. Returns the buckets written per resolution: a bucket whose aggregates
    /// came out as stored is left alone (rewriting it would cost a row version and its index entries).
    ///
    /// Runs under the maintenance lock, so nothing else writes `metric_dirty` meanwhile.
    func rollUp(_ tx: Transaction) async throws -> [MetricResolution: Int] {
        var written: [MetricResolution: Int] = [:]
        let five = try await tx.query("""
            WITH written AS (
                INSERT INTO metric_rollups (provider_id, series_id, resolution, bucket, min, max, sum, count, last, last_at)
                SELECT c.provider_id, c.series_id, 300, c.chunk_start + (u.off / 300000) * interval '5 minutes',
                       min(u.val), max(u.val), sum(u.val), count(*)::integer,
                       (array_agg(u.val ORDER BY u.off DESC))[1], c.chunk_start + max(u.off) * interval '1 millisecond'
                FROM metric_dirty d
                JOIN metric_chunks c ON c.series_id = d.series_id AND c.chunk_start = d.hour
                CROSS JOIN LATERAL unnest(c.offsets, c.vals) AS u(off, val)
                WHERE d.buckets & (1 << (u.off / 300000)) <> 0
                GROUP BY c.provider_id, c.series_id, c.chunk_start, u.off / 300000
                ON CONFLICT (series_id, resolution, bucket) DO UPDATE
                    SET min = excluded.min, max = excluded.max, sum = excluded.sum, count = excluded.count,
                        last = excluded.last, last_at = excluded.last_at
                    WHERE \(unescaped: Self.changedBucket)
                RETURNING 1
            ) SELECT count(*) FROM written
            """)
        written[.fiveMinutes] = try await Self.count(five)
        for target in MetricResolution.rollups.dropFirst() {
            let rows = try await tx.query("""
                WITH keys AS (
                    SELECT DISTINCT series_id,
                           date_bin(\(Double(target.seconds)) * interval '1 second', hour, \(MetricResolution.origin)) AS bucket
                    FROM metric_dirty
                ), written AS (
                    INSERT INTO metric_rollups (provider_id, series_id, resolution, bucket, min, max, sum, count, last, last_at)
                    SELECT r.provider_id, r.series_id, \(Int32(target.seconds)), k.bucket, min(r.min), max(r.max), sum(r.sum),
                           sum(r.count)::integer, (array_agg(r.last ORDER BY r.bucket DESC))[1], max(r.last_at)
                    FROM keys k
                    JOIN metric_rollups r ON r.series_id = k.series_id AND r.resolution = \(Int32(target.source.seconds))
                        AND r.bucket >= k.bucket AND r.bucket < k.bucket + \(Double(target.seconds)) * interval '1 second'
                    GROUP BY r.provider_id, r.series_id, k.bucket
                    ON CONFLICT (series_id, resolution, bucket) DO UPDATE
                        SET min = excluded.min, max = excluded.max, sum = excluded.sum, count = excluded.count,
                            last = excluded.last, last_at = excluded.last_at
                        WHERE \(unescaped: Self.changedBucket)
                    RETURNING 1
                ) SELECT count(*) FROM written
                """)
            written[target] = try await Self.count(rows)
        }
        // Counter series' changed hours, for what derives rates from the 5-minute rollups (the
        // reports' traffic days).
        try await tx.query("""
            INSERT INTO metric_rate_changes (provider_id, series_id, hour)
            SELECT s.provider_id, d.series_id, d.hour FROM metric_dirty d JOIN metric_series s ON s.id = d.series_id
            WHERE s.kind = 'counter'
            ON CONFLICT DO NOTHING
            """)
        try await tx.query("DELETE FROM metric_dirty")
        return written
    }

    /// The upsert's condition: the recomputed aggregates differ from the stored ones.
    static let changedBucket = """
        (metric_rollups.min, metric_rollups.max, metric_rollups.sum, metric_rollups.count, metric_rollups.last, metric_rollups.last_at)
        IS DISTINCT FROM (excluded.min, excluded.max, excluded.sum, excluded.count, excluded.last, excluded.last_at)
        """

    /// Drops expired raw partitions and deletes expired rollup buckets. Returns (partitions, buckets).
    func applyRetention(_ tx: Transaction, now: Date) async throws -> (Int, Int) {
        var dropped = 0
        for try await (count) in try await tx.query("SELECT metrics_drop_partitions(\(rawStart(now)))").decode(Int32.self) {
            dropped = Int(count)
        }
        var deleted = 0
        for resolution in MetricResolution.rollups {
            let cutoff = Self.dayStart(now, plus: -retention.days(resolution))
            let rows = try await tx.query("""
                WITH gone AS (
                    DELETE FROM metric_rollups
                    WHERE resolution = \(Int32(resolution.seconds))
                      AND bucket + \(Double(resolution.seconds)) * interval '1 second' <= \(cutoff)
                    RETURNING 1
                ) SELECT count(*) FROM gone
                """)
            deleted += try await Self.count(rows)
        }
        return (dropped, deleted)
    }

    static func count(_ rows: PostgresRowSequence) async throws -> Int {
        var result = 0
        for try await (count) in rows.decode(Int64.self) { result = Int(count) }
        return result
    }
}
