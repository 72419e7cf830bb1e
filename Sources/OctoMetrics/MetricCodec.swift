import Foundation

/// The binary layout of stored metrics: a raw chunk (one series, one hour) and a rollup period (one
/// series, one resolution, a run of buckets) are each one `bytea` of columns.
///
/// Layout: a version byte (1), the row count as a big-endian `UInt32`, then each column as a mode byte
/// and its values:
/// - mode 0, plain: 8 bytes per value, big-endian (`int8send` / `float8send`), so SQL can write a
///   column with `string_agg` (migration 0156 converts the old rows that way);
/// - mode 1, integers: the first value, the first difference, then differences of differences, each
///   zigzag-encoded as a base-128 varint. Regular polls cost one byte per time offset; a counter's
///   readings cost about the bytes of its change in growth. A `Double` column uses it when every value
///   is a whole number of at most 2^53 (not `-0.0`), so it decodes to the same bits;
/// - mode 2, floating point: each value XOR the previous one, as a byte `lead << 4 | trail` (whole zero
///   bytes above and below) and the bytes between (Gorilla's idea on byte boundaries). A repeated
///   value costs one byte.
///
/// Decoding checks every length and throws ``MetricCodecError`` on bytes it did not write.
public enum MetricCodec {
    /// The layout version written.
    static let version: UInt8 = 1

    /// One series' samples of one chunk: times (milliseconds after the chunk start) ascending, and values.
    public struct Samples: Sendable, Hashable {
        /// Milliseconds after the chunk's start, ascending.
        public var offsets: [Int64]
        /// The values, one per offset.
        public var values: [Double]
        /// Creates the samples; `offsets` and `values` have the same length.
        public init(offsets: [Int64] = [], values: [Double] = []) {
            precondition(offsets.count == values.count, "one value per offset")
            self.offsets = offsets
            self.values = values
        }
        /// Number of samples.
        public var count: Int { offsets.count }
    }

    /// One rollup bucket of a period.
    public struct Bucket: Sendable, Hashable {
        /// Position in the period (bucket start = period start + index × width).
        public var index: Int
        /// Samples aggregated.
        public var count: Int
        /// Smallest, largest and summed value, and the newest one.
        public var min: Double
        public var max: Double
        public var sum: Double
        public var last: Double
        /// Milliseconds from the bucket's start to the newest sample.
        public var lastOffset: Int64
        /// Creates a bucket.
        public init(index: Int, count: Int, min: Double, max: Double, sum: Double, last: Double, lastOffset: Int64) {
            self.index = index
            self.count = count
            self.min = min
            self.max = max
            self.sum = sum
            self.last = last
            self.lastOffset = lastOffset
        }
    }

    /// Encodes a chunk's samples.
    public static func encode(_ samples: Samples) -> [UInt8] {
        var writer = Writer(count: samples.count)
        writer.integers(samples.offsets)
        writer.doubles(samples.values)
        return writer.bytes
    }

    /// Decodes a chunk written by ``encode(_:)-swift.type.method`` or by migration 0156.
    public static func decodeSamples(_ bytes: UnsafeRawBufferPointer) throws -> Samples {
        var reader = try Reader(bytes)
        let offsets = try reader.integers(), values = try reader.doubles()
        try reader.end()
        return Samples(offsets: offsets, values: values)
    }

    /// Encodes a period's buckets (by ascending index).
    public static func encode(_ buckets: [Bucket]) -> [UInt8] {
        var writer = Writer(count: buckets.count)
        writer.integers(buckets.map { Int64($0.index) })
        writer.integers(buckets.map { Int64($0.count) })
        writer.integers(buckets.map(\.lastOffset))
        writer.doubles(buckets.map(\.min))
        writer.doubles(buckets.map(\.max))
        writer.doubles(buckets.map(\.sum))
        writer.doubles(buckets.map(\.last))
        return writer.bytes
    }

