import Foundation
import OctoCore
import OctoStore
import PostgresNIO

extension MetricsMaintenance {
    /// Moves the oldest stored batches, about `limit` samples (whole batches: at most `limit` plus one
    /// batch), into hourly chunks and discards their samples older than raw retention. Samples beyond the
    /// partitioned window (none unless partitions could not be created) go back as a batch of their own.
    /// Returns (moved, discarded).
    ///
    /// Within a chunk, a millisecond holds one sample: the value already stored wins over a newly
    /// ingested duplicate, which makes retried batches harmless. Between ingested duplicates the
    /// earliest writer transaction wins, then the lowest value, as every reader decides
    /// (``MetricsReader``, the streaming alert evaluator).
    func compact(_ tx: Transaction, now: Date, limit: Int) async throws -> (Int, Int) {
        let lowMs = Int64(rawStart(now).timeIntervalSince1970 * 1000)
        let highMs = Int64(Self.dayStart(now, plus: Self.daysAhead + 1).timeIntervalSince1970 * 1000)
        let moved = try await tx.query("""
            WITH taken AS (
                DELETE FROM metric_ingest_batches WHERE id = ANY(ARRAY(
                    SELECT id FROM (SELECT id, sum(samples) OVER (ORDER BY id) - samples AS before FROM metric_ingest_batches) AS b
                    WHERE before < \(Int64(limit))))
                RETURNING provider_id, tx, series_ids, at_ms, vals
            ), unpacked AS (
                SELECT t.provider_id, t.tx, u.series_id, u.at_ms, u.value
                FROM taken t CROSS JOIN LATERAL unnest(t.series_ids, t.at_ms, t.vals) AS u(series_id, at_ms, value)
            ), ahead AS (
                INSERT INTO metric_ingest_batches (provider_id, tx, series_ids, at_ms, vals)
                SELECT provider_id, tx, array_agg(series_id), array_agg(at_ms), array_agg(value)
                FROM unpacked WHERE at_ms >= \(highMs) GROUP BY provider_id, tx
            ), moved AS (
                SELECT provider_id, series_id, at_ms, value, tx FROM unpacked WHERE at_ms >= \(lowMs) AND at_ms < \(highMs)
            ), incoming AS (
                SELECT provider_id, series_id, to_timestamp((at_ms - at_ms % 3600000) / 1000) AS chunk_start,
                       (at_ms % 3600000)::integer AS off, at_ms, value, tx
                FROM moved
            ), keys AS (
                SELECT series_id, chunk_start, bit_or(1 << (off / 300000)) AS buckets, min(off) AS first_off
                FROM incoming GROUP BY series_id, chunk_start
            ), stored AS (
                -- The stored chunk's samples before the first incoming one stay as they are (the prefix);
                -- only the rest is merged. Samples usually arrive after the chunk's last one: no rest.
                SELECT c.provider_id, c.series_id, c.chunk_start, c.offsets, c.vals,
                       (SELECT count(*) FROM unnest(c.offsets) AS o WHERE o < k.first_off)::integer AS prefix
                FROM keys k JOIN metric_chunks c ON c.series_id = k.series_id AND c.chunk_start = k.chunk_start
            ), points AS (
                SELECT s.provider_id, s.series_id, s.chunk_start, u.off, u.val, 0 AS fresh, 0::bigint AS tx
                FROM stored s CROSS JOIN LATERAL unnest(s.offsets[s.prefix + 1:], s.vals[s.prefix + 1:]) AS u(off, val)
                UNION ALL
                SELECT provider_id, series_id, chunk_start, off, value, 1, tx FROM incoming
            ), kept AS (
                SELECT DISTINCT ON (series_id, chunk_start, off) provider_id, series_id, chunk_start, off, val
                FROM points ORDER BY series_id, chunk_start, off, fresh, tx, val
            ), merged AS (
                SELECT m.provider_id, m.series_id, m.chunk_start,
                       coalesce(s.offsets[:s.prefix], '{}') || m.offsets AS offsets, coalesce(s.vals[:s.prefix], '{}') || m.vals AS vals
                FROM (SELECT provider_id, series_id, chunk_start, array_agg(off ORDER BY off) AS offsets, array_agg(val ORDER BY off) AS vals
                      FROM kept GROUP BY provider_id, series_id, chunk_start) AS m
                LEFT JOIN stored s ON s.series_id = m.series_id AND s.chunk_start = m.chunk_start
            ), dirty AS (
                INSERT INTO metric_dirty (series_id, hour, buckets) SELECT series_id, chunk_start, buckets FROM keys
                ON CONFLICT (series_id, hour) DO UPDATE SET buckets = metric_dirty.buckets | excluded.buckets
            ), latest AS (
                INSERT INTO metric_latest (provider_id, series_id, at, value)
                SELECT DISTINCT ON (series_id) provider_id, series_id,
                       timestamptz 'epoch' + at_ms * interval '1 millisecond', value
                FROM moved ORDER BY series_id, at_ms DESC
                ON CONFLICT (series_id) DO UPDATE SET at = excluded.at, value = excluded.value
                    WHERE excluded.at > metric_latest.at
            ), written AS (
                INSERT INTO metric_chunks (provider_id, series_id, chunk_start, offsets, vals)
                SELECT provider_id, series_id, chunk_start, offsets, vals FROM merged
                ON CONFLICT (series_id, chunk_start) DO UPDATE SET offsets = excluded.offsets, vals = excluded.vals
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM moved), (SELECT count(*) FROM unpacked WHERE at_ms < \(lowMs)), (SELECT count(*) FROM written)
            """)
        var result = (0, 0)
        for try await (samples, expired, _) in moved.decode((Int64, Int64, Int64).self) { result = (Int(samples), Int(expired)) }
        return result
    }
}
