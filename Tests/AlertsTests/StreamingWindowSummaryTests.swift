@testable import Alerts
import Foundation
import OctoCore
import OctoMetrics
import OctoTestSupport
import Testing

/// The in-memory window summaries of streaming evaluation against the straightforward computation over
/// the raw samples in the window: random series with late and duplicate samples, samples leaving the
/// window, equal values, and only the parts a rule asks for.
@Suite struct StreamingWindowSummaryTests {
    /// The streaming tests' deterministic generator, so a failure can be replayed from its seed.

    /// What a summary should say, computed over the samples in [low, high) the plain way.
    struct Expected: Equatable {
        var count = 0
        var min: Double?
        var max: Double?
        var avg: Double?
        var last: Double?
        var minutes = 0
        var firstMinuteLast: Double?
        var p95: Double?
    }

    static let originMs = Int64(MetricResolution.origin.timeIntervalSince1970 * 1000)

    static func expected(_ samples: [(at: Int64, value: Double)], low: Int64, high: Int64) -> Expected {
        let inside = samples.filter { $0.at >= low && $0.at < high }.sorted { $0.at < $1.at }
        guard !inside.isEmpty else { return Expected() }
        var result = Expected()
        result.count = inside.count
        result.min = inside.map(\.value).min()
        result.max = inside.map(\.value).max()
        result.avg = inside.reduce(0) { $0 + $1.value } / Double(inside.count)
        result.last = inside.last?.value
        func minute(_ at: Int64) -> Int64 { Int64((Double(at - originMs) / 60_000).rounded(.down)) }
        var groups: [[Double]] = []
        var current = Int64.min
        for sample in inside {
            if minute(sample.at) != current {
                groups.append([])
                current = minute(sample.at)
            }
            groups[groups.count - 1].append(sample.value)
        }
        result.minutes = groups.count
        result.firstMinuteLast = groups.count > 1 ? groups[0].last : inside.last?.value
        let means = groups.map { $0.reduce(0, +) / Double($0.count) }.sorted()
        result.p95 = means[Swift.max(0, Int((0.95 * Double(means.count)).rounded(.up)) - 1)]
        return result
    }

    static func actual(_ summary: WindowSummary) -> Expected {
        Expected(count: summary.count, min: summary.min, max: summary.max, avg: summary.avg, last: summary.last, minutes: summary.minutes,
                 firstMinuteLast: summary.firstMinuteLast, p95: summary.p95)
    }

    /// One series fed `samples` in the given order (late ones included) and the stored samples the
    /// merge keeps: the first of each millisecond.
    static func window(_ samples: [(at: Int64, value: Double)]) -> (ProviderWindows, [(at: Int64, value: Double)]) {
        var windows = ProviderWindows(cursor: 0, primedAt: Date(), evaluatedAt: Date(), span: 600, metrics: ["cpu"])
        var series = SeriesWindow(id: 7, deviceId: UUID(), metric: "cpu", labels: [:])
        var kept: [Int64: Double] = [:]
        for sample in samples {
            let added = series.merge(WindowSample(at: sample.at, value: sample.value))
            #expect(added == (kept[sample.at] == nil))
            if kept[sample.at] == nil { kept[sample.at] = sample.value }
        }
        windows.add(series)
        return (windows, kept.map { (at: $0.key, value: $0.value) })
    }

    static func check(_ windows: ProviderWindows, _ stored: [(at: Int64, value: Double)], low: Int64, high: Int64, _ note: String) {
        let want = expected(stored, low: low, high: high)
        let full = actual(windows.stats(slot: 0, bounds: (low, high), parts: [.minutes, .p95]))
        #expect(full == want, "\(note)")
        // Without the costlier parts: the same count and aggregates, no minutes.
        var cheap = want
        (cheap.minutes, cheap.firstMinuteLast, cheap.p95) = (0, nil, nil)
        #expect(actual(windows.stats(slot: 0, bounds: (low, high), parts: [])) == cheap, "\(note)")
        var minutesOnly = want
        minutesOnly.p95 = nil
        #expect(actual(windows.stats(slot: 0, bounds: (low, high), parts: .minutes)) == minutesOnly, "\(note)")
        // The p95 needs the minutes binned: it answers them too.
        #expect(actual(windows.stats(slot: 0, bounds: (low, high), parts: .p95)) == want, "\(note)")
    }

