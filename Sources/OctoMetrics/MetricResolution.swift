import Foundation

/// A storage resolution: raw samples or one of the rollup bucket widths.
public enum MetricResolution: Int, Codable, Sendable, CaseIterable, Comparable {
    /// Raw samples.
    case raw = 0
    /// 5-minute buckets.
    case fiveMinutes = 300
    /// 1-hour buckets.
    case hour = 3600
    /// 24-hour buckets (UTC days).
    case day = 86400
    /// 7-day buckets starting on Mondays (UTC).
    case week = 604800
    /// 30-day buckets aligned to 2000-01-03 UTC.
    case thirtyDays = 2592000

    /// The rollup resolutions, finest first.
    public static let rollups: [MetricResolution] = [.fiveMinutes, .hour, .day, .week, .thirtyDays]

    /// Bucket width in seconds (0 for raw).
    public var seconds: Int { rawValue }

    /// The resolution each rollup is computed from (raw for 5 minutes).
    public var source: MetricResolution {
        switch self {
        case .raw, .fiveMinutes: .raw
        case .hour: .fiveMinutes
        case .day: .hour
        case .week, .thirtyDays: .day
        }
    }

    /// Short name used in the API and configuration (`raw`, `5m`, `1h`, `1d`, `7d`, `30d`).
    public var name: String {
        switch self {
        case .raw: "raw"
        case .fiveMinutes: "5m"
        case .hour: "1h"
        case .day: "1d"
        case .week: "7d"
        case .thirtyDays: "30d"
        }
    }

    /// Orders by bucket width.
    public static func < (lhs: MetricResolution, rhs: MetricResolution) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The origin all buckets are aligned to: a Monday at midnight UTC.
    public static let origin = Date(timeIntervalSince1970: 946_857_600) // 2000-01-03T00:00:00Z
}
