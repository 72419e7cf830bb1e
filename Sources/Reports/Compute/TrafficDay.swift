import Foundation
import NIOCore
import OctoMetrics

/// One device's traffic over one local day, as the bandwidth report needs it: per 5-minute slot the
/// device's summed inbound and outbound rates, and per counter series the day's totals and its highest
/// rates. A month is then 30 of these per device rather than 8,640 rollup rows per series.
///
/// Slots: slot `i` holds the samples (intervals) ending in `(start + 300·i, start + 300·(i+1)]`, the
/// bucket ``TrafficAggregate`` files them under; a day has 288 (276 or 300 on a daylight-saving change).
public struct TrafficDay: Sendable, Hashable {
    /// Highest rates kept per series and day. A month's 95th percentile needs about 14 per day on
    /// average; a period where a day's kept rates cannot tell it is read again from the rollups.
    public static let headSize = 32

    /// One counter series over the day.
    public struct Series: Sendable, Hashable {
        /// The series.
        public var id: Int64
        /// Inbound (false) or outbound (true).
        public var outbound: Bool
        /// Intervals with a rate.
        public var intervals: Int
        /// Σ rate × seconds, in bits.
        public var bits: Double
        /// Σ seconds of those intervals.
        public var seconds: Double
        /// Highest rate (bits per second); 0 with no interval.
        public var peak: Double
        /// The highest rates, descending: all of them when there are at most ``headSize``.
        public var head: [Double]

        /// The day's figures of `samples`.
        public init(id: Int64, outbound: Bool, samples: [TrafficStats.Sample]) {
            self.id = id
            self.outbound = outbound
            intervals = samples.count
            var bits = 0.0, seconds = 0.0, peak = 0.0
            for sample in samples {
                bits += sample.bitsPerSecond * sample.seconds
                seconds += sample.seconds
                peak = max(peak, sample.bitsPerSecond)
            }
            self.bits = bits
            self.seconds = seconds
            self.peak = peak
            head = Array(samples.map(\.bitsPerSecond).sorted(by: >).prefix(TrafficDay.headSize))
        }

        /// A series' day from its figures (the head descending, at most ``TrafficDay/headSize``).
        public init(id: Int64, outbound: Bool, intervals: Int, bits: Double, seconds: Double, peak: Double, head: [Double]) {
            self.id = id
            self.outbound = outbound
            self.intervals = intervals
            self.bits = bits
            self.seconds = seconds
            self.peak = peak
            self.head = head
        }
    }

    /// Local midnight the day starts at.
    public var start: Date
    /// 5-minute slots in the day.
    public var slots: Int
    /// Σ inbound bits per second per slot; NaN where no interface had a sample.
    public var sumsIn: [Double]
    /// Outbound sums.
    public var sumsOut: [Double]
    /// The device's counter series.
    public var series: [Series]

    /// End of the day.
    public var end: Date { start.addingTimeInterval(Double(slots) * 300) }
    /// Bits in and out (Σ over the series).
    public var bitsIn: Double { series.reduce(0) { $0 + ($1.outbound ? 0 : $1.bits) } }
    /// Outbound bits.
    public var bitsOut: Double { series.reduce(0) { $0 + ($1.outbound ? $1.bits : 0) } }

    /// The 5-minute key (``TrafficAggregate``'s) of slot 0.
    var firstKey: Int64 { Int64((start.timeIntervalSince1970 / 300).rounded()) + 1 }

    /// A day of `interfaces`' samples (each ending in `(start, end]`); nil when the day does not start
    /// and end on a 5-minute boundary.
    public init?(start: Date, end: Date, interfaces: [(in: Int64, out: Int64, samplesIn: [TrafficStats.Sample], samplesOut: [TrafficStats.Sample])]) {
        let seconds = end.timeIntervalSince(start)
        guard start.timeIntervalSince1970.truncatingRemainder(dividingBy: 300) == 0, seconds > 0,
              seconds.truncatingRemainder(dividingBy: 300) == 0 else { return nil }
        self.start = start
        slots = Int(seconds / 300)
        sumsIn = Array(repeating: .nan, count: slots)
        sumsOut = Array(repeating: .nan, count: slots)
        series = []
        let first = Int64((start.timeIntervalSince1970 / 300).rounded()) + 1
        func add(_ samples: [TrafficStats.Sample], into sums: inout [Double]) {
            for sample in samples {
                let index = Int(TrafficAggregate.key(sample.at) - first)
                guard sums.indices.contains(index) else { continue }
                sums[index] = sums[index].isNaN ? sample.bitsPerSecond : sums[index] + sample.bitsPerSecond
            }
        }
        for interface in interfaces {
            add(interface.samplesIn, into: &sumsIn)
            add(interface.samplesOut, into: &sumsOut)
            series.append(Series(id: interface.in, outbound: false, samples: interface.samplesIn))
            series.append(Series(id: interface.out, outbound: true, samples: interface.samplesOut))
        }
    }

    /// A day from its parts (`sumsIn` and `sumsOut` of `slots` values each).
    public init(start: Date, slots: Int, sumsIn: [Double], sumsOut: [Double], series: [Series]) {
        self.start = start
        self.slots = slots
        self.sumsIn = sumsIn
        self.sumsOut = sumsOut
        self.series = series
    }

