import Foundation
import OctoCore
import OctoStore
import PostgresNIO

extension MetricsMaintenance {
    /// Recomputes, for every dirty series-hour, the 5-minute buckets that got samples (the mark's
    /// `buckets`) from its chunk and then each coarser bucket containing the hour from the resolution
    /// below; clears the dirty marks. Returns the buckets whose aggregates changed, per resolution: a
    /// period row none of whose buckets changed is not rewritten.
    ///
    /// Runs under the maintenance lock, so nothing else writes `metric_dirty` or the rollups meanwhile.
    func rollUp(_ tx: Transaction) async throws -> [MetricResolution: Int] {
        var written: [MetricResolution: Int] = [:]
        var providers: [Int64: UUID] = [:]
        var hours: [(series: Int64, hour: Int64)] = []
        var five: [Int64: (provider: UUID, buckets: [MetricRollup])] = [:]
        let rows = try await tx.query("""
            SELECT d.series_id, d.hour, d.buckets, c.provider_id, c.samples
            FROM metric_dirty d JOIN metric_chunks c ON c.series_id = d.series_id AND c.chunk_start = d.hour
            """)
        for try await (series, hour, marks, provider, bytes) in rows.decode((Int64, Date, Int32, UUID, ByteBuffer).self) {
            let samples = try bytes.withUnsafeReadableBytes { try MetricCodec.decodeSamples($0) }
            providers[series] = provider
            hours.append((series, MetricRollupPeriods.seconds(hour)))
            var buckets = five[series]?.buckets ?? []
            buckets += Self.fiveMinuteBuckets(samples, hour: hour, marks: Int(marks))
            five[series] = (provider, buckets)
        }
        // The periods the level below has just written, so they are not read back.
        var below: [MetricRollupPeriods.Key: [MetricCodec.Bucket]]
        (written[.fiveMinutes], below) = try await MetricRollupPeriods.merge(tx, resolution: .fiveMinutes, five)
        for target in MetricResolution.rollups.dropFirst() {
            let width = Int64(target.seconds), source = target.source
            let sourcePeriod = MetricRollupPeriods.periodSeconds(source)
            var targets = Set<MetricRollupPeriods.Key>()
            for (series, hour) in hours { targets.insert(.init(series: series, start: MetricRollupPeriods.bin(hour, width: width))) }
            // The source rows every target bucket spans.
            var sourceKeys = Set<MetricRollupPeriods.Key>()
            for key in targets {
                var start = MetricRollupPeriods.bin(key.start, width: sourcePeriod)
                while start < key.start + width {
                    sourceKeys.insert(.init(series: key.series, start: start))
                    start += sourcePeriod
                }
            }
            var sources = try await MetricRollupPeriods.load(tx, resolution: source, keys: sourceKeys.filter { below[$0] == nil })
                .mapValues(\.buckets)
            for key in sourceKeys { if let buckets = below[key] { sources[key] = buckets } }
            var parts: [MetricRollupPeriods.Key: [MetricRollup]] = [:]
            for (key, buckets) in sources {
                for bucket in buckets {
                    let rollup = MetricRollupPeriods.rollup(bucket, periodStart: key.start, resolution: source)
                    parts[.init(series: key.series, start: MetricRollupPeriods.bin(MetricRollupPeriods.seconds(rollup.at), width: width)),
                          default: []].append(rollup)
                }
            }
            var combined: [Int64: (provider: UUID, buckets: [MetricRollup])] = [:]
            for key in targets {
                guard let provider = providers[key.series],
                      let rollup = MetricRollup.combining(parts[key] ?? [], at: Date(timeIntervalSince1970: Double(key.start))) else { continue }
                combined[key.series, default: (provider, [])].buckets.append(rollup)
            }
            let periods: [MetricRollupPeriods.Key: [MetricCodec.Bucket]]
            (written[target], periods) = try await MetricRollupPeriods.merge(tx, resolution: target, combined)
            // 7 and 30 days both come from days.
            if target != .week { below = periods }
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

    /// The 5-minute buckets of a chunk's samples whose bit is set in `marks` (bit k: minutes 5k to 5k + 4).
    static func fiveMinuteBuckets(_ samples: MetricCodec.Samples, hour: Date, marks: Int) -> [MetricRollup] {
        var result: [MetricRollup] = []
        var slot = -1, current: MetricRollup?
        for (offset, value) in zip(samples.offsets, samples.values) {
            let position = Int(offset / 300_000)
            guard position >= 0, position < 12, marks & (1 << position) != 0 else { continue }
            let at = hour.addingTimeInterval(Double(offset) / 1000)
            if position != slot, let done = current { result.append(done); current = nil }
            slot = position
            if var bucket = current {
                bucket.count += 1
                bucket.min = Swift.min(bucket.min, value)
                bucket.max = Swift.max(bucket.max, value)
                bucket.sum += value
                bucket.last = value
                bucket.lastAt = at
                current = bucket
            } else {
                current = MetricRollup(at: hour.addingTimeInterval(Double(position) * 300), count: 1, min: value, max: value, sum: value,
                                       last: value, lastAt: at)
            }
        }
        if let done = current { result.append(done) }
        return result
    }

    /// Drops expired raw partitions and deletes rollup periods whose every bucket has expired (a
    /// period is kept whole while any of its buckets is retained). Returns (partitions, buckets).
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
                    DELETE FROM metric_rollup_periods
                    WHERE resolution = \(Int32(resolution.seconds))
                      AND period_start + \(Double(MetricRollupPeriods.periodSeconds(resolution))) * interval '1 second' <= \(cutoff)
                    RETURNING get_byte(buckets, 1)::bigint << 24 | get_byte(buckets, 2) << 16 | get_byte(buckets, 3) << 8 | get_byte(buckets, 4) AS n
                ) SELECT coalesce(sum(n), 0)::bigint FROM gone
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
