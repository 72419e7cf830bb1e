import Foundation
import OctoMetrics

/// Traffic of one direction over a period from 5-minute rates, as billing computes it.
public struct TrafficStats: Sendable, Hashable {
    /// One 5-minute interval: its end and the rate in bits per second.
    public struct Sample: Sendable, Hashable {
        /// End of the interval.
        public var at: Date
        /// Seconds the interval spans.
        public var seconds: TimeInterval
        /// Bits per second.
        public var bitsPerSecond: Double
        /// Creates a sample.
        public init(at: Date, seconds: TimeInterval, bitsPerSecond: Double) {
            self.at = at
            self.seconds = seconds
            self.bitsPerSecond = bitsPerSecond
        }
    }

    /// Bytes transferred: Σ rate × interval.
    public var bytes: Double
    /// Mean bits per second over the intervals with a rate.
    public var averageBps: Double?
    /// Highest 5-minute rate.
    public var peakBps: Double?
    /// Nearest-rank 95th percentile of the 5-minute rates (the top 5 % discarded).
    public var p95Bps: Double?
    /// Intervals with a rate.
    public var intervals: Int

    /// Statistics of `samples`.
    public static func compute(_ samples: [Sample]) -> TrafficStats {
        var bits = 0.0, seconds = 0.0, peak: Double?
        for sample in samples {
            bits += sample.bitsPerSecond * sample.seconds
            seconds += sample.seconds
            peak = max(peak ?? sample.bitsPerSecond, sample.bitsPerSecond)
        }
        return TrafficStats(bytes: bits / 8, averageBps: seconds > 0 ? bits / seconds : nil, peakBps: peak,
                            p95Bps: Percentile.nearestRank(samples.map(\.bitsPerSecond), 0.95), intervals: samples.count)
    }

    /// 5-minute samples from counter readings (octets), one per 5-minute rollup bucket (`last`, `last_at`);
    /// wraps and resets as `CounterRate` tells them; intervals without a rate are left out.
    public static func samples(readings: [CounterRate.Reading], bits: Int, maxRate: Double?, from: Date, to: Date) -> [Sample] {
        let calculator = CounterRate(bits: bits, maxRate: maxRate, maxGap: 900)
        var result: [Sample] = []
        for index in readings.indices.dropFirst() {
            let previous = readings[index - 1], current = readings[index]
            let seconds = current.at.timeIntervalSince(previous.at)
            guard current.at > from, current.at <= to,
                  let rate = calculator.rate(from: previous.value, to: current.value, seconds: seconds) else { continue }
            result.append(Sample(at: current.at, seconds: seconds, bitsPerSecond: rate * 8))
        }
        return result
    }
}

/// Sums of several interfaces' 5-minute rates per bucket, for a device's, POP's or customer's own 95th
/// percentile (the percentile of the sum, not the sum of percentiles).
public struct TrafficAggregate: Sendable {
    /// Σ bits per second per 5-minute bucket (keyed by bucket end in seconds since 1970 / 300).
    public private(set) var inbound: [Int64: Double] = [:]
    /// Outbound sums.
    public private(set) var outbound: [Int64: Double] = [:]
    /// Bytes in and out.
    public private(set) var bytesIn = 0.0, bytesOut = 0.0
    /// Interfaces added.
    public private(set) var interfaces = 0

    /// An empty aggregate.
    public init() {}

    /// Adds an interface's samples.
    public mutating func add(in samplesIn: [TrafficStats.Sample], out samplesOut: [TrafficStats.Sample]) {
        interfaces += 1
        for sample in samplesIn {
            inbound[Self.key(sample.at), default: 0] += sample.bitsPerSecond
            bytesIn += sample.bitsPerSecond * sample.seconds / 8
        }
        for sample in samplesOut {
            outbound[Self.key(sample.at), default: 0] += sample.bitsPerSecond
            bytesOut += sample.bitsPerSecond * sample.seconds / 8
        }
    }

    /// The 5-minute bucket an interval ending at `at` belongs to.
    static func key(_ at: Date) -> Int64 { Int64((at.timeIntervalSince1970 / 300).rounded(.up)) }

    /// Statistics of the summed series.
    public func stats() -> (in: TrafficStats, out: TrafficStats) {
        func of(_ sums: [Int64: Double], bytes: Double) -> TrafficStats {
            let values = Array(sums.values)
            return TrafficStats(bytes: bytes, averageBps: values.isEmpty ? nil : values.reduce(0, +) / Double(values.count),
                                peakBps: values.max(), p95Bps: Percentile.nearestRank(values, 0.95), intervals: values.count)
        }
        return (of(inbound, bytes: bytesIn), of(outbound, bytes: bytesOut))
    }

    /// The summed series ordered by time (bucket end, bits per second), for charts.
    public func series() -> [(at: Date, in: Double, out: Double)] {
        Set(inbound.keys).union(outbound.keys).sorted().map {
            (Date(timeIntervalSince1970: Double($0) * 300), inbound[$0] ?? 0, outbound[$0] ?? 0)
        }
    }
}

/// Interfaces per band of 95th-percentile utilization (the larger direction over the interface speed).
public struct UtilizationHistogram: Sendable, Hashable {
    /// Counts for 0–10 %, 10–20 %, … 90–100 %, and above 100 % (speed misreported or bursts).
    public private(set) var counts = [Int](repeating: 0, count: 11)
    /// Interfaces without a speed.
    public private(set) var unknownSpeed = 0

    /// An empty histogram.
    public init() {}

    /// Adds an interface.
    public mutating func add(p95Bps: Double?, speedBps: Double?) {
        guard let p95Bps, let speedBps, speedBps > 0 else { unknownSpeed += 1; return }
        let percent = p95Bps / speedBps * 100
        counts[percent > 100 ? 10 : min(9, Int(percent / 10))] += 1
    }
}
