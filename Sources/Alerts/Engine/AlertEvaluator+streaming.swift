import Foundation
import OctoMetrics
import OctoStore
import PostgresNIO
import Synchronization

/// The metric rules' windows of the providers this process evaluates, kept in memory between
/// evaluations: each series' raw samples over the longest window of the rules on its metric. A
/// streaming evaluation primes them once (one read of every series of the rules' metrics) and then
/// advances them with only the samples committed since it last read (`metric_ingest.tx` at or after
/// its cursor, and the compacted ones it had not read yet from `metric_ingest_spill`), so a cycle
/// reads the new samples once for every rule and the windows are summarized in memory.
///
/// A provider's windows are taken out while an evaluation holds the provider's lock and put back
/// only after it committed: an evaluation that fails leaves none, and the next one primes.
public final class StreamingWindows: Sendable {
    /// Tells this instance's cursor from another instance's (the provider's lock may move).
    public let instance: UUID
    let windows = Mutex<[UUID: ProviderWindows]>([:])

    /// Creates an empty store (each evaluator instance of a process shares ``shared`` unless told otherwise).
    public init(instance: UUID = UUID()) {
        self.instance = instance
    }

    /// The process's store.
    public static let shared = StreamingWindows()

    func take(_ provider: UUID) -> ProviderWindows? {
        windows.withLock { $0.removeValue(forKey: provider) }
    }

    func put(_ provider: UUID, _ value: ProviderWindows) {
        windows.withLock { $0[provider] = value }
    }

    /// Forgets every provider's windows (the next evaluation of each primes).
    public func reset() {
        windows.withLock { $0.removeAll() }
    }
}

/// One sample.
struct WindowSample: Sendable {
    var at: Int64
    var value: Double
}

/// One series' samples, oldest first, one per millisecond.
struct SeriesWindow: Sendable {
    var id: Int64
    var deviceId: UUID
    var metric: String
    var labels: [String: String]
    var samples: [WindowSample] = []

    /// Adds a sample unless the series has one at that millisecond (the stored one wins, as in
    /// compaction); whether it was added.
    mutating func merge(_ sample: WindowSample) -> Bool {
        if let last = samples.last, last.at >= sample.at {
            let low = first(atOrAfter: sample.at)
            if low < samples.count, samples[low].at == sample.at { return false }
            samples.insert(sample, at: low)
        } else {
            samples.append(sample)
        }
        return true
    }