    /// Decodes a period written by ``encode(_:)-swift.type.method`` or by migration 0156.
    public static func decodeBuckets(_ bytes: UnsafeRawBufferPointer) throws -> [Bucket] {
        var reader = try Reader(bytes)
        let indexes = try reader.integers(), counts = try reader.integers(), offsets = try reader.integers()
        let minimums = try reader.doubles(), maximums = try reader.doubles(), sums = try reader.doubles(), lasts = try reader.doubles()
        try reader.end()
        var buckets: [Bucket] = []
        buckets.reserveCapacity(indexes.count)
        for row in indexes.indices {
            guard let index = Int(exactly: indexes[row]), let count = Int(exactly: counts[row]) else { throw MetricCodecError("bucket index or count out of range") }
            buckets.append(Bucket(index: index, count: count, min: minimums[row], max: maximums[row], sum: sums[row], last: lasts[row],
                                  lastOffset: offsets[row]))
        }
        return buckets
    }

    /// The index, last-sample offset and last value of each bucket of a period, skipping the other
    /// columns: what counter rates need.
    public static func decodeLasts(_ bytes: UnsafeRawBufferPointer) throws -> [(index: Int, lastOffset: Int64, last: Double)] {
        var reader = try Reader(bytes)
        let indexes = try reader.integers()
        try reader.skip(columns: 1) // counts
        let offsets = try reader.integers()
        try reader.skip(columns: 3) // min, max, sum
        let lasts = try reader.doubles()
        try reader.end()
        return try indexes.indices.map { row in
            guard let index = Int(exactly: indexes[row]) else { throw MetricCodecError("bucket index out of range") }
            return (index, offsets[row], lasts[row])
        }
    }

    // MARK: - Writing

    struct Writer {
        var bytes: [UInt8] = []
        let count: Int

        init(count: Int) {
            self.count = count
            bytes.reserveCapacity(16 + count * 6)
            bytes.append(MetricCodec.version)
            withUnsafeBytes(of: UInt32(count).bigEndian) { bytes.append(contentsOf: $0) }
        }

        mutating func integers(_ values: [Int64]) {
            precondition(values.count == count, "column length")
            bytes.append(1)
            var previous: Int64 = 0, delta: Int64 = 0
            for (position, value) in values.enumerated() {
                // Differences wrap: a column of arbitrary Int64 values still decodes exactly.
                let newDelta = value &- previous
                varint(zigzag(position == 0 ? value : position == 1 ? newDelta : newDelta &- delta))
                previous = value
                delta = newDelta
            }
        }

        mutating func doubles(_ values: [Double]) {
            precondition(values.count == count, "column length")
            let whole = values.allSatisfy { value in
                value.magnitude <= 9_007_199_254_740_992 && value == value.rounded(.towardZero) && !(value == 0 && value.sign == .minus)
            }
            if whole {
                integers(values.map { Int64($0) })
                return
            }
            bytes.append(2)
            var previous: UInt64 = 0
            for value in values {
                let bits = value.bitPattern
                let xor = bits ^ previous
                previous = bits
                if xor == 0 {
                    bytes.append(0x80)
                    continue
                }
                let lead = xor.leadingZeroBitCount / 8, trail = xor.trailingZeroBitCount / 8
                bytes.append(UInt8(lead << 4 | trail))
                let middle = xor >> (trail * 8)
                for index in stride(from: 8 - lead - trail - 1, through: 0, by: -1) {
                    bytes.append(UInt8(truncatingIfNeeded: middle >> (index * 8)))
                }
            }
        }

        mutating func varint(_ value: UInt64) {
            var rest = value
            while rest >= 0x80 {
                bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
                rest >>= 7
            }
            bytes.append(UInt8(rest))
        }

        func zigzag(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }
    }

    // MARK: - Reading

    struct Reader {
        let bytes: UnsafeRawBufferPointer
        var position = 0
        let count: Int

        init(_ bytes: UnsafeRawBufferPointer) throws {
            self.bytes = bytes
            guard bytes.count >= 5 else { throw MetricCodecError("\(bytes.count) bytes: too short for a header") }
            guard bytes[0] == MetricCodec.version else { throw MetricCodecError("unknown layout version \(bytes[0])") }
            count = Int(UInt32(bytes[1]) << 24 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 8 | UInt32(bytes[4]))
            position = 5
            // Every value takes at least a byte: a count beyond the bytes is corrupt, not an allocation to attempt.
            guard count <= bytes.count else { throw MetricCodecError("\(count) rows in \(bytes.count) bytes") }
        }