    /// Hand-written cases: (samples in arrival order, window [low, high)), times in seconds from a minute boundary.
    static let cases: [(name: String, samples: [(Double, Double)], low: Double, high: Double)] = [
        ("empty window", [], 0, 600),
        ("all samples before the window", [(0, 1), (60, 2)], 120, 600),
        ("one sample", [(30, 5)], 0, 600),
        ("sample on the lower bound is in", [(60, 3), (120, 4)], 60, 600),
        ("sample on the upper bound is out", [(60, 3), (120, 4)], 0, 120),
        ("equal values", [(0, 7), (60, 7), (120, 7), (180, 7)], 0, 600),
        ("equal minimum twice, one leaves", [(0, 1), (60, 5), (120, 1), (180, 9)], 30, 600),
        ("equal maximum twice, one leaves", [(0, 9), (60, 5), (120, 9), (180, 1)], 30, 600),
        ("late sample inside the window", [(0, 1), (120, 3), (60, 8)], 0, 600),
        ("late sample before the window", [(120, 3), (180, 4), (10, 99)], 60, 600),
        ("duplicate millisecond: the stored one wins", [(60, 1), (60, 50), (120, 2)], 0, 600),
        ("several samples in one minute", [(60, 1), (70, 2), (80, 9), (130, 4)], 0, 600),
        ("one minute only", [(60, 1), (70, 2), (80, 3)], 0, 600),
        ("negative values", [(0, -5), (60, -1), (120, -9)], 0, 600),
        ("twenty minutes, p95 of their means", (0..<20).map { (Double($0) * 60 + 5, Double($0 % 7)) }, 0, 1_300),
    ]

    @Test(arguments: 0..<cases.count) func handWrittenCases(_ index: Int) {
        let item = Self.cases[index]
        let base = Self.originMs + 1_000 * 60 * 60 * 24 * 365 * 26
        let samples = item.samples.map { (at: base + Int64($0.0 * 1000), value: $0.1) }
        let (windows, stored) = Self.window(samples)
        Self.check(windows, stored, low: base + Int64(item.low * 1000), high: base + Int64(item.high * 1000), item.name)
    }

    @Test(arguments: [1, 2, 3, 42, 2026]) func randomSeriesAsTimeMoves(_ seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let base = Self.originMs + 1_000 * 60 * 60 * 24 * 365 * 26 + Int64.random(in: 0..<60_000, using: &random)
        // Up to three samples a minute over 15 minutes, some late (out of order), some duplicates, some equal.
        var samples: [(at: Int64, value: Double)] = []
        for minute in 0..<15 {
            for _ in 0..<Int.random(in: 0...3, using: &random) {
                let at = base + Int64(minute) * 60_000 + Int64.random(in: 0..<60_000, using: &random)
                let value = Double(Int.random(in: 0..<5, using: &random)) * (Bool.random(using: &random) ? 1 : 0.5)
                samples.append((at, value))
            }
        }
        for _ in 0..<Int.random(in: 0...6, using: &random) where !samples.isEmpty {
            // Late samples and repeated milliseconds.
            let late = samples.randomElement(using: &random)!
            let position = Int.random(in: 0...samples.count, using: &random)
            samples.insert((Bool.random(using: &random) ? late.at : late.at - 1, Double(Int.random(in: 0..<5, using: &random))), at: position)
        }
        var (windows, stored) = Self.window(samples)
        // The window slides by 5 s steps as the evaluations do, samples leaving it; then what the
        // windows keep is pruned as after an evaluation and the same windows are checked again.
        for step in stride(from: Int64(0), to: 15 * 60_000, by: 5_000) {
            for length in [Int64(180_000), 300_000, 600_000] {
                let high = base + step + 1
                Self.check(windows, stored, low: high - length, high: high, "seed \(seed) step \(step) length \(length)")
            }
        }
        let cutoff = base + 7 * 60_000
        windows.prune(before: cutoff)
        stored.removeAll { $0.at < cutoff }
        #expect(windows.series[0].samples.map(\.at) == stored.map(\.at).sorted())
        for step in stride(from: Int64(7 * 60_000), to: 16 * 60_000, by: 5_000) {
            Self.check(windows, stored, low: base + step - 300_000, high: base + step + 1, "seed \(seed) pruned, step \(step)")
        }
    }

