import Foundation

/// Turns counter readings into per-second rates, telling wraps from resets.
///
/// Between two readings `v0 → v1`:
/// - a device restart in between (sysUpTime went backwards) is a reset: no rate for that interval;
/// - a gap longer than ``maxGap`` gives no rate (a 32-bit counter may have wrapped more than once);
/// - `v1 ≥ v0` is an increase of `v1 − v0`;
/// - `v1 < v0` is a wrap of the counter's width when the wrapped increase `2^bits − v0 + v1` is
///   plausible — at most ``maxRate`` per second when known, else less than half the counter's range —
///   and a reset otherwise (no rate);
/// - rates above ``maxRate`` are clamped to it.
public struct CounterRate: Sendable {
    /// A reading.
    public struct Reading: Sendable, Hashable {
        /// When.
        public var at: Date
        /// The counter or uptime value.
        public var value: Double
        /// Creates a reading.
        public init(at: Date, value: Double) {
            self.at = at
            self.value = value
        }
    }

    /// A rate over the interval ending at ``at``; `nil` where no rate can be told (reset, gap).
    public struct Point: Sendable, Hashable, Codable {
        /// End of the interval.
        public var at: Date
        /// Units per second.
        public var rate: Double?
        /// Creates a point.
        public init(at: Date, rate: Double?) {
            self.at = at
            self.rate = rate
        }
    }

    /// Width of the counter: 32 or 64.
    public var bits: Int
    /// Largest plausible rate (e.g. interface speed in octets/s).
    public var maxRate: Double?
    /// Longest interval that still yields a rate.
    public var maxGap: TimeInterval?

    /// Creates the calculator.
    public init(bits: Int = 64, maxRate: Double? = nil, maxGap: TimeInterval? = nil) {
        self.bits = bits
        self.maxRate = maxRate
        self.maxGap = maxGap
    }

    /// Rates between consecutive `readings` (sorted by time); `uptime` holds sysUpTime readings of the
    /// same device, also sorted, used to detect restarts.
    public func rates(_ readings: [Reading], uptime: [Reading] = []) -> [Point] {
        guard readings.count > 1 else { return [] }
        var points: [Point] = []
        points.reserveCapacity(readings.count - 1)
        var uptimeIndex = 0
        for index in 1..<readings.count {
            let previous = readings[index - 1], current = readings[index]
            let seconds = current.at.timeIntervalSince(previous.at)
            guard seconds > 0 else { continue }
            // Did the device restart within (previous.at, current.at]?
            var restarted = false
            while uptimeIndex < uptime.count && uptime[uptimeIndex].at <= previous.at { uptimeIndex += 1 }
            var probe = uptimeIndex
            while probe < uptime.count && uptime[probe].at <= current.at {
                if probe > 0 && uptime[probe].value < uptime[probe - 1].value { restarted = true }
                probe += 1
            }
            points.append(Point(at: current.at, rate: restarted ? nil : rate(from: previous.value, to: current.value, seconds: seconds)))
        }
        return points
    }

    /// The rate for one interval, or `nil` for a gap or a reset.
    public func rate(from v0: Double, to v1: Double, seconds: TimeInterval) -> Double? {
        guard seconds > 0 else { return nil }
        if let maxGap, seconds > maxGap { return nil }
        var increase = v1 - v0
        if increase < 0 {
            let range = bits >= 64 ? 18_446_744_073_709_551_616.0 : 4_294_967_296.0
            let wrapped = range - v0 + v1
            let plausible = maxRate.map { wrapped / seconds <= $0 } ?? (wrapped < range / 2)
            guard plausible, wrapped >= 0 else { return nil }
            increase = wrapped
        }
        let rate = increase / seconds
        if let maxRate { return min(rate, maxRate) }
        return rate
    }
}
