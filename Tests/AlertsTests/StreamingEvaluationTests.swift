@testable import Alerts
import Foundation
import Logging
import OctoCore
import OctoJobs
import OctoMetrics
import OctoStore
import OctoTestSupport
import PostgresNIO
import Testing

/// Streaming evaluation (windows kept in memory, advanced by the samples committed since a cursor)
/// against PostgreSQL: it decides what a full pass over the same data decides, through late and
/// duplicate samples and compactions between evaluations, and an evaluator that takes a provider
/// over from another instance primes itself and misses nothing.
@Suite(.serialized) struct StreamingEvaluationTests {
    static var logger: Logger { EvaluatorTests.logger }

    static let rules: [AlertRuleInput] = [
        AlertRuleInput(name: "CPU last", severity: .warning, scope: .provider,
                       condition: .threshold(.init(metric: "cpu", aggregation: .last, windowSeconds: 300, op: .greater, value: 90, clear: 80))),
        AlertRuleInput(name: "CPU avg", severity: .warning, scope: .provider,
                       condition: .threshold(.init(metric: "cpu", aggregation: .avg, windowSeconds: 300, op: .greater, value: 70, clear: 60)),
                       forSeconds: 120, keepFiringForSeconds: 60),
        AlertRuleInput(name: "CPU min", severity: .info, scope: .provider,
                       condition: .threshold(.init(metric: "cpu", aggregation: .min, windowSeconds: 180, op: .less, value: 5, clear: 10))),
        AlertRuleInput(name: "Temperature max", severity: .warning, scope: .provider,
                       condition: .threshold(.init(metric: "temperature", aggregation: .max, windowSeconds: 300, op: .greater, value: 70, clear: 65)),
                       forSeconds: 60),
        AlertRuleInput(name: "CPU p95", severity: .warning, scope: .provider,
                       condition: .threshold(.init(metric: "cpu", aggregation: .p95, windowSeconds: 600, op: .greater, value: 80, clear: 70))),
        AlertRuleInput(name: "No CPU", severity: .info, scope: .provider, condition: .noData(metric: "cpu", windowSeconds: 180)),
        AlertRuleInput(name: "Temperature jump", severity: .warning, scope: .provider,
                       condition: .change(metric: "temperature", windowSeconds: 600, delta: 10)),
    ]

    /// `count` switches with a CPU and a temperature series each; returns the series ids in device order.
    static func fleet(_ stack: TestStack, _ slug: String, count: Int) async throws -> (provider: UUID, series: [[Int64]]) {
        let provider = try await stack.makeProvider(slug).id
        let series = try await stack.database.withTenant(provider) { tx in
            var all: [[Int64]] = []
            for index in 0..<count {
                let device = UUID()
                try await tx.query("INSERT INTO devices (id, provider_id, name, kind) VALUES (\(device), \(provider), \("SW-\(index)"), 'switch')")
                var ids: [Int64] = []
                for metric in ["cpu", "temperature"] {
                    ids.append(try await tx.metricSeries.register(MetricSeriesInput(deviceId: device, metric: metric, labels: [:], unit: "", kind: .gauge)).id)
                }
                all.append(ids)
            }
            for rule in rules { _ = try await tx.alertRules.create(rule, by: .system) }
            return all
        }
        return (provider, series)
    }

    /// Writes samples (series index, metric index, at, value) into `metric_ingest` of a fleet.
    static func write(_ stack: TestStack, _ fleet: (provider: UUID, series: [[Int64]]), _ samples: [(Int, Int, Int64, Double)]) async throws {
        guard !samples.isEmpty else { return }
        let series = samples.map { fleet.series[$0.0][$0.1] }, times = samples.map(\.2), values = samples.map(\.3)
        _ = try await stack.database.withTenant(fleet.provider) { tx in
            try await tx.query("""
                INSERT INTO metric_ingest (provider_id, series_id, at_ms, value)
                SELECT \(fleet.provider), * FROM unnest(\(series)::bigint[], \(times)::bigint[], \(values)::float8[])
                """)
        }
    }

