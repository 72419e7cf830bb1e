import Foundation
import OctoCore
import OctoStore
import PostgresNIO

extension MetricsReader {
    /// One series' raw samples over a window, summarized in PostgreSQL: what an alert rule compares.
    public struct WindowStats: Sendable, Hashable {
        /// The series.
        public var seriesId: Int64
        /// The device it belongs to.
        public var deviceId: UUID
        /// Its labels.
        public var labels: [String: String]
        /// Samples in the window (0: no data).
        public var count: Int
        /// Smallest, largest and mean sample.
        public var min: Double?
        public var max: Double?
        public var avg: Double?
        /// The newest sample.
        public var last: Double?
        /// The newest sample of the oldest minute that has one, for "moved by" rules.
        public var firstMinuteLast: Double?
        /// Minutes that have samples.
        public var minutes: Int
        /// The 95th percentile (nearest rank) of the per-minute means.
        public var p95: Double?
    }

    /// Summaries of the raw samples in [`from`, `to`) of every series of `metric` whose labels contain
    /// `labels` on `devices` (every device when nil); series without samples are answered with a count
    /// of 0. One row per series: the aggregation runs where the samples are, so a rule over 50,000
    /// series decodes 50,000 rows, not one per sample or minute. `series`, when given, keeps only those
    /// series (an incremental evaluation's changed and alerting ones); samples are then found by the
    /// list itself (a hashed array filter over `metric_ingest`, index lookups in `metric_chunks`), so
    /// the plan does not hang on estimates of `metric_ingest`, whose size swings between compactions.
    public func windowStats(metric: String, labels: [String: String], devices: [UUID]?, series: [Int64]? = nil, from: Date,
                            to: Date) async throws -> [WindowStats] {
        let labelText = String(decoding: try JSONEncoder().encode(labels), as: UTF8.self)
        let fromMs = Int64((from.timeIntervalSince1970 * 1000).rounded())
        let toMs = Int64((to.timeIntervalSince1970 * 1000).rounded())
        let rows = try await tx.query("""
            WITH s AS (
                SELECT id, device_id, labels FROM metric_series
                WHERE metric = \(metric) AND labels @> \(labelText)::jsonb AND (\(devices == nil) OR device_id = ANY(\(devices ?? [])))
                  AND (\(series == nil) OR id = ANY(\(series ?? [])))
            ), points AS (
                SELECT c.series_id, c.chunk_start + u.off * interval '1 millisecond' AS at, u.val, 0 AS fresh, 0::bigint AS tx
                FROM metric_chunks c CROSS JOIN LATERAL unnest(c.offsets, c.vals) AS u(off, val)
                WHERE c.chunk_start > \(from) - interval '1 hour' AND c.chunk_start < \(to)
                  AND ((\(series == nil) AND c.series_id IN (SELECT id FROM s)) OR (\(series != nil) AND c.series_id = ANY(\(series ?? []))))
                UNION ALL
                SELECT series_id, timestamptz 'epoch' + at_ms * interval '1 millisecond', value, 1, tx
                FROM metric_ingest WHERE at_ms >= \(fromMs) AND at_ms < \(toMs)
                  AND ((\(series == nil) AND series_id IN (SELECT id FROM s)) OR (\(series != nil) AND series_id = ANY(\(series ?? []))))
            ), kept AS (
                SELECT DISTINCT ON (series_id, at) series_id, at, val FROM points
                WHERE at >= \(from) AND at < \(to) ORDER BY series_id, at, fresh, tx, val
            ), minutes AS (
                SELECT series_id, date_bin(interval '1 minute', at, \(MetricResolution.origin)) AS m, avg(val) AS mean,
                       (array_agg(val ORDER BY at DESC))[1] AS last
                FROM kept GROUP BY 1, 2
            ), per_series AS (
                SELECT k.series_id, count(*) AS n, min(k.val) AS lo, max(k.val) AS hi, avg(k.val) AS mean,
                       (array_agg(k.val ORDER BY k.at DESC))[1] AS last
                FROM kept k GROUP BY 1
            ), per_minutes AS (
                SELECT series_id, count(*) AS minutes, (array_agg(last ORDER BY m))[1] AS first_last,
                       percentile_disc(0.95) WITHIN GROUP (ORDER BY mean) AS p95
                FROM minutes GROUP BY 1
            )
            SELECT s.id, s.device_id, s.labels::text, coalesce(p.n, 0), p.lo, p.hi, p.mean, p.last, m.first_last, coalesce(m.minutes, 0), m.p95
            FROM s LEFT JOIN per_series p ON p.series_id = s.id LEFT JOIN per_minutes m ON m.series_id = s.id
            ORDER BY s.id
            """)
        var result: [WindowStats] = []
        let decoder = JSONDecoder()
        for try await (id, device, labels, count, low, high, mean, last, firstLast, minutes, p95)
            in rows.decode((Int64, UUID, String, Int64, Double?, Double?, Double?, Double?, Double?, Int64, Double?).self) {
            result.append(WindowStats(seriesId: id, deviceId: device, labels: labels == "{}" ? [:] : try decoder.decode([String: String].self, from: Data(labels.utf8)),
                                      count: Int(count), min: low, max: high, avg: mean, last: last, firstMinuteLast: firstLast, minutes: Int(minutes),
                                      p95: p95))
        }
        return result
    }
}
