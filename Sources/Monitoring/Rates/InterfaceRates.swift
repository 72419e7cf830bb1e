import Foundation
import OctoMetrics

/// Traffic of one interface between two polls: bits per second in and out and utilization of its
/// speed. Counter arithmetic is the metrics store's ``CounterRate``: 32/64-bit wraps told from resets,
/// no rate across a restart (sysUpTime went down) or a gap longer than `maxGap`, rates clamped to the
/// interface speed.
public struct InterfaceRates: Hashable, Sendable, Codable {
    /// Received bits per second; `nil` when no rate can be told.
    public var inBitsPerSecond: Double?
    /// Transmitted bits per second.
    public var outBitsPerSecond: Double?
    /// Received traffic in percent of the interface speed.
    public var inUtilization: Double?
    /// Transmitted traffic in percent of the interface speed.
    public var outUtilization: Double?

    /// Creates rates.
    public init(inBitsPerSecond: Double? = nil, outBitsPerSecond: Double? = nil, inUtilization: Double? = nil,
                outUtilization: Double? = nil) {
        self.inBitsPerSecond = inBitsPerSecond
        self.outBitsPerSecond = outBitsPerSecond
        self.inUtilization = inUtilization
        self.outUtilization = outUtilization
    }

    /// Rates from `earlier` to `later`, two readings of the same interface `seconds` apart, with the
    /// device's sysUpTime (hundredths of a second) at each poll when known. No rate when the counters'
    /// width changed between the polls or the device restarted.
    public static func between(_ earlier: InterfaceReading, _ later: InterfaceReading, seconds: TimeInterval,
                               earlierUptime: UInt32? = nil, laterUptime: UInt32? = nil,
                               maxGap: TimeInterval? = nil) -> InterfaceRates {
        guard seconds > 0, earlier.octetCounterBits == later.octetCounterBits else { return InterfaceRates() }
        if let earlierUptime, let laterUptime, laterUptime < earlierUptime { return InterfaceRates() }
        let speed = later.speedBitsPerSecond.flatMap { $0 > 0 ? Double($0) : nil }
        let counter = CounterRate(bits: later.octetCounterBits, maxRate: speed.map { $0 / 8 }, maxGap: maxGap)
        func bits(_ from: UInt64?, _ to: UInt64?) -> Double? {
            guard let from, let to else { return nil }
            return counter.rate(from: Double(from), to: Double(to), seconds: seconds).map { $0 * 8 }
        }
        func utilization(_ rate: Double?) -> Double? {
            guard let rate, let speed else { return nil }
            return rate / speed * 100
        }
        let inRate = bits(earlier.inOctets, later.inOctets)
        let outRate = bits(earlier.outOctets, later.outOctets)
        return InterfaceRates(inBitsPerSecond: inRate, outBitsPerSecond: outRate,
                              inUtilization: utilization(inRate), outUtilization: utilization(outRate))
    }
}
