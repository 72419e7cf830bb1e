import Foundation
import OctoCore
import OctoStore
import PostgresNIO

/// One rollup bucket: the aggregates of a series' samples over [`at`, `at` + width).
public struct MetricRollup: Sendable, Hashable {
    /// Start of the bucket.
    public var at: Date
    /// Samples aggregated.
    public var count: Int
    /// Smallest, largest and summed value.
    public var min: Double
    public var max: Double
    public var sum: Double
    /// The newest value and its time.
    public var last: Double
    public var lastAt: Date

    /// Creates a bucket.
    public init(at: Date, count: Int, min: Double, max: Double, sum: Double, last: Double, lastAt: Date) {
        self.at = at
        self.count = count
        self.min = min
        self.max = max
        self.sum = sum
        self.last = last
        self.lastAt = lastAt
    }

    /// The aggregate of `parts` (any order) as the bucket starting `at`: the newest part gives the last
    /// value; `nil` when there is none.
    public static func combining(_ parts: some Sequence<MetricRollup>, at: Date) -> MetricRollup? {
        var result: MetricRollup?, newest = Date.distantPast
        for part in parts {
            guard var combined = result else {
                result = MetricRollup(at: at, count: part.count, min: part.min, max: part.max, sum: part.sum, last: part.last, lastAt: part.lastAt)
                newest = part.at
                continue
            }
            combined.count += part.count
            combined.min = Swift.min(combined.min, part.min)
            combined.max = Swift.max(combined.max, part.max)
            combined.sum += part.sum
            if part.at > newest { newest = part.at; combined.last = part.last }
            combined.lastAt = Swift.max(combined.lastAt, part.lastAt)
            result = combined
        }
        return result
    }
}

/// Rollups at rest (`metric_rollup_periods`, migration 0156): one row per series, resolution and
/// period, its buckets encoded by ``MetricCodec``. Periods are aligned to ``MetricResolution/origin``
/// and are whole multiples of their buckets, so a bucket lies in exactly one period.
public enum MetricRollupPeriods {
    /// Seconds one row of `resolution` spans: 5 minutes → 6 hours (72 buckets), 1 hour → a day (24),
    /// 1 day → 30 days, 7 days → 26 weeks, 30 days → 360 days (12). Rows stay well under a page.
    public static func periodSeconds(_ resolution: MetricResolution) -> Int64 {
        switch resolution {
        case .raw, .fiveMinutes: 21_600
        case .hour: 86_400
        case .day: 2_592_000
        case .week: 15_724_800
        case .thirtyDays: 31_104_000
        }
    }

    /// A stored row: series and period start (seconds since 1970).
    struct Key: Hashable {
        var series: Int64
        var start: Int64
    }

    /// A row as read: its provider, buckets and bytes.
    struct Stored {
        var provider: UUID
        var buckets: [MetricCodec.Bucket]
        var bytes: [UInt8]
    }

    static let originSeconds = Int64(MetricResolution.origin.timeIntervalSince1970)

    /// Start (seconds since 1970) of the span of `width` seconds, aligned to the origin, holding `seconds`.
    static func bin(_ seconds: Int64, width: Int64) -> Int64 {
        let offset = seconds - originSeconds
        return originSeconds + (offset >= 0 ? offset / width : -((-offset + width - 1) / width)) * width
    }

