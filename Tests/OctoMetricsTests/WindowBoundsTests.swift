import Foundation
import OctoMetrics
import Testing

/// A window [from, to) in whole milliseconds, as PostgreSQL compares a sample's millisecond with a
/// timestamp: the full pass (``MetricsReader``) and the streaming alert evaluator both use these bounds,
/// so a sample on a window's edge counts alike in both.
struct WindowBoundsTests {
    static let ms: Int64 = 1_765_000_000_123
    static func at(_ offsetMicros: Double) -> Date { Date(timeIntervalSince1970: Double(ms) / 1000 + offsetMicros / 1_000_000) }

    @Test func aSampleOnTheStartCountsAndOneBeforeItDoesNot() {
        #expect(MetricsReader.millisecondBounds(from: Self.at(0), to: Self.at(60_000_000)).low == Self.ms)
        #expect(MetricsReader.millisecondBounds(from: Self.at(-300), to: Self.at(60_000_000)).low == Self.ms,
                "a start 0.3 ms before the sample's millisecond keeps it")
        #expect(MetricsReader.millisecondBounds(from: Self.at(300), to: Self.at(60_000_000)).low == Self.ms + 1,
                "a start 0.3 ms after the sample's millisecond leaves it out (rounding would keep it)")
    }

    @Test func theEndIsExcluded() {
        #expect(MetricsReader.millisecondBounds(from: Self.at(-60_000_000), to: Self.at(0)).high == Self.ms, "a sample on the end is out")
        #expect(MetricsReader.millisecondBounds(from: Self.at(-60_000_000), to: Self.at(300)).high == Self.ms + 1,
                "an end 0.3 ms after the sample keeps it")
        #expect(MetricsReader.millisecondBounds(from: Self.at(-60_000_000), to: Self.at(-300)).high == Self.ms,
                "an end 0.3 ms before the sample's millisecond leaves it out")
    }
}
