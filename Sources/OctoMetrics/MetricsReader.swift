import Foundation
import Logging
import OctoCore
import OctoStore
import PostgresNIO

/// Read side of the metrics store, always inside a tenant transaction (row-level security).
public struct MetricsReader: Sendable {
    /// What a chart asks for.
    public struct Request: Sendable {
        /// Series to read (already filtered to the provider by the caller or by RLS).
        public var seriesIds: [Int64]
        /// Start, inclusive.
        public var from: Date
        /// End, exclusive.
        public var to: Date
        /// Seconds per point.
        public var step: Int
        /// A resolution to use instead of the automatic choice.
        public var resolution: MetricResolution?

        /// Creates a request.
        public init(seriesIds: [Int64], from: Date, to: Date, step: Int, resolution: MetricResolution? = nil) {
            self.seriesIds = seriesIds
            self.from = from
            self.to = to
            self.step = step
            self.resolution = resolution
        }
    }

    /// One point of a chart: the aggregate of a step; counters also carry the rate over the step.
    public struct Point: Codable, Sendable, Hashable {
        /// Start of the step.
        public var at: Date
        /// Smallest value.
        public var min: Double
        /// Largest value.
        public var max: Double
        /// Mean value.
        public var avg: Double
        /// Sum of values.
        public var sum: Double
        /// Number of samples.
        public var count: Int
        /// Newest value in the step.
        public var last: Double
        /// Time of the newest value.
        public var lastAt: Date
        /// Counters: units per second from the previous step's newest value to this one's; `null` after
        /// a reset or a gap.
        public var rate: Double?
    }

    /// The points of one series.
    public struct SeriesPoints: Codable, Sendable, Hashable {
        /// The series.
        public var series: MetricSeries
        /// The points, oldest first.
        public var points: [Point]
    }

    /// A chart answer.
    public struct Result: Codable, Sendable, Hashable {
        /// The resolution read.
        public var resolution: String
        /// Seconds per point.
        public var step: Int
        /// One entry per series found.
        public var series: [SeriesPoints]
    }

    /// The newest value of a series.
    public struct Latest: Codable, Sendable, Hashable {
        /// The series.
        public var seriesId: Int64
        /// When.
        public var at: Date
        /// The value.
        public var value: Double
    }

    /// The 95th percentile of one direction.
    public struct Percentile95: Codable, Sendable, Hashable {
        /// The counter series.
        public var seriesId: Int64
        /// Units of the rate (the series unit per second).
        public var unit: String
        /// The 95th percentile of the 5-minute rates, units per second.
        public var p95: Double?
        /// Highest 5-minute rate.
        public var max: Double?
        /// 5-minute intervals with a rate.
        public var intervals: Int
    }

    /// In and out 95th percentiles and the billable one (the larger).
    public struct Billing: Codable, Sendable, Hashable {
        /// Start, inclusive.
        public var from: Date
        /// End, exclusive.
        public var to: Date
        /// Inbound.
        public var `in`: Percentile95
        /// Outbound.
        public var out: Percentile95
        /// max(in.p95, out.p95).
        public var billable: Double?
    }

    /// The transaction to read in.
    public let tx: Transaction
    /// Retention, to know which resolutions still cover a range.
    public let retention: MetricsRetention
    /// Now, for retention coverage.
    public let now: Date

    /// Creates a reader.
    public init(tx: Transaction, retention: MetricsRetention, now: Date) {
        self.tx = tx
        self.retention = retention
        self.now = now
    }

    /// Picks the coarsest resolution no wider than `step` whose retention still covers `from`; when
    /// none fits, the finest that covers it.
    public static func resolution(from: Date, step: Int, now: Date, retention: MetricsRetention) -> MetricResolution {
        let covering = MetricResolution.allCases.filter { from >= now.addingTimeInterval(-Double(retention.days($0)) * 86_400) }
        return covering.filter { $0.seconds <= step }.max() ?? covering.min() ?? .thirtyDays
    }
}
