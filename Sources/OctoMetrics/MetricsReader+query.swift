import Foundation
import OctoCore
import OctoStore
import PostgresNIO

extension MetricsReader {
    /// Maximum points per series a request may produce.
    public static let maximumPoints = 20_000

    /// The chart of `request`: one point per step, counters with rates (wraps and resets told apart
    /// with the device's `sysUpTime` series when it has one, clamped at the series' maximum rate).
    public func query(_ request: Request) async throws -> Result {
        guard request.step >= 1 else { throw OctoError.invalid("step", "step must be at least 1 second") }
        guard request.to > request.from else { throw OctoError.invalid("to", "to must be after from") }
        guard request.to.timeIntervalSince(request.from) / Double(request.step) <= Double(Self.maximumPoints) else {
            throw OctoError.invalid("step", "at most \(Self.maximumPoints) points per series; use a larger step")
        }
        let series = try await tx.metricSeries.list(ids: request.seriesIds)
        let resolution = request.resolution ?? Self.resolution(from: request.from, step: request.step, now: now, retention: retention)
        // Uptime series of the devices with counters, to detect restarts.
        let counterDevices = Array(Set(series.filter { $0.kind == .counter }.map(\.deviceId)))
        var uptimeOf: [UUID: Int64] = [:]
        if !counterDevices.isEmpty {
            let rows = try await tx.query("""
                SELECT DISTINCT ON (device_id) device_id, id FROM metric_series
                WHERE device_id = ANY(\(counterDevices)) AND metric = 'sysUpTime' ORDER BY device_id, id
                """)
            for try await (device, id) in rows.decode((UUID, Int64).self) { uptimeOf[device] = id }
        }
        // One step earlier, so the first step of a counter has a previous reading.
        let start = request.from.addingTimeInterval(-Double(request.step))
        let ids = series.map(\.id) + Array(Set(uptimeOf.values))
        let points = try await buckets(ids: ids, from: start, to: request.to, step: request.step, resolution: resolution)
        var result: [SeriesPoints] = []
        for item in series {
            var own = points[item.id] ?? []
            if item.kind == .counter {
                let uptime = uptimeOf[item.deviceId].flatMap { points[$0] } ?? []
                let calculator = CounterRate(bits: item.counterBits, maxRate: item.maxRate,
                                             maxGap: max(3 * Double(max(request.step, resolution.seconds)), 900))
                let rates = calculator.rates(own.map { .init(at: $0.lastAt, value: $0.last) },
                                             uptime: uptime.map { .init(at: $0.lastAt, value: $0.last) })
                var byEnd: [Date: Double?] = [:]
                for rate in rates { byEnd[rate.at] = rate.rate }
                for index in own.indices { own[index].rate = byEnd[own[index].lastAt] ?? nil }
            }
            result.append(SeriesPoints(series: item, points: own.filter { $0.at >= Self.binStart(request.from, step: request.step) }))
        }
        return Result(resolution: resolution.name, step: request.step, series: result)
    }

    /// Start of the step containing `date`.
    static func binStart(_ date: Date, step: Int) -> Date {
        let offset = date.timeIntervalSince(MetricResolution.origin)
        return MetricResolution.origin.addingTimeInterval((offset / Double(step)).rounded(.down) * Double(step))
    }

    /// Aggregates per series and step from `resolution`, oldest first.
    func buckets(ids: [Int64], from: Date, to: Date, step: Int, resolution: MetricResolution) async throws -> [Int64: [Point]] {
        let rows: PostgresRowSequence
        let stepInterval = Double(step)
        if resolution == .raw {
            let fromMs = Int64((from.timeIntervalSince1970 * 1000).rounded())
            let toMs = Int64((to.timeIntervalSince1970 * 1000).rounded())
            rows = try await tx.query("""
                WITH points AS (
                    SELECT c.series_id, c.chunk_start + u.off * interval '1 millisecond' AS at, u.val, 0 AS fresh, 0::bigint AS tx
                    FROM metric_chunks c CROSS JOIN LATERAL unnest(c.offsets, c.vals) AS u(off, val)
                    WHERE c.series_id = ANY(\(ids)) AND c.chunk_start > \(from) - interval '1 hour' AND c.chunk_start < \(to)
                    UNION ALL
                    SELECT series_id, timestamptz 'epoch' + at_ms * interval '1 millisecond', value, 1, tx
                    FROM metric_ingest WHERE series_id = ANY(\(ids)) AND at_ms >= \(fromMs) AND at_ms < \(toMs)
                ), kept AS (
                    SELECT DISTINCT ON (series_id, at) series_id, at, val FROM points
                    WHERE at >= \(from) AND at < \(to) ORDER BY series_id, at, fresh, tx, val
                )
                SELECT series_id, date_bin(\(stepInterval) * interval '1 second', at, \(MetricResolution.origin)) AS b,
                       min(val), max(val), sum(val), count(*), (array_agg(val ORDER BY at DESC))[1], max(at)
                FROM kept GROUP BY 1, 2 ORDER BY 1, 2
                """)
        } else if step == resolution.seconds {
            return try await storedBuckets(ids: ids, from: from, to: to, resolution: resolution)
        } else {
            rows = try await tx.query("""
                SELECT series_id, date_bin(\(stepInterval) * interval '1 second', bucket, \(MetricResolution.origin)) AS b,
                       min(min), max(max), sum(sum), sum(count)::bigint, (array_agg(last ORDER BY bucket DESC))[1], max(last_at)
                FROM metric_rollups
                WHERE series_id = ANY(\(ids)) AND resolution = \(Int32(resolution.seconds))
                  AND bucket >= date_bin(\(stepInterval) * interval '1 second', \(from)::timestamptz, \(MetricResolution.origin))
                  AND bucket < \(to)
                GROUP BY 1, 2 ORDER BY 1, 2
                """)
        }
        var result: [Int64: [Point]] = [:]
        for try await (id, at, minimum, maximum, sum, count, last, lastAt)
            in rows.decode((Int64, Date, Double, Double, Double, Int64, Double, Date).self) {
            result[id, default: []].append(Point(at: at, min: minimum, max: maximum, avg: count > 0 ? sum / Double(count) : 0,
                                                 sum: sum, count: Int(count), last: last, lastAt: lastAt, rate: nil))
        }
        return result
    }

