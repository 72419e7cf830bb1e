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
    /// of 0. `series`, when given, keeps only those series (an incremental evaluation's changed and
    /// alerting ones). The series are chosen in PostgreSQL; their samples are decoded from the chunks
    /// (``MetricCodec``) and summarized here, as the streaming evaluator does.
    public func windowStats(metric: String, labels: [String: String], devices: [UUID]?, series: [Int64]? = nil, from: Date,
                            to: Date) async throws -> [WindowStats] {
        let labelText = String(decoding: try JSONEncoder().encode(labels), as: UTF8.self)
        let rows = try await tx.query("""
            SELECT id, device_id, labels::text FROM metric_series
            WHERE metric = \(metric) AND labels @> \(labelText)::jsonb AND (\(devices == nil) OR device_id = ANY(\(devices ?? [])))
              AND (\(series == nil) OR id = ANY(\(series ?? [])))
            ORDER BY id
            """)
        var result: [WindowStats] = []
        let decoder = JSONDecoder()
        for try await (id, device, labels) in rows.decode((Int64, UUID, String).self) {
            result.append(WindowStats(seriesId: id, deviceId: device, labels: labels == "{}" ? [:] : try decoder.decode([String: String].self, from: Data(labels.utf8)),
                                      count: 0, min: nil, max: nil, avg: nil, last: nil, firstMinuteLast: nil, minutes: 0, p95: nil))
        }
        let samples = try await rawSamples(ids: result.map(\.seriesId), from: from, to: to)
        for index in result.indices {
            guard let own = samples[result[index].seriesId], !own.isEmpty else { continue }
            Self.summarize(own, into: &result[index])
        }
        return result
    }

    /// Count, extremes, mean and newest of time-ordered `samples`, and of their minutes (binned from the
    /// origin): how many, the newest sample of the first, and the 95th percentile (nearest rank) of their means.
    static func summarize(_ samples: [RawSample], into stats: inout WindowStats) {
        var low = Double.infinity, high = -Double.infinity, sum = 0.0
        var means: [Double] = []
        var minute = Int64.min, minuteSum = 0.0, minuteCount = 0
        let originMs = Int64(MetricResolution.origin.timeIntervalSince1970) * 1000
        for (position, sample) in samples.enumerated() {
            low = Swift.min(low, sample.value)
            high = Swift.max(high, sample.value)
            sum += sample.value
            let offset = sample.at - originMs
            let bin = offset >= 0 ? offset / 60_000 : (offset - 59_999) / 60_000
            if bin != minute {
                if minuteCount > 0 { means.append(minuteSum / Double(minuteCount)) }
                if minute != .min, stats.firstMinuteLast == nil { stats.firstMinuteLast = samples[position - 1].value }
                minute = bin
                minuteSum = 0
                minuteCount = 0
            }
            minuteSum += sample.value
            minuteCount += 1
        }
        means.append(minuteSum / Double(minuteCount))
        if stats.firstMinuteLast == nil { stats.firstMinuteLast = samples.last?.value }
        stats.count = samples.count
        stats.min = low
        stats.max = high
        stats.avg = sum / Double(samples.count)
        stats.last = samples.last?.value
        stats.minutes = means.count
        stats.p95 = Percentile.nearestRank(selecting: &means, 0.95)
    }
}