    /// What the alerts of a provider say, without ids: summary, state, value and no-data flag.
    static func outcome(_ stack: TestStack, _ provider: UUID) async throws -> [String] {
        try await EvaluatorTests.alerts(stack, provider, state: "all").map { alert in
            "\(alert.summary) | \(alert.state.rawValue) | \(alert.value.map { String(format: "%.6f", $0) } ?? "-") | \(alert.noData)"
        }.sorted()
    }

    @Test func streamingDecidesWhatAFullPassDecides() async throws {
        try await TestDatabase.with { stack in
            // A failure names its seed; OCTOISP_TEST_SEED=<seed> replays that run.
            let seed = ProcessInfo.processInfo.environment["OCTOISP_TEST_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 0...UInt64.max)
            var random = SplitMix64(seed: seed)
            let devices = 16
            let streamed = try await Self.fleet(stack, "streamed", count: devices)
            let full = try await Self.fleet(stack, "full", count: devices)
            let streaming = AlertEvaluator(database: stack.database, incremental: .init(fullEvery: 86_400), windows: StreamingWindows(), logger: Self.logger)
            let reference = AlertEvaluator(database: stack.database, incremental: .init(fullEvery: 0, streaming: false), logger: Self.logger)
            let maintenance = MetricsMaintenance(database: stack.database, clock: stack.clock, logger: Self.logger)
            // Ten minutes of history, compacted.
            var history: [(Int, Int, Int64, Double)] = []
            for minute in 1...10 {
                let at = StreamTime.milliseconds(stack.clock.now.addingTimeInterval(-Double(minute) * 60 + 7))
                for device in 0..<devices { history += [(device, 0, at, 40), (device, 1, at, 50)] }
            }
            try await Self.write(stack, streamed, history)
            try await Self.write(stack, full, history)
            _ = try await maintenance.runOnce()
            var primedOnce = false
            for cycle in 0..<14 {
                stack.clock.advance(by: Double(Int.random(in: 20...75, using: &random)))
                let now = stack.clock.now
                // Two batches, a compaction possibly between them and after them: samples the streaming
                // evaluator has not read yet get compacted.
                for batch in 0..<2 {
                    var samples: [(Int, Int, Int64, Double)] = []
                    for device in 0..<devices where device % 5 != cycle % 5 || cycle < 3 {
                        for metric in 0..<2 where Int.random(in: 0..<3, using: &random) > 0 {
                            // The last device's CPU goes silent: the no-data rule fires on it.
                            if metric == 0, device == devices - 1, cycle > 4 { continue }
                            // Mostly fresh, some late (up to 90 s before now), values that cross every threshold.
                            let late = Int.random(in: 0..<4, using: &random) == 0 ? Int64.random(in: 20_000...90_000, using: &random) : Int64.random(in: 0...5_000, using: &random)
                            let value = metric == 0 ? Double(Int.random(in: 0...100, using: &random)) : Double(Int.random(in: 40...85, using: &random))
                            samples.append((device, metric, StreamTime.milliseconds(now) - late - Int64(batch), value))
                        }
                    }
                    // A duplicate of a compacted sample with another value: the stored one wins everywhere.
                    if let repeated = history.prefix(devices * 2 * 3).randomElement(using: &random) {
                        samples.append((repeated.0, repeated.1, repeated.2, repeated.3 + 33))
                    }
                    try await Self.write(stack, streamed, samples)
                    try await Self.write(stack, full, samples)
                    if Int.random(in: 0..<3, using: &random) == 0 { _ = try await maintenance.runOnce() }
                }
                let fromStream = try await streaming.evaluate(provider: streamed.provider)
                let fromFull = try await reference.evaluate(provider: full.provider)
                if fromStream.changedSeries == nil { #expect(!primedOnce || cycle == 0, "primed again at cycle \(cycle), seed \(seed)") }
                primedOnce = true
                #expect(fromStream.transitions == fromFull.transitions, "cycle \(cycle), seed \(seed): \(fromStream) vs \(fromFull)")
                #expect(fromStream.notify.count == fromFull.notify.count, "cycle \(cycle), seed \(seed)")
                let (left, right) = (try await Self.outcome(stack, streamed.provider), try await Self.outcome(stack, full.provider))
                #expect(left == right, "cycle \(cycle), seed \(seed)")
                if left != right { break }
            }
            let fired = try await Self.outcome(stack, full.provider)
            #expect(fired.contains { $0.contains("| firing |") }, "the data crossed thresholds: \(fired.count) alerts")
        }
    }

    /// An evaluator that takes a provider over (the lock moves to another instance) primes itself; the
    /// first one, coming back, notices its cursor is no longer the provider's and primes too. Samples
    /// compacted between two evaluations of the same instance reach it through the spill table.
    @Test func anEvaluatorTakingOverPrimesAndMissesNothing() async throws {
        try await TestDatabase.with { stack in
            let fleet = try await Self.fleet(stack, "takeover", count: 2)
            let first = AlertEvaluator(database: stack.database, incremental: .init(fullEvery: 86_400), windows: StreamingWindows(), logger: Self.logger)
            let second = AlertEvaluator(database: stack.database, incremental: .init(fullEvery: 86_400), windows: StreamingWindows(), logger: Self.logger)
            let maintenance = MetricsMaintenance(database: stack.database, clock: stack.clock, logger: Self.logger)
            func sample(_ device: Int, _ value: Double) async throws {
                try await Self.write(stack, fleet, [(device, 0, StreamTime.milliseconds(stack.clock.now) - 500, value), (device, 1, StreamTime.milliseconds(stack.clock.now) - 500, 50)])
            }
            func firing() async throws -> [String] {
                try await EvaluatorTests.alerts(stack, fleet.provider).filter { $0.state == .firing && $0.ruleName == "CPU last" }.compactMap(\.deviceName)
            }
            try await sample(0, 40)
            try await sample(1, 40)
            var summary = try await first.evaluate(provider: fleet.provider)
            #expect(summary.changedSeries == nil, "the first evaluation primes: \(summary)")
            // A sample compacted before the evaluator read it: kept for it, read once.
            stack.clock.advance(by: 30)
            try await sample(0, 95)
            #expect(try await maintenance.runOnce().compactedSamples >= 2)
            let spilled = try await stack.database.withTenant(fleet.provider) { tx in
                try await tx.query("SELECT count(*) AS n FROM metric_ingest_spill").alertRows { try $0.value("n", as: Int.self) }.first ?? 0
            }
            #expect(spilled >= 2, "the compaction kept what the evaluator had not read")
            summary = try await first.evaluate(provider: fleet.provider)
            #expect(summary.changedSeries == 2, "advanced, not primed: \(summary)")
            #expect(try await firing() == ["SW-0"])
            // Another instance takes over: it primes from the chunks and keeps the alert firing, then resolves it.
            stack.clock.advance(by: 30)
            summary = try await second.evaluate(provider: fleet.provider)
            #expect(summary.changedSeries == nil && summary.transitions.isEmpty, "\(summary)")
            stack.clock.advance(by: 30)
            try await sample(0, 50)
            try await sample(1, 97)
            summary = try await second.evaluate(provider: fleet.provider)
            #expect(summary.changedSeries == 4, "both devices' two series: \(summary)")
            #expect(try await firing() == ["SW-1"])
            // The first comes back after samples it never saw were compacted: it primes and misses nothing.
            stack.clock.advance(by: 30)
            try await sample(0, 99)
            _ = try await maintenance.runOnce()
            summary = try await first.evaluate(provider: fleet.provider)
            #expect(summary.changedSeries == nil, "its cursor was taken over: it primes: \(summary)")
            #expect(try await firing().sorted() == ["SW-0", "SW-1"])
            // And from there it advances again.
            stack.clock.advance(by: 30)
            try await sample(1, 10)
            summary = try await first.evaluate(provider: fleet.provider)
            #expect(summary.changedSeries == 2, "\(summary)")
            #expect(try await firing() == ["SW-0"])
        }
    }

    /// Samples stored through the ingest (which publishes a batch event) get their provider evaluated
    /// soon, not only at the next scheduled minute: one waiting evaluation job per provider with rules,
    /// however many batches arrive, and none for a provider without rules.
    @Test func samplesArrivingTriggerAnEvaluationJob() async throws {
        try await TestDatabase.with { stack in
            let fleet = try await Self.fleet(stack, "triggered", count: 2)
            let quiet = try await stack.makeProvider("quiet").id
            let quietSeries = try await stack.database.withTenant(quiet) { tx in
                let device = UUID()
                try await tx.query("INSERT INTO devices (id, provider_id, name, kind) VALUES (\(device), \(quiet), 'SW-Q', 'switch')")
                return try await tx.metricSeries.register(MetricSeriesInput(deviceId: device, metric: "cpu", labels: [:], unit: "", kind: .gauge)).id
            }
            let queue = PostgresJobQueue(database: stack.database, clock: stack.clock, logger: Self.logger)
            let trigger = AlertIngestTrigger(url: stack.appURL, database: stack.database, queue: queue, debounce: .milliseconds(200), logger: Self.logger)
            let pipeline = MetricsIngestPipeline(database: stack.database, configuration: .init(publishLive: true), clock: stack.clock, logger: Self.logger)
            let writers = Task { await pipeline.writers() }
            let listening = Task { try await trigger.run() }
            defer {
                listening.cancel()
                pipeline.close()
            }
            func jobs(_ provider: UUID) async throws -> Int {
                try await stack.database.withTenant(provider) { tx in
                    try await tx.query("SELECT count(*) AS n FROM jobs WHERE type = 'alerts.evaluate'").alertRows { try $0.value("n", as: Int.self) }.first ?? 0
                }
            }
            // The listener connects in the background: keep sending until a job appears (bounded).
            var waited = 0
            while try await jobs(fleet.provider) == 0, waited < 300 {
                try await pipeline.submit([MetricSample(seriesId: fleet.series[0][0], at: stack.clock.now.addingTimeInterval(Double(-waited)), value: 50),
                                           MetricSample(seriesId: fleet.series[1][0], at: stack.clock.now.addingTimeInterval(Double(-waited)), value: 50)])
                try await pipeline.submit([MetricSample(seriesId: quietSeries, at: stack.clock.now.addingTimeInterval(Double(-waited)), value: 50)])
                try await Task.sleep(for: .milliseconds(100))
                waited += 1
            }
            #expect(try await jobs(fleet.provider) == 1, "one evaluation waits for the provider")
            // More batches while one waits: still one.
            for extra in 1...3 {
                try await pipeline.submit([MetricSample(seriesId: fleet.series[0][0], at: stack.clock.now.addingTimeInterval(Double(-1_000 - extra)), value: 51)])
                try await Task.sleep(for: .milliseconds(300))
            }
            #expect(try await jobs(fleet.provider) == 1)
            #expect(try await jobs(quiet) == 0, "a provider without rules is not evaluated")
            listening.cancel()
            _ = try? await listening.value
            pipeline.close()
            await writers.value
        }
    }

    /// The trigger enqueues a provider at most once per gap; samples arriving within it are not dropped
    /// but make the provider due once the gap has passed.
    @Test func theTriggerEnqueuesAProviderAtMostOncePerGap() {
        let pending = AlertIngestTrigger.Pending()
        let first = UUID(), second = UUID()
        let start = ContinuousClock.now
        pending.insert(first)
        #expect(pending.due(at: start, gap: .seconds(3)) == [first])
        pending.insert(first)
        pending.insert(second)
        #expect(pending.due(at: start + .seconds(1), gap: .seconds(3)) == [second], "the first was enqueued a second ago")
        #expect(pending.due(at: start + .seconds(2), gap: .seconds(3)).isEmpty, "the first still waits")
        #expect(pending.due(at: start + .seconds(3), gap: .seconds(3)) == [first], "due once the gap has passed, its samples kept")
        #expect(pending.due(at: start + .seconds(9), gap: .seconds(3)).isEmpty, "nothing arrived since")
    }
}