    static func seconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970).rounded(.down)) }

    /// The rows of `resolution` for `keys`.
    static func load(_ tx: Transaction, resolution: MetricResolution, keys: some Collection<Key>) async throws -> [Key: Stored] {
        guard !keys.isEmpty else { return [:] }
        let ids = keys.map(\.series), starts = keys.map { Date(timeIntervalSince1970: Double($0.start)) }
        let rows = try await tx.query("""
            SELECT p.series_id, p.period_start, p.provider_id, p.buckets
            FROM unnest(\(ids)::bigint[], \(starts)::timestamptz[]) AS k(series_id, period_start)
            JOIN metric_rollup_periods p ON p.series_id = k.series_id AND p.resolution = \(Int32(resolution.seconds))
                AND p.period_start = k.period_start
            """)
        var result: [Key: Stored] = [:]
        for try await (id, start, provider, bytes) in rows.decode((Int64, Date, UUID, ByteBuffer).self) {
            let raw = Array(bytes.readableBytesView)
            let buckets = try raw.withUnsafeBytes { try MetricCodec.decodeBuckets($0) }
            result[Key(series: id, start: seconds(start))] = Stored(provider: provider, buckets: buckets, bytes: raw)
        }
        return result
    }

    /// The stored buckets of `series` at `resolution` that start in [`from`, `to`), oldest first.
    public static func read(_ tx: Transaction, series: [Int64], resolution: MetricResolution, from: Date,
                            to: Date) async throws -> [Int64: [MetricRollup]] {
        var result: [Int64: [MetricRollup]] = [:]
        try await periods(tx, series: series, resolution: resolution, from: from, to: to) { id, start, bytes in
            let buckets = try bytes.withUnsafeReadableBytes { try MetricCodec.decodeBuckets($0) }
            var list = result[id] ?? []
            for bucket in buckets {
                let rollup = Self.rollup(bucket, periodStart: start, resolution: resolution)
                if rollup.at >= from && rollup.at < to { list.append(rollup) }
            }
            result[id] = list
        }
        for id in result.keys { result[id]?.sort { $0.at < $1.at } }
        return result
    }

    /// The newest value of each stored bucket of `series` at `resolution` that starts in [`from`, `to`),
    /// with its time, oldest first: what counter rates are computed from. Decodes only those columns.
    public static func readLast(_ tx: Transaction, series: [Int64], resolution: MetricResolution, from: Date,
                                to: Date) async throws -> [Int64: [CounterRate.Reading]] {
        let width = Int64(resolution.seconds)
        var result: [Int64: [CounterRate.Reading]] = [:]
        try await periods(tx, series: series, resolution: resolution, from: from, to: to) { id, start, bytes in
            let lasts = try bytes.withUnsafeReadableBytes { try MetricCodec.decodeLasts($0) }
            var list = result[id] ?? []
            for (index, offset, value) in lasts {
                let at = Date(timeIntervalSince1970: Double(start + Int64(index) * width))
                if at >= from && at < to { list.append(CounterRate.Reading(at: at.addingTimeInterval(Double(offset) / 1000), value: value)) }
            }
            result[id] = list
        }
        for id in result.keys { result[id]?.sort { $0.at < $1.at } }
        return result
    }

    /// Calls `body` with each stored period row of `series` at `resolution` that may hold a bucket
    /// starting in [`from`, `to`): series, period start (seconds since 1970) and the encoded buckets.
    static func periods(_ tx: Transaction, series: [Int64], resolution: MetricResolution, from: Date, to: Date,
                        _ body: (Int64, Int64, ByteBuffer) throws -> Void) async throws {
        guard !series.isEmpty, to > from else { return }
        let period = Double(periodSeconds(resolution))
        let rows = try await tx.query("""
            SELECT series_id, period_start, buckets FROM metric_rollup_periods
            WHERE series_id = ANY(\(series)) AND resolution = \(Int32(resolution.seconds))
              AND period_start > \(from) - \(period) * interval '1 second' AND period_start < \(to)
            """)
        for try await (id, start, bytes) in rows.decode((Int64, Date, ByteBuffer).self) { try body(id, seconds(start), bytes) }
    }

    static func rollup(_ bucket: MetricCodec.Bucket, periodStart: Int64, resolution: MetricResolution) -> MetricRollup {
        let at = Date(timeIntervalSince1970: Double(periodStart + Int64(bucket.index) * Int64(resolution.seconds)))
        return MetricRollup(at: at, count: bucket.count, min: bucket.min, max: bucket.max, sum: bucket.sum, last: bucket.last,
                            lastAt: at.addingTimeInterval(Double(bucket.lastOffset) / 1000))
    }

    /// Puts `rollups` (per series: its provider and buckets of `resolution`) into their periods, replacing
    /// buckets that start at the same time. A row is written only when its bytes change. Returns how many
    /// of the buckets differed from what was stored.
    @discardableResult
    public static func write(_ tx: Transaction, resolution: MetricResolution,
                             _ rollups: [Int64: (provider: UUID, buckets: [MetricRollup])]) async throws -> Int {
        try await merge(tx, resolution: resolution, rollups).changed
    }

    /// ``write(_:resolution:_:)``, also returning every touched period's buckets as they now stand.
    static func merge(_ tx: Transaction, resolution: MetricResolution, _ rollups: [Int64: (provider: UUID, buckets: [MetricRollup])])
        async throws -> (changed: Int, periods: [Key: [MetricCodec.Bucket]]) {
        let width = Int64(resolution.seconds), period = periodSeconds(resolution)
        var changes: [Key: (provider: UUID, buckets: [MetricCodec.Bucket])] = [:]
        for (series, entry) in rollups {
            for rollup in entry.buckets {
                let at = seconds(rollup.at)
                guard bin(at, width: width) == at else {
                    throw OctoError.invalid("bucket", "a \(resolution.name) bucket starts on a multiple of \(width) s from 2000-01-03")
                }
                let start = bin(at, width: period)
                let bucket = MetricCodec.Bucket(index: Int((at - start) / width), count: rollup.count, min: rollup.min, max: rollup.max,
                                                sum: rollup.sum, last: rollup.last,
                                                lastOffset: Int64((rollup.lastAt.timeIntervalSince(rollup.at) * 1000).rounded()))
                changes[Key(series: series, start: start), default: (entry.provider, [])].buckets.append(bucket)
            }
        }
        guard !changes.isEmpty else { return (0, [:]) }
        let stored = try await load(tx, resolution: resolution, keys: changes.keys)
        var changed = 0
        var periods: [Key: [MetricCodec.Bucket]] = [:]
        periods.reserveCapacity(changes.count)
        var providers: [UUID] = [], ids: [Int64] = [], starts: [Date] = [], blobs: [ByteBuffer] = []
        for (key, change) in changes {
            var byIndex: [Int: MetricCodec.Bucket] = [:]
            for bucket in stored[key]?.buckets ?? [] { byIndex[bucket.index] = bucket }
            for bucket in change.buckets where byIndex[bucket.index] != bucket {
                byIndex[bucket.index] = bucket
                changed += 1
            }
            let buckets = byIndex.values.sorted { $0.index < $1.index }
            periods[key] = buckets
            let bytes = MetricCodec.encode(buckets)
            guard bytes != stored[key]?.bytes else { continue }
            providers.append(change.provider)
            ids.append(key.series)
            starts.append(Date(timeIntervalSince1970: Double(key.start)))
            blobs.append(ByteBuffer(bytes: bytes))
        }
        if !ids.isEmpty {
            try await tx.query("""
                INSERT INTO metric_rollup_periods (provider_id, series_id, resolution, period_start, buckets)
                SELECT provider_id, series_id, \(Int32(resolution.seconds)), period_start, buckets
                FROM unnest(\(providers)::uuid[], \(ids)::bigint[], \(starts)::timestamptz[], \(blobs)::bytea[])
                    AS r(provider_id, series_id, period_start, buckets)
                ON CONFLICT (series_id, resolution, period_start) DO UPDATE SET buckets = excluded.buckets
                """)
        }
        return (changed, periods)
    }
}
