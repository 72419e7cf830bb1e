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
        if resolution == .raw {
            return try await rawSamples(ids: ids, from: from, to: to).mapValues { Self.binned($0, step: step) }
        }
        let rollups = try await MetricRollupPeriods.read(tx, series: ids, resolution: resolution,
                                                         from: Self.binStart(from, step: step), to: to)
        return rollups.mapValues { buckets in
            var points: [Point] = []
            points.reserveCapacity(buckets.count)
            var index = buckets.startIndex
            while index < buckets.endIndex {
                // Buckets are oldest first: each step takes a run of them.
                let at = Self.binStart(buckets[index].at, step: step)
                var end = index
                while end < buckets.endIndex && Self.binStart(buckets[end].at, step: step) == at { end += 1 }
                if let combined = MetricRollup.combining(buckets[index..<end], at: at) {
                    points.append(Point(at: at, min: combined.min, max: combined.max,
                                        avg: combined.count > 0 ? combined.sum / Double(combined.count) : 0, sum: combined.sum,
                                        count: combined.count, last: combined.last, lastAt: combined.lastAt, rate: nil))
                }
                index = end
            }
            return points
        }
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
