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
/// percentile (the percentile of the sum, not the sum of percentiles). The sums are held densely, one
/// slot per 5-minute bucket from the first to the last bucket seen (a month is 8,640 slots), so adding
/// a sample is an array addition rather than a hash lookup.
public struct TrafficAggregate: Sendable {
    /// Bucket key of slot 0 (bucket end in seconds since 1970 / 300).
    private var base: Int64 = 0
    /// Σ bits per second per slot, inbound and outbound.
    private var sumsIn: [Double] = [], sumsOut: [Double] = []
    /// Per slot: bit 0 set when an inbound sample was added, bit 1 for outbound.
    private var seen: [UInt8] = []
    /// Bytes in and out.
    public private(set) var bytesIn = 0.0, bytesOut = 0.0
    /// Interfaces added.
    public private(set) var interfaces = 0

    /// An empty aggregate.
    public init() {}

    /// Σ bits per second per 5-minute bucket with an inbound sample (keyed by bucket end in seconds since 1970 / 300).
    public var inbound: [Int64: Double] { sums(sumsIn, bit: 1) }
    /// Outbound sums.
    public var outbound: [Int64: Double] { sums(sumsOut, bit: 2) }

    private func sums(_ values: [Double], bit: UInt8) -> [Int64: Double] {
        var result: [Int64: Double] = [:]
        for index in seen.indices where seen[index] & bit != 0 { result[base + Int64(index)] = values[index] }
        return result
    }

    /// The slot of `key`, growing the storage to reach it.
    private mutating func slot(_ key: Int64) -> Int {
        if seen.isEmpty { base = key }
        if key < base {
            let missing = Int(base - key)
            sumsIn.insert(contentsOf: repeatElement(0, count: missing), at: 0)
            sumsOut.insert(contentsOf: repeatElement(0, count: missing), at: 0)
            seen.insert(contentsOf: repeatElement(0, count: missing), at: 0)
            base = key
        }
        let index = Int(key - base)
        if index >= seen.count {
            let missing = index - seen.count + 1
            sumsIn.append(contentsOf: repeatElement(0, count: missing))
            sumsOut.append(contentsOf: repeatElement(0, count: missing))
            seen.append(contentsOf: repeatElement(0, count: missing))
        }
        return index
    }

    /// Adds an interface's samples.
    public mutating func add(in samplesIn: [TrafficStats.Sample], out samplesOut: [TrafficStats.Sample]) {
        interfaces += 1
        for sample in samplesIn {
            let index = slot(Self.key(sample.at))
            sumsIn[index] += sample.bitsPerSecond
            seen[index] |= 1
            bytesIn += sample.bitsPerSecond * sample.seconds / 8
        }
        for sample in samplesOut {
            let index = slot(Self.key(sample.at))
            sumsOut[index] += sample.bitsPerSecond
            seen[index] |= 2
            bytesOut += sample.bitsPerSecond * sample.seconds / 8
        }
    }

    /// Adds a stored day of one device (its summed rates and its bits); counts no interface.
    public mutating func add(day: TrafficDay) {
        guard day.slots > 0 else { return }
        let first = slot(day.firstKey)
        _ = slot(day.firstKey + Int64(day.slots) - 1)
        sumsIn.withUnsafeMutableBufferPointer { sumsIn in
            sumsOut.withUnsafeMutableBufferPointer { sumsOut in
                seen.withUnsafeMutableBufferPointer { seen in
                    day.sumsIn.withUnsafeBufferPointer { dayIn in
                        day.sumsOut.withUnsafeBufferPointer { dayOut in
                            for offset in 0..<min(day.slots, dayIn.count, dayOut.count) {
                                let valueIn = dayIn[offset], valueOut = dayOut[offset]
                                if !valueIn.isNaN { sumsIn[first + offset] += valueIn; seen[first + offset] |= 1 }
                                if !valueOut.isNaN { sumsOut[first + offset] += valueOut; seen[first + offset] |= 2 }
                            }
                        }
                    }
                }
            }
        }
        bytesIn += day.bitsIn / 8
        bytesOut += day.bitsOut / 8
    }

    /// Adds another aggregate (a device's to its customer's and POP's), its interfaces too.
    public mutating func add(_ other: TrafficAggregate) {
        interfaces += other.interfaces
        bytesIn += other.bytesIn
        bytesOut += other.bytesOut
        guard !other.seen.isEmpty else { return }
        let first = slot(other.base)
        _ = slot(other.base + Int64(other.seen.count) - 1)
        sumsIn.withUnsafeMutableBufferPointer { sumsIn in
            sumsOut.withUnsafeMutableBufferPointer { sumsOut in
                seen.withUnsafeMutableBufferPointer { seen in
                    other.sumsIn.withUnsafeBufferPointer { otherIn in
                        other.sumsOut.withUnsafeBufferPointer { otherOut in
                            other.seen.withUnsafeBufferPointer { otherSeen in
                                // Slots without a sample hold 0, so adding them changes nothing.
                                for offset in 0..<otherSeen.count {
                                    sumsIn[first + offset] += otherIn[offset]
                                    sumsOut[first + offset] += otherOut[offset]
                                    seen[first + offset] |= otherSeen[offset]
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Counts `count` interfaces whose rates were added as days.
    public mutating func countInterfaces(_ count: Int) { interfaces += count }

    /// The 5-minute bucket an interval ending at `at` belongs to.
    static func key(_ at: Date) -> Int64 { Int64((at.timeIntervalSince1970 / 300).rounded(.up)) }

    /// Statistics of the summed series.
    public func stats() -> (in: TrafficStats, out: TrafficStats) {
        func of(_ sums: [Double], bit: UInt8, bytes: Double) -> TrafficStats {
            var values: [Double] = []
            values.reserveCapacity(sums.count)
            var total = 0.0, peak = -Double.infinity
            for index in seen.indices where seen[index] & bit != 0 {
                let value = sums[index]
                values.append(value)
                total += value
                peak = max(peak, value)
            }
            let count = values.count
            return TrafficStats(bytes: bytes, averageBps: count == 0 ? nil : total / Double(count), peakBps: count == 0 ? nil : peak,
                                p95Bps: Percentile.nearestRank(selecting: &values, 0.95), intervals: count)
        }
        return (of(sumsIn, bit: 1, bytes: bytesIn), of(sumsOut, bit: 2, bytes: bytesOut))
    }

    /// The summed series ordered by time (bucket end, bits per second), for charts.
    public func series() -> [(at: Date, in: Double, out: Double)] {
        seen.indices.filter { seen[$0] != 0 }.map {
            (Date(timeIntervalSince1970: Double(base + Int64($0)) * 300), sumsIn[$0], sumsOut[$0])
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