    /// Rollup buckets of `resolution` as stored (the step is the bucket width): one row per series with
    /// its buckets as arrays, so 30 days × 48 series decode as 48 rows rather than 34 000.
    func storedBuckets(ids: [Int64], from: Date, to: Date, resolution: MetricResolution) async throws -> [Int64: [Point]] {
        let width = Double(resolution.seconds)
        let rows = try await tx.query("""
            SELECT series_id, array_agg(bucket ORDER BY bucket), array_agg(min ORDER BY bucket), array_agg(max ORDER BY bucket),
                   array_agg(sum ORDER BY bucket), array_agg(count::bigint ORDER BY bucket), array_agg(last ORDER BY bucket),
                   array_agg(last_at ORDER BY bucket)
            FROM metric_rollups
            WHERE series_id = ANY(\(ids)) AND resolution = \(Int32(resolution.seconds))
              AND bucket >= date_bin(\(width) * interval '1 second', \(from)::timestamptz, \(MetricResolution.origin))
              AND bucket < \(to)
            GROUP BY series_id
            """)
        var result: [Int64: [Point]] = [:]
        for try await (id, buckets, minimums, maximums, sums, counts, lasts, lastAts)
            in rows.decode((Int64, [Date], [Double], [Double], [Double], [Int64], [Double], [Date]).self) {
            var points: [Point] = []
            points.reserveCapacity(buckets.count)
            for index in buckets.indices {
                let count = counts[index]
                points.append(Point(at: buckets[index], min: minimums[index], max: maximums[index],
                                    avg: count > 0 ? sums[index] / Double(count) : 0, sum: sums[index], count: Int(count),
                                    last: lasts[index], lastAt: lastAts[index], rate: nil))
            }
            result[id] = points
        }
        return result
    }

    /// The newest value of each of `ids` that has one.
    public func latest(_ ids: [Int64]) async throws -> [Latest] {
        let rows = try await tx.query("""
            SELECT DISTINCT ON (series_id) series_id, at, value FROM (
                SELECT series_id, at, value FROM metric_latest WHERE series_id = ANY(\(ids))
                UNION ALL
                SELECT series_id, timestamptz 'epoch' + at_ms * interval '1 millisecond', value
                FROM metric_ingest WHERE series_id = ANY(\(ids))
            ) AS s ORDER BY series_id, at DESC
            """)
        var result: [Latest] = []
        for try await (id, at, value) in rows.decode((Int64, Date, Double).self) {
            result.append(Latest(seriesId: id, at: at, value: value))
        }
        return result
    }

    /// The 95th percentile (nearest rank) of the 5-minute rates of two counter series over [from, to).
    public func percentile95(in inID: Int64, out outID: Int64, from: Date, to: Date) async throws -> Billing {
        let answer = try await query(Request(seriesIds: [inID, outID], from: from, to: to, step: 300, resolution: .fiveMinutes))
        func direction(_ id: Int64) throws -> Percentile95 {
            guard let entry = answer.series.first(where: { $0.series.id == id }) else { throw OctoError.notFound("series \(id)") }
            guard entry.series.kind == .counter else { throw OctoError.invalid("series", "series \(id) is not a counter") }
            let rates = entry.points.compactMap(\.rate)
            return Percentile95(seriesId: id, unit: entry.series.unit, p95: Percentile.nearestRank(rates, 0.95),
                                max: rates.max(), intervals: rates.count)
        }
        let inbound = try direction(inID), outbound = try direction(outID)
        let billable = [inbound.p95, outbound.p95].compactMap { $0 }.max()
        return Billing(from: from, to: to, in: inbound, out: outbound, billable: billable)
    }
}