        mutating func byte() throws -> UInt8 {
            guard position < bytes.count else { throw MetricCodecError("truncated at byte \(position)") }
            defer { position += 1 }
            return bytes[position]
        }

        mutating func plain() throws -> UInt64 {
            guard position + 8 <= bytes.count else { throw MetricCodecError("truncated at byte \(position)") }
            var value: UInt64 = 0
            for index in 0..<8 { value = value << 8 | UInt64(bytes[position + index]) }
            position += 8
            return value
        }

        mutating func varint() throws -> UInt64 {
            var value: UInt64 = 0, shift: UInt64 = 0
            while true {
                let next = try byte()
                guard shift < 64, shift < 63 || next <= 1 else { throw MetricCodecError("varint too long at byte \(position)") }
                value |= UInt64(next & 0x7F) << shift
                if next & 0x80 == 0 { return value }
                shift += 7
            }
        }

        mutating func integers() throws -> [Int64] {
            let mode = try byte()
            var values: [Int64] = []
            values.reserveCapacity(count)
            switch mode {
            case 0:
                for _ in 0..<count { values.append(Int64(bitPattern: try plain())) }
            case 1:
                var previous: Int64 = 0, delta: Int64 = 0
                for position in 0..<count {
                    let raw = try varint()
                    let step = Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
                    let value: Int64
                    switch position {
                    case 0: value = step
                    case 1: delta = step; value = previous &+ delta
                    default: delta = delta &+ step; value = previous &+ delta
                    }
                    values.append(value)
                    previous = value
                }
            default:
                throw MetricCodecError("integer column of unknown mode \(mode)")
            }
            return values
        }

        mutating func doubles() throws -> [Double] {
            guard position < bytes.count else { throw MetricCodecError("truncated at byte \(position)") }
            switch bytes[position] {
            case 0:
                position += 1
                return try (0..<count).map { _ in Double(bitPattern: try plain()) }
            case 1:
                return try integers().map { Double($0) }
            case 2:
                position += 1
                var values: [Double] = []
                values.reserveCapacity(count)
                var previous: UInt64 = 0
                for _ in 0..<count {
                    let header = try byte()
                    if header != 0x80 {
                        let lead = Int(header >> 4), trail = Int(header & 0x0F)
                        guard lead + trail < 8 else { throw MetricCodecError("bad value header \(header) at byte \(position - 1)") }
                        var middle: UInt64 = 0
                        for _ in 0..<(8 - lead - trail) { middle = middle << 8 | UInt64(try byte()) }
                        previous ^= middle << (trail * 8)
                    }
                    values.append(Double(bitPattern: previous))
                }
                return values
            default:
                throw MetricCodecError("value column of unknown mode \(bytes[position])")
            }
        }

        /// Passes over `columns` columns of either kind, checking their lengths.
        mutating func skip(columns: Int) throws {
            for _ in 0..<columns {
                let mode = try byte()
                switch mode {
                case 0:
                    guard count <= (bytes.count - position) / 8 else { throw MetricCodecError("truncated at byte \(position)") }
                    position += 8 * count
                case 1:
                    for _ in 0..<count { _ = try varint() }
                case 2:
                    for _ in 0..<count {
                        let header = try byte()
                        guard header != 0x80 else { continue }
                        let lead = Int(header >> 4), trail = Int(header & 0x0F)
                        guard lead + trail < 8 else { throw MetricCodecError("bad value header \(header) at byte \(position - 1)") }
                        guard position + 8 - lead - trail <= bytes.count else { throw MetricCodecError("truncated at byte \(position)") }
                        position += 8 - lead - trail
                    }
                default:
                    throw MetricCodecError("column of unknown mode \(mode)")
                }
            }
        }

        func end() throws {
            guard position == bytes.count else { throw MetricCodecError("\(bytes.count - position) bytes after the last column") }
        }
    }
}

/// Stored metric bytes that do not decode.
public struct MetricCodecError: Error, CustomStringConvertible, Sendable {
    /// What was wrong.
    public let description: String
    init(_ description: String) { self.description = "metric codec: " + description }
}
