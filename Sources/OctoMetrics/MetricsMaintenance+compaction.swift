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
    ///
    /// The statement hands back each touched chunk's incoming samples (one per millisecond) beside its
    /// stored bytes; they are merged and encoded here (``MetricCodec``) and written in one statement.
    func compact(_ tx: Transaction, now: Date, limit: Int) async throws -> (Int, Int) {
        let lowMs = Int64(rawStart(now).timeIntervalSince1970 * 1000)
        let highMs = Int64(Self.dayStart(now, plus: Self.daysAhead + 1).timeIntervalSince1970 * 1000)
        let rows = try await tx.query("""
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
                SELECT series_id, chunk_start, bit_or(1 << (off / 300000)) AS buckets FROM incoming GROUP BY series_id, chunk_start
            ), kept AS (
                SELECT DISTINCT ON (series_id, chunk_start, off) provider_id, series_id, chunk_start, off, value
                FROM incoming ORDER BY series_id, chunk_start, off, tx, value
            ), grouped AS (
                SELECT provider_id, series_id, chunk_start, array_agg(off ORDER BY off) AS offsets, array_agg(value ORDER BY off) AS vals
                FROM kept GROUP BY provider_id, series_id, chunk_start
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
            ), counts AS (
                SELECT (SELECT count(*) FROM moved) AS moved, (SELECT count(*) FROM unpacked WHERE at_ms < \(lowMs)) AS expired
            )
            SELECT counts.moved, counts.expired, g.provider_id, g.series_id, g.chunk_start, g.offsets, g.vals, c.samples
            FROM counts LEFT JOIN (grouped g LEFT JOIN metric_chunks c ON c.series_id = g.series_id AND c.chunk_start = g.chunk_start) ON true
            """)
        var result = (0, 0)
        var providers: [UUID] = [], ids: [Int64] = [], starts: [Date] = [], points: [Int32] = [], blobs: [ByteBuffer] = []
        for try await (samples, expired, provider, series, start, offsets, values, stored)
            in rows.decode((Int64, Int64, UUID?, Int64?, Date?, [Int32]?, [Double]?, ByteBuffer?).self) {
            result = (Int(samples), Int(expired))
            guard let provider, let series, let start, let offsets, let values else { continue }
            let incoming = MetricCodec.Samples(offsets: offsets.map(Int64.init), values: values)
            let merged = try stored.map { bytes in
                Self.merge(stored: try bytes.withUnsafeReadableBytes { try MetricCodec.decodeSamples($0) }, incoming: incoming)
            } ?? incoming
            providers.append(provider)
            ids.append(series)
            starts.append(start)
            points.append(Int32(merged.count))
            blobs.append(ByteBuffer(bytes: MetricCodec.encode(merged)))
        }
        if !ids.isEmpty {
            try await tx.query("""
                INSERT INTO metric_chunks (provider_id, series_id, chunk_start, points, samples)
                SELECT * FROM unnest(\(providers)::uuid[], \(ids)::bigint[], \(starts)::timestamptz[], \(points)::integer[], \(blobs)::bytea[])
                ON CONFLICT (series_id, chunk_start) DO UPDATE SET points = excluded.points, samples = excluded.samples
                """)
        }
        return result
    }

    /// A stored chunk's samples with `incoming` merged in time order; on a millisecond held by both,
    /// the stored sample stays.
    static func merge(stored: MetricCodec.Samples, incoming: MetricCodec.Samples) -> MetricCodec.Samples {
        var result = MetricCodec.Samples()
        result.offsets.reserveCapacity(stored.count + incoming.count)
        result.values.reserveCapacity(stored.count + incoming.count)
        var i = 0, j = 0
        while i < stored.count || j < incoming.count {
            if j == incoming.count || (i < stored.count && stored.offsets[i] <= incoming.offsets[j]) {
                if j < incoming.count && stored.offsets[i] == incoming.offsets[j] { j += 1 }
                result.offsets.append(stored.offsets[i])
                result.values.append(stored.values[i])
                i += 1
            } else {
                result.offsets.append(incoming.offsets[j])
                result.values.append(incoming.values[j])
                j += 1
            }
        }
        return result
    }
}