    // MARK: - Stored form

    /// The sums as stored: `slots` inbound then `slots` outbound little-endian `float64`.
    public var encodedSums: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(slots * 16)
        for value in sumsIn + sumsOut { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        return bytes
    }

    /// The series as stored, little-endian: per series its id (int64), intervals (int32), head length
    /// (int16), direction (int16: 0 in, 1 out), bits, seconds, peak and the head (float64 each).
    public var encodedSeries: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(series.count * (40 + 8 * Self.headSize))
        func put<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
        for entry in series {
            put(entry.id)
            put(Int32(clamping: entry.intervals))
            put(Int16(entry.head.count))
            put(Int16(entry.outbound ? 1 : 0))
            for value in [entry.bits, entry.seconds, entry.peak] + entry.head { put(value.bitPattern) }
        }
        return bytes
    }

    /// Reads a stored day; throws on a malformed row.
    public init(start: Date, end: Date, sums: ByteBuffer, series stored: ByteBuffer) throws {
        let seconds = end.timeIntervalSince(start)
        guard seconds > 0, seconds.truncatingRemainder(dividingBy: 300) == 0 else { throw ReportError.data("traffic day: bad span \(seconds) s") }
        let slots = Int(seconds / 300)
        guard sums.readableBytes == slots * 16 else { throw ReportError.data("traffic day: \(sums.readableBytes) bytes of sums for \(slots) slots") }
        var sumsIn = [Double](repeating: 0, count: slots), sumsOut = [Double](repeating: 0, count: slots)
        sums.withUnsafeReadableBytes { raw in
            for index in 0..<slots {
                sumsIn[index] = Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self)))
                sumsOut[index] = Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: (slots + index) * 8, as: UInt64.self)))
            }
        }
        var series: [Series] = []
        try stored.withUnsafeReadableBytes { raw in
            var offset = 0
            func read<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
                guard offset + MemoryLayout<T>.size <= raw.count else { throw ReportError.data("traffic day: truncated series") }
                defer { offset += MemoryLayout<T>.size }
                return T(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: T.self))
            }
            func double() throws -> Double { Double(bitPattern: try read(UInt64.self)) }
            while offset < raw.count {
                let id = try read(Int64.self), intervals = Int(try read(Int32.self)), length = Int(try read(Int16.self))
                let outbound = try read(Int16.self) == 1
                guard length >= 0, length <= intervals else { throw ReportError.data("traffic day: head of \(length) for \(intervals) intervals") }
                let bits = try double(), seconds = try double(), peak = try double()
                var head: [Double] = []
                head.reserveCapacity(length)
                for _ in 0..<length { head.append(try double()) }
                series.append(Series(id: id, outbound: outbound, intervals: intervals, bits: bits, seconds: seconds, peak: peak, head: head))
            }
        }
        self.init(start: start, slots: slots, sumsIn: sumsIn, sumsOut: sumsOut, series: series)
    }
}

/// One series' figures over several days, with its 95th percentile told from the days' heads.
public struct SeriesTotals: Sendable, Hashable {
    /// Intervals with a rate.
    public private(set) var intervals = 0
    private var bits = 0.0, seconds = 0.0, peak = 0.0
    private var head: [Double] = []
    /// The largest lowest-kept rate of the days whose head is not all of their rates.
    private var truncatedFloor: Double?

    /// No days yet.
    public init() {}

    /// Adds a day.
    public mutating func add(_ day: TrafficDay.Series) {
        intervals += day.intervals
        bits += day.bits
        seconds += day.seconds
        peak = max(peak, day.peak)
        head.append(contentsOf: day.head)
        if day.head.count < day.intervals, let lowest = day.head.last { truncatedFloor = max(truncatedFloor ?? lowest, lowest) }
    }

    /// The period's statistics; nil when the days' heads cannot tell the 95th percentile exactly (a
    /// day kept only its highest rates and its lowest kept rate is above the candidate), so that the
    /// caller reads the series' rates again.
    ///
    /// With `n` intervals the nearest rank is `⌈0.95·n⌉`, the `t = n − rank + 1`-th largest rate. When
    /// the heads together hold at least `t` rates and every day's unkept rates (each at most its lowest
    /// kept one) are at most the `t`-th largest kept rate `v`, then exactly fewer than `t` rates exceed
    /// `v` and at least `t` reach it: `v` is the percentile.
    public func stats() -> TrafficStats? {
        guard intervals > 0 else { return TrafficStats(bytes: 0, averageBps: nil, peakBps: nil, p95Bps: nil, intervals: 0) }
        let rank = min(max(Int((0.95 * Double(intervals) - 1e-9).rounded(.up)), 1), intervals)
        let fromTop = intervals - rank + 1
        guard head.count >= fromTop else { return nil }
        var work = head
        let candidate = Percentile.select(&work, head.count - fromTop)
        if let truncatedFloor, truncatedFloor > candidate { return nil }
        return TrafficStats(bytes: bits / 8, averageBps: seconds > 0 ? bits / seconds : nil, peakBps: peak,
                            p95Bps: candidate, intervals: intervals)
    }
}
