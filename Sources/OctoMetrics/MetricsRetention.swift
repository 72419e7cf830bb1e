import Foundation

/// How long each resolution is kept. 5-minute data must cover a full billing period, so the 95th
/// percentile of the last month can always be computed.
public struct MetricsRetention: Sendable, Hashable {
    /// Raw samples, in days (whole daily partitions are dropped).
    public var rawDays: Int
    /// Per rollup resolution, in days.
    public var rollupDays: [MetricResolution: Int]

    /// Creates a retention policy; rollups not named keep the defaults.
    public init(rawDays: Int = 35, rollupDays: [MetricResolution: Int] = [:]) {
        self.rawDays = max(1, rawDays)
        var days = Self.defaultRollupDays.merging(rollupDays) { _, new in max(1, new) }
        // 1-hour buckets are recomputed from 5-minute ones when late raw samples arrive.
        days[.fiveMinutes] = max(days[.fiveMinutes] ?? 35, self.rawDays)
        self.rollupDays = days
    }

    /// 5 minutes: 35 days; 1 hour: 400 days; 1 day: 5 years; 7 and 30 days: 10 years.
    public static let defaultRollupDays: [MetricResolution: Int] = [
        .fiveMinutes: 35, .hour: 400, .day: 1_830, .week: 3_660, .thirtyDays: 3_660,
    ]

    /// Days kept for `resolution`.
    public func days(_ resolution: MetricResolution) -> Int {
        resolution == .raw ? rawDays : (rollupDays[resolution] ?? 35)
    }

    /// Reads `OCTOISP_METRICS_RETENTION_<RAW|5M|1H|1D|7D|30D>_DAYS` from `environment`.
    public init(environment: [String: String]) {
        func days(_ name: String) -> Int? { environment["OCTOISP_METRICS_RETENTION_\(name)_DAYS"].flatMap(Int.init) }
        var rollups: [MetricResolution: Int] = [:]
        for resolution in MetricResolution.rollups {
            if let value = days(resolution.name.uppercased()) { rollups[resolution] = value }
        }
        self.init(rawDays: days("RAW") ?? 35, rollupDays: rollups)
    }
}