    /// The changed slots an evaluation observes, kept as a list beside the per-slot flags, against a plain
    /// set of the series that gained a sample: over several evaluations of random merges (late samples and
    /// repeated milliseconds, which change nothing), each cleared at its end.
    @Test(arguments: [1, 7, 99, 2026]) func changedSlotsMatchTheSeriesThatGainedSamples(_ seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var windows = ProviderWindows(cursor: 0, primedAt: Date(), evaluatedAt: Date(), span: 600, metrics: ["cpu"])
        for id in 0..<40 { windows.add(SeriesWindow(id: Int64(id), deviceId: UUID(), metric: "cpu", labels: [:])) }
        var stored = Array(repeating: Set<Int64>(), count: 40)
        for evaluation in 0..<12 {
            var gained = Set<Int>()
            for _ in 0..<Int.random(in: 0...60, using: &random) {
                let slot = Int.random(in: 0..<40, using: &random)
                let at = Int64(evaluation * 5_000) + Int64.random(in: -20_000..<5_000, using: &random) / 100 * 100
                if windows.series[slot].merge(WindowSample(at: at, value: 1)) { windows.markChanged(slot) }
                if stored[slot].insert(at).inserted { gained.insert(slot) }
            }
            #expect(Set(windows.changedSlots) == gained, "seed \(seed) evaluation \(evaluation)")
            #expect(windows.changedCount == gained.count)
            #expect(windows.changed.indices.filter { windows.changed[$0] } == gained.sorted())
            windows.clearChanged()
            #expect(windows.changedCount == 0 && !windows.changed.contains(true))
        }
    }

    @Test func windowBoundsMatchPostgreSQLMicroseconds() {
        let from = Date(timeIntervalSince1970: 1_800_000_000.0004), to = Date(timeIntervalSince1970: 1_800_000_300.0016)
        let (low, high) = ProviderWindows.bounds(from: from, to: to)
        // A sample at whole millisecond m is in when m * 1000 µs >= from and < to (in PostgreSQL's truncated microseconds).
        #expect(low == 1_800_000_000_001)
        #expect(high == 1_800_000_300_002)
    }

    @Test func observedTargetsMakeTheStoredFingerprints() throws {
        let device = try #require(UUID(uuidString: "8A2D6E8C-2B4B-4C0E-9F11-0D6C1E7A5B33"))
        let rule = "0f7c2c1e-1d7e-4b7e-8f6a-3c9b2a1d4e5f"
        let cases: [(AlertEvaluator.ObservedTarget.Kind, String)] = [
            (.device, "device"), (.informs, "informs"), (.interface(12), "interface:12"), (.series(9_876_543_210), "series:9876543210"),
        ]
        for (kind, text) in cases {
            let target = AlertEvaluator.ObservedTarget(device: device, kind: kind)
            #expect(target.text == text)
            #expect(target.fingerprint(rule: rule) == "\(rule)|\(device.lowercased)|\(text)")
            #expect(AlertEvaluator.ObservedTarget(device: device, text: text) == target)
        }
        #expect(AlertEvaluator.ObservedTarget(device: device, text: "series:x") == nil)
        #expect(AlertEvaluator.ObservedTarget(device: device, text: "port:1") == nil)
        #expect(AlertEvaluator.ObservedTarget(device: nil, text: "device") == nil)
    }
}