    /// The index of the first sample at or after `at` (milliseconds).
    func first(atOrAfter at: Int64) -> Int {
        var low = 0, high = samples.count
        while low < high {
            let middle = (low + high) / 2
            if samples[middle].at < at { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Whether a sample lies in [`from`, `to`) (milliseconds).
    func any(from: Int64, to: Int64) -> Bool {
        guard from < to else { return false }
        let index = first(atOrAfter: from)
        return index < samples.count && samples[index].at < to
    }
}

/// A provider's windows and where its evaluator has read up to. Series are kept in slots (an array)
/// so that a cycle walks a metric's series without hashing each of them, and a changed series is a flag.
struct ProviderWindows: Sendable {
    /// Read every sample written by transactions before this one (`pg_snapshot_xmin` when read).
    var cursor: Int64
    /// When they were primed (read in full), and when last evaluated (the clock's time).
    var primedAt: Date
    var evaluatedAt: Date
    /// Seconds of samples kept before the evaluation's now.
    var span: Int
    /// The metrics kept.
    var metrics: Set<String>
    /// Every kept series, by slot.
    var series: [SeriesWindow] = []
    /// The slot of each kept series id.
    var slots: [Int64: Int] = [:]
    /// Slots per metric, in ascending series id.
    var byMetric: [String: [Int]] = [:]
    /// Series of metrics not kept.
    var ignored: Set<Int64> = []
    /// Per slot, whether the series received samples in this evaluation.
    var changed: [Bool] = []
    /// The slots that did, in the order they first changed.
    var changedSlots: [Int] = []
    /// How many did.
    var changedCount: Int { changedSlots.count }

    /// Adds a series not kept yet (or replaces a kept one's window).
    mutating func add(_ window: SeriesWindow) {
        if let slot = slots[window.id] {
            series[slot] = window
            return
        }
        slots[window.id] = series.count
        byMetric[window.metric, default: []].append(series.count)
        series.append(window)
        changed.append(false)
    }

    mutating func markChanged(_ slot: Int) {
        guard !changed[slot] else { return }
        changed[slot] = true
        changedSlots.append(slot)
    }

    /// Marks no slot changed; touches only the slots that were.
    mutating func clearChanged() {
        for slot in changedSlots { changed[slot] = false }
        changedSlots.removeAll(keepingCapacity: true)
    }

    mutating func sortIndex() {
        let series = series
        for key in byMetric.keys { byMetric[key]?.sort { series[$0].id < series[$1].id } }
    }

    /// Drops samples older than `cutoff` (milliseconds) from every series.
    mutating func prune(before cutoff: Int64) {
        prune(before: cutoff, slots: series.indices)
    }

    /// Drops samples older than `cutoff` (milliseconds) from the series in `slots`.
    mutating func prune(before cutoff: Int64, slots: some Sequence<Int>) {
        for slot in slots {
            guard let first = series[slot].samples.first, first.at < cutoff else { continue }
            let count = series[slot].first(atOrAfter: cutoff)
            series[slot].samples.removeFirst(count)
        }
    }
}

/// Milliseconds since the epoch (window bounds: ``MetricsReader/millisecondBounds(from:to:)``).
enum StreamTime {
    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }
}

/// The parts of a window's summary beyond count, min, max, mean and newest, which cost more: the
/// per-minute binning (minutes, newest of the oldest minute) and the p95 of the per-minute means.
struct SummaryParts: OptionSet {
    let rawValue: Int
    static let minutes = SummaryParts(rawValue: 1)
    static let p95 = SummaryParts(rawValue: 2)
}

extension ProviderWindows {
    /// The window [`from`, `to`) as the millisecond bounds [low, high) of the samples in it: samples are
    /// whole milliseconds, at * 1000 µs (Unix) compared with the bounds as PostgreSQL receives them
    /// (microseconds since 2000, truncated).
    static func bounds(from: Date, to: Date) -> (low: Int64, high: Int64) {
        MetricsReader.millisecondBounds(from: from, to: to)
    }

    /// The window summary of the series in `slot` over the millisecond `bounds` (``bounds(from:to:)``),
    /// computed as ``MetricsReader/windowStats`` does (minutes binned from
    /// ``MetricResolution/origin``), with the costlier `parts` only when asked (otherwise `minutes` is 0
    /// and the others nil; asking for the p95 bins the minutes too).
    func stats(slot: Int, bounds: (low: Int64, high: Int64), parts: SummaryParts) -> WindowSummary {
        let window = series[slot]
        var stats = WindowSummary(seriesId: window.id, deviceId: window.deviceId, labels: window.labels, count: 0, min: nil, max: nil, avg: nil,
                                  last: nil, firstMinuteLast: nil, minutes: 0, p95: nil)
        let (lowMs, highMs) = bounds
        var index = window.first(atOrAfter: lowMs)
        let samples = window.samples
        guard index < samples.count, samples[index].at < highMs else { return stats }
        let start = index
        var low = Double.infinity, high = -Double.infinity, sum = 0.0
        while index < samples.count, samples[index].at < highMs {
            let value = samples[index].value
            low = Swift.min(low, value)
            high = Swift.max(high, value)
            sum += value
            index += 1
        }
        let count = index - start
        stats.count = count
        stats.min = low
        stats.max = high
        stats.avg = sum / Double(count)
        stats.last = samples[index - 1].value
        guard !parts.isEmpty else { return stats }
        var means: [Double] = []
        if parts.contains(.p95) { means.reserveCapacity(count) }
        var minutes = 0
        var minute = Int64.min, minuteSum = 0.0, minuteCount = 0
        var firstMinuteLast: Double?
        let originMs = Self.originMs
        for position in start..<index {
            let sample = samples[position]
            let bin = (sample.at - originMs) >= 0 ? (sample.at - originMs) / 60_000 : (sample.at - originMs - 59_999) / 60_000
            if bin != minute {
                if minuteCount > 0 {
                    minutes += 1
                    if parts.contains(.p95) { means.append(minuteSum / Double(minuteCount)) }
                }
                if minute != .min, firstMinuteLast == nil { firstMinuteLast = samples[position - 1].value }
                minute = bin
                minuteSum = 0
                minuteCount = 0
            }
            minuteSum += sample.value
            minuteCount += 1
        }
        if minuteCount > 0 {
            minutes += 1
            if parts.contains(.p95) { means.append(minuteSum / Double(minuteCount)) }
        }
        stats.minutes = minutes
        stats.firstMinuteLast = firstMinuteLast ?? samples[index - 1].value
        if parts.contains(.p95) {
            means.sort()
            stats.p95 = means[Swift.max(0, Int((0.95 * Double(means.count)).rounded(.up)) - 1)]
        }
        return stats
    }

    static let originMs = Int64(MetricResolution.origin.timeIntervalSince1970 * 1000)
}

extension AlertEvaluator {
    /// What the streaming evaluation of one cycle knows.
    struct Streaming {
        var windows: ProviderWindows
        /// The windows were read in full in this evaluation.
        var primed: Bool
        /// The previous evaluation's time (nil when primed).
        var previous: Date?
    }

    /// The metrics and the longest window the provider's streaming rules need.
    static func streamingNeeds(_ rules: [AlertRule]) -> (metrics: Set<String>, span: Int) {
        var metrics = Set<String>(), span = 0
        for rule in rules {
            switch rule.condition {
            case .threshold(let threshold) where threshold.aggregation != .rate:
                metrics.insert(threshold.metric)
                span = max(span, threshold.windowSeconds)
            case .noData(let metric, let seconds), .change(let metric, let seconds, _):
                metrics.insert(metric)
                span = max(span, seconds)
            default: break
            }
        }
        return (metrics, span)
    }

    /// Registers a new cursor for this instance in a transaction of its own, before priming: from its
    /// commit on, compaction keeps what this evaluator has not read. Returns the cursor.
    func registerStreamCursor(provider: UUID, windows: StreamingWindows) async throws -> Int64 {
        try await database.withTenant(provider) { tx in
            let cursor = try await tx.query("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS x")
                .alertRows { try $0.value("x", as: Int64.self) }.first ?? 0
            try await tx.query("""
                INSERT INTO alert_stream_cursors (provider_id, tx, instance, updated_at) VALUES ((SELECT app_provider_id()), \(cursor), \(windows.instance), now())
                ON CONFLICT (provider_id) DO UPDATE SET tx = excluded.tx, instance = excluded.instance, updated_at = excluded.updated_at
                """)
            return cursor
        }
    }

    /// Whether `held` can be advanced: this instance's cursor is still the provider's, recent enough for
    /// compaction to have kept what it did not read, and no full pass is due.
    func streamingUsable(_ held: ProviderWindows, instance: UUID, now: Date, needs: (metrics: Set<String>, span: Int),
                         in tx: Transaction) async throws -> Bool {
        guard now.timeIntervalSince(held.primedAt) < incremental.fullEvery, held.evaluatedAt <= now, needs.metrics.isSubset(of: held.metrics),
              needs.span <= held.span else { return false }
        let row = try await tx.query("""
            SELECT tx, instance, updated_at > now() - interval '10 minutes' AS fresh FROM alert_stream_cursors
            """).alertRows { (try $0.value("tx", as: Int64.self), try $0.value("instance", as: UUID.self), try $0.value("fresh", as: Bool.self)) }.first
        guard let row else { return false }
        return row.0 == held.cursor && row.1 == instance && row.2
    }

    /// Reads every series of `metrics` with its samples from `now - span` on (compacted and not). The
    /// rows are read as stored (one chunk per series and hour, one ingested sample per row) and merged
    /// here: ordering and aggregating millions of samples in one statement sorted them on disk and could
    /// outlast the statement timeout on a loaded server.
    func primeWindows(metrics: Set<String>, span: Int, cursor: Int64, now: Date, in tx: Transaction) async throws -> ProviderWindows {
        var windows = ProviderWindows(cursor: cursor, primedAt: now, evaluatedAt: now, span: span, metrics: metrics)
        guard !metrics.isEmpty else { return windows }
        let from = now.addingTimeInterval(-Double(span))
        let fromMs = StreamTime.milliseconds(from)
        let names = Array(metrics)
        let decoder = JSONDecoder()
        for try await (id, device, metric, labels) in try await tx.query("""
            SELECT id, device_id, metric, labels::text FROM metric_series WHERE metric = ANY(\(names)) ORDER BY id
            """).decode((Int64, UUID, String, String).self) {
            windows.add(SeriesWindow(id: id, deviceId: device, metric: metric,
                                     labels: labels == "{}" ? [:] : try decoder.decode([String: String].self, from: Data(labels.utf8))))
        }
        // Compacted samples first: on a millisecond held twice, the stored one wins (as in compaction).
        for try await (id, startMs, bytes) in try await tx.query("""
            SELECT c.series_id, (extract(epoch FROM c.chunk_start) * 1000)::bigint, c.samples FROM metric_chunks c
            WHERE c.chunk_start > \(from) - interval '1 hour' AND c.series_id IN (SELECT id FROM metric_series WHERE metric = ANY(\(names)))
            """).decode((Int64, Int64, ByteBuffer).self) {
            guard let slot = windows.slots[id] else { continue }
            let samples = try bytes.withUnsafeReadableBytes { try MetricCodec.decodeSamples($0) }
            for (offset, value) in zip(samples.offsets, samples.values) where startMs + offset >= fromMs {
                _ = windows.series[slot].merge(WindowSample(at: startMs + offset, value: value))
            }
        }
        for try await (id, at, value) in try await tx.query("""
            SELECT series_id, at_ms, value FROM metric_ingest
            WHERE at_ms >= \(fromMs) AND series_id IN (SELECT id FROM metric_series WHERE metric = ANY(\(names)))
            ORDER BY tx, value
            """).decode((Int64, Int64, Double).self) {
            guard let slot = windows.slots[id] else { continue }
            _ = windows.series[slot].merge(WindowSample(at: at, value: value))
        }
        windows.sortIndex()
        return windows
    }

    /// Adds the samples committed since the windows' cursor (one read for every rule), registers the
    /// new cursor, learns new series and drops what fell out of the span.
    func advance(_ windows: inout ProviderWindows, instance: UUID, now: Date, in tx: Transaction) async throws {
        let next = try await tx.query("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS x")
            .alertRows { try $0.value("x", as: Int64.self) }.first ?? windows.cursor
        // One row of three arrays, filled in one pass over the rows: the samples of a cycle cost less to
        // receive and decode that way than one row each. Sorted once by writer transaction, then value:
        // of two samples at one millisecond the first merged stays, the one compaction and a full pass keep.
        let rows = try await tx.query("""
            SELECT coalesce(array_agg(series_id), '{}'), coalesce(array_agg(at_ms), '{}'), coalesce(array_agg(value), '{}') FROM (
                SELECT series_id, at_ms, value, tx FROM metric_ingest WHERE tx >= \(windows.cursor)
                UNION ALL
                SELECT series_id, at_ms, value, tx FROM metric_ingest_spill WHERE provider_id = (SELECT app_provider_id()) AND tx >= \(windows.cursor)
                ORDER BY tx, value
            ) AS s
            """)
        var unknown: [Int64: [WindowSample]] = [:]
        windows.clearChanged()
        for try await (ids, times, values) in rows.decode(([Int64], [Int64], [Double]).self) {
            for index in ids.indices {
                let id = ids[index], sample = WindowSample(at: times[index], value: values[index])
                if let slot = windows.slots[id] {
                    if windows.series[slot].merge(sample) { windows.markChanged(slot) }
                } else if !windows.ignored.contains(id) {
                    unknown[id, default: []].append(sample)
                }
            }
        }
        if !unknown.isEmpty {
            let decoder = JSONDecoder()
            for try await (id, device, metric, labels) in try await tx.query("""
                SELECT id, device_id, metric, labels::text FROM metric_series WHERE id = ANY(\(Array(unknown.keys)))
                """).decode((Int64, UUID, String, String).self) {
                guard windows.metrics.contains(metric) else { windows.ignored.insert(id); continue }
                var window = SeriesWindow(id: id, deviceId: device, metric: metric,
                                          labels: labels == "{}" ? [:] : try decoder.decode([String: String].self, from: Data(labels.utf8)))
                for sample in unknown[id] ?? [] { _ = window.merge(sample) }
                windows.add(window)
                windows.markChanged(windows.slots[id]!)
            }
            windows.sortIndex()
        }
        windows.cursor = next
        try await tx.query("""
            UPDATE alert_stream_cursors SET tx = \(next), updated_at = now() WHERE instance = \(instance)
            """)
    }

    /// The series (slots) of a streaming rule's metric to observe in this cycle: all of them after
    /// priming or a rule change; otherwise those with new samples, those whose window gained or lost
    /// samples as time moved, those with an open alert of the rule and, for no-data rules, the silent ones.
    func streamingSeries(_ rule: AlertRule, metric: String, seconds: Int, labels: [String: String], devices: Set<UUID>?, streaming: Streaming,
                         now: Date, silent: Bool, in tx: Transaction) async throws -> [Int] {
        let windows = streaming.windows
        let slots = windows.byMetric[metric] ?? []
        let filtered = devices != nil || !labels.isEmpty
        func matches(_ window: SeriesWindow) -> Bool {
            if let devices, !devices.contains(window.deviceId) { return false }
            return labels.allSatisfy { window.labels[$0.key] == $0.value }
        }
        guard let previous = streaming.previous, rule.updatedAt <= previous else {
            return filtered ? slots.filter { matches(windows.series[$0]) } : slots
        }
        let alerting = Set(try await alertingSeries(of: rule, in: tx).compactMap { windows.slots[$0] })
        let window = Double(seconds)
        let leftFrom = StreamTime.milliseconds(previous.addingTimeInterval(-window)), leftTo = StreamTime.milliseconds(now.addingTimeInterval(-window))
        let enteredFrom = StreamTime.milliseconds(previous), enteredTo = StreamTime.milliseconds(now) + 1
        let fromMs = StreamTime.milliseconds(now.addingTimeInterval(-window)), nowMs = StreamTime.milliseconds(now)
        // Through the buffer, so that each series is looked at in place rather than copied.
        return windows.series.withUnsafeBufferPointer { series in
            slots.filter { slot in
                if filtered, !matches(series[slot]) { return false }
                if windows.changed[slot] || (!alerting.isEmpty && alerting.contains(slot)) { return true }
                if series[slot].any(from: leftFrom - 1, to: leftTo + 1) || series[slot].any(from: enteredFrom, to: enteredTo + 1) { return true }
                // Silent: no sample in the window (bounds rounded so that a doubtful series is observed).
                return silent && !series[slot].any(from: fromMs + 1, to: nowMs)
            }
        }
    }
}

/// One series' window summary (``MetricsReader/WindowStats``, also computed from streaming windows).
struct WindowSummary {
    var seriesId: Int64
    var deviceId: UUID
    var labels: [String: String]
    var count: Int
    var min: Double?
    var max: Double?
    var avg: Double?
    var last: Double?
    var firstMinuteLast: Double?
    var minutes: Int
    var p95: Double?
}

extension WindowSummary {
    init(_ stats: MetricsReader.WindowStats) {
        self.init(seriesId: stats.seriesId, deviceId: stats.deviceId, labels: stats.labels, count: stats.count, min: stats.min, max: stats.max,
                  avg: stats.avg, last: stats.last, firstMinuteLast: stats.firstMinuteLast, minutes: stats.minutes, p95: stats.p95)
    }
}

extension WindowSummary: WindowAggregates {}
