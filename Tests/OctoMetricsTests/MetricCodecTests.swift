import Foundation
import Testing

@testable import OctoMetrics

@Suite struct MetricCodecTests {
    func roundTrip(_ samples: MetricCodec.Samples) throws -> MetricCodec.Samples {
        let bytes = MetricCodec.encode(samples)
        return try bytes.withUnsafeBytes { try MetricCodec.decodeSamples($0) }
    }

    static let valueColumns: [[Double]] = [
        [],
        [42],
        [0, 1, 2, 3, 5, 8, 13],
        [23.5, 23.5, 23.75, 22.0, -7.125, 1e-300, 3.4e38],
        [.nan, .infinity, -.infinity, -0.0, 0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude],
        [9_007_199_254_740_992, -9_007_199_254_740_992, 1, -1],
        [9_007_199_254_740_994, 1],
        [18_446_744_073_709_551_615, 4_294_967_295, 0],
    ]

    @Test(arguments: valueColumns)
    func everyValueDecodesToTheSameBits(_ values: [Double]) throws {
        let offsets = values.indices.map { Int64($0) * 60_000 + Int64($0 % 3) }
        let decoded = try roundTrip(.init(offsets: offsets, values: values))
        #expect(decoded.offsets == offsets)
        #expect(decoded.values.map(\.bitPattern) == values.map(\.bitPattern))
    }

    @Test func extremeOffsetsSurviveTheirDifferences() throws {
        let offsets: [Int64] = [Int64.min, Int64.max, 0, Int64.max, Int64.min, -1]
        let decoded = try roundTrip(.init(offsets: offsets, values: offsets.map { _ in 1.5 }))
        #expect(decoded.offsets == offsets)
    }

    @Test func regularCounterPollsCostAboutFourBytesASample() {
        let offsets = (0..<60).map { Int64($0) * 60_000 }
        let values: [Double] = (0..<60).map { (poll: Int) -> Double in
            let noise = Double((poll * 104_729) % 1_000_000)
            return 3.6e9 + Double(poll) * 60_000_000 + noise
        }
        let bytes = MetricCodec.encode(.init(offsets: offsets, values: values))
        // One byte per offset, three per value (the change in growth is under 2^20), and the header.
        #expect(bytes.count <= 60 * 4 + 20)
        let gauge = MetricCodec.encode(.init(offsets: offsets, values: offsets.map { _ in 37.25 }))
        #expect(gauge.count <= 60 * 2 + 20)
    }

    @Test func bucketsRoundTrip() throws {
        let buckets = [
            MetricCodec.Bucket(index: 0, count: 5, min: 1, max: 9.5, sum: 20, last: 9.5, lastOffset: 240_000),
            MetricCodec.Bucket(index: 3, count: 1, min: -2, max: -2, sum: -2, last: -2, lastOffset: 0),
            MetricCodec.Bucket(index: 287, count: 300, min: .nan, max: 1e300, sum: .infinity, last: 0, lastOffset: 299_999),
        ]
        let bytes = MetricCodec.encode(buckets)
        let decoded = try bytes.withUnsafeBytes { try MetricCodec.decodeBuckets($0) }
        #expect(decoded.count == 3)
        #expect(decoded.map(\.index) == [0, 3, 287])
        #expect(decoded[2].min.isNaN)
        #expect(decoded[0] == buckets[0])
        #expect(decoded[1] == buckets[1])
        let lasts = try bytes.withUnsafeBytes { try MetricCodec.decodeLasts($0) }
        #expect(lasts.map(\.index) == [0, 3, 287] && lasts.map(\.lastOffset) == [240_000, 0, 299_999] && lasts.map(\.last) == [9.5, -2, 0])
        // The same columns from the plain layout, and a truncated period refused.
        var plain: [UInt8] = [1, 0, 0, 0, 1]
        for column in [UInt64(4), 2, 1_000] { plain.append(0); withUnsafeBytes(of: column.bigEndian) { plain += $0 } }
        for column in [1.0, 2.0, 3.0, 4.0] { plain.append(0); withUnsafeBytes(of: column.bitPattern.bigEndian) { plain += $0 } }
        let plainLasts = try plain.withUnsafeBytes { try MetricCodec.decodeLasts($0) }
        #expect(plainLasts.count == 1 && plainLasts[0].index == 4 && plainLasts[0].lastOffset == 1_000 && plainLasts[0].last == 4)
        #expect(throws: MetricCodecError.self) { _ = try Array(bytes.dropLast(2)).withUnsafeBytes { try MetricCodec.decodeLasts($0) } }
    }

    /// The plain layout migration 0156 writes with `int8send` and `float8send`.
    @Test func plainColumnsAsSQLWritesThemDecode() throws {
        var bytes: [UInt8] = [1, 0, 0, 0, 2, 0]
        for offset in [Int64(1_000), 61_000] { withUnsafeBytes(of: offset.bigEndian) { bytes += $0 } }
        bytes.append(0)
        for value in [2.5, -1.0] { withUnsafeBytes(of: value.bitPattern.bigEndian) { bytes += $0 } }
        let decoded = try bytes.withUnsafeBytes { try MetricCodec.decodeSamples($0) }
        #expect(decoded == .init(offsets: [1_000, 61_000], values: [2.5, -1.0]))
    }

    static let malformed: [(String, [UInt8])] = [
        ("empty", []),
        ("unknown version", [2, 0, 0, 0, 0, 1, 1]),
        ("count beyond the bytes", [1, 0xFF, 0xFF, 0xFF, 0xFF, 1, 1]),
        ("truncated column", [1, 0, 0, 0, 2, 1, 0]),
        ("unknown mode", [1, 0, 0, 0, 1, 7, 0, 1, 0]),
        ("trailing bytes", [1, 0, 0, 0, 1, 1, 0, 1, 0, 9]),
        ("endless varint", [1, 0, 0, 0, 1, 1] + [UInt8](repeating: 0xFF, count: 11) + [1, 0]),
        ("bad float header", [1, 0, 0, 0, 1, 1, 0, 2, 0x44]),
    ]

    @Test(arguments: malformed)
    func bytesItDidNotWriteAreRefused(_ name: String, _ bytes: [UInt8]) {
        #expect(throws: MetricCodecError.self, "\(name)") {
            _ = try bytes.withUnsafeBytes { try MetricCodec.decodeSamples($0) }
        }
    }
}
