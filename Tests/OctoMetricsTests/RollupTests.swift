import Foundation
import OctoCore
@testable import OctoMetrics
import OctoStore
import OctoTestSupport
import PostgresNIO
import Testing

extension MetricsIntegrationTests {
    @Suite struct RollupTests {
        @Test func rollupsAggregateEveryResolutionAndCountLateButNotDuplicateSamples() async throws {
            try await TestDatabase.with { stack in
                let fixture = try await MetricsFixture.make(stack)
                let cpu = try await fixture.series("cpu", labels: ["core": "0"])
                let hour = hourStart(stack.clock.now, minus: 3)
                // One sample a minute for an hour, valued by its minute: 0, 1, …, 59.
                let samples = (0..<60).map { MetricSample(seriesId: cpu.id, at: hour.addingTimeInterval(Double($0) * 60), value: Double($0)) }
                try await withPipeline(stack.database, clock: stack.clock) { pipeline in try await pipeline.submit(samples) }
                let first = try await fixture.maintenance().runOnce()
                #expect(first.ran)
                #expect(first.compactedSamples == 60)
                #expect(first.rolledUp[.fiveMinutes] == 12)
                #expect(first.rolledUp[.hour] == 1)
                #expect(first.rolledUp[.day] == 1)
                #expect(first.rolledUp[.week] == 1)
                #expect(first.rolledUp[.thirtyDays] == 1)

                var chart = try await fixture.reader { reader in
                    try await reader.query(.init(seriesIds: [cpu.id], from: hour, to: hour.addingTimeInterval(3600), step: 300))
                }
                #expect(chart.resolution == "5m")
                var points = try #require(chart.series.first).points
                #expect(points.count == 12)
                // Bucket k holds minutes 5k…5k+4.
                for (k, point) in points.enumerated() {
                    #expect(point.at == hour.addingTimeInterval(Double(k) * 300))
                    #expect(point.min == Double(5 * k) && point.max == Double(5 * k + 4))
                    #expect(point.sum == Double(25 * k + 10) && point.count == 5 && point.avg == Double(5 * k + 2))
                    #expect(point.last == Double(5 * k + 4))
                }
                var hourly = try await fixture.reader { reader in
                    try await reader.query(.init(seriesIds: [cpu.id], from: hour, to: hour.addingTimeInterval(3600), step: 3600))
                }
                #expect(hourly.resolution == "1h")
                #expect(hourly.series.first?.points == [MetricsReader.Point(
                    at: hour, min: 0, max: 59, avg: 29.5, sum: 1770, count: 60, last: 59,
                    lastAt: hour.addingTimeInterval(59 * 60), rate: nil)])

                // A late sample (30 s into the hour, 3 hours late) and a duplicate of minute 1 with another value.
                try await withPipeline(stack.database, clock: stack.clock) { pipeline in
                    try await pipeline.submit([MetricSample(seriesId: cpu.id, at: hour.addingTimeInterval(30), value: 100)])
                    try await pipeline.submit([MetricSample(seriesId: cpu.id, at: hour.addingTimeInterval(60), value: 999)])
                }
                stack.clock.advance(by: 120)
                let second = try await fixture.maintenance().runOnce()
                #expect(second.compactedSamples == 2)
                // The dirty hour is recomputed, but only the bucket the late sample changed is written.
                #expect(second.rolledUp[.fiveMinutes] == 1)
                #expect(second.rolledUp[.hour] == 1 && second.rolledUp[.day] == 1)
                chart = try await fixture.reader { reader in
                    try await reader.query(.init(seriesIds: [cpu.id], from: hour, to: hour.addingTimeInterval(3600), step: 300))
                }
                points = try #require(chart.series.first).points
                #expect(points[0].count == 6 && points[0].max == 100 && points[0].sum == 110 && points[0].last == 4)
                #expect(points[1].count == 5 && points[1].sum == 35)
                hourly = try await fixture.reader { reader in
                    try await reader.query(.init(seriesIds: [cpu.id], from: hour, to: hour.addingTimeInterval(3600), step: 3600))
                }
                let total = try #require(hourly.series.first?.points.first)
                #expect(total.count == 61 && total.sum == 1870 && total.max == 100 && total.last == 59)
                let daily = try await fixture.reader { reader in
                    try await reader.query(.init(seriesIds: [cpu.id], from: hour, to: hour.addingTimeInterval(3600), step: 86_400))
                }
                #expect(daily.resolution == "1d")
                #expect(daily.series.first?.points.first?.count == 61)

                // Raw reads see the same samples, the duplicate collapsed.
                let raw = try await fixture.reader { reader in
                    try await reader.query(.init(seriesIds: [cpu.id], from: hour, to: hour.addingTimeInterval(120), step: 10))
                }
                #expect(raw.resolution == "raw")
                #expect(raw.series.first?.points.map(\.last) == [0, 100, 1])

                // Nothing changed: the next round writes nothing.
                let third = try await fixture.maintenance().runOnce()
                #expect(third.compactedSamples == 0 && third.rolledUp[.fiveMinutes] == 0)
            }
        }

        /// Compaction marks which 5-minute buckets of an hour got samples, and the rollup recomputes
        /// only those: a bucket whose stored aggregates are stale but that got nothing stays as it is.
        @Test func onlyTheFiveMinuteBucketsThatGotSamplesAreRecomputed() async throws {
            try await TestDatabase.with { stack in
                let fixture = try await MetricsFixture.make(stack)
                let cpu = try await fixture.series("cpu")
                let hour = hourStart(stack.clock.now, minus: 2)
                let first = (0..<60).map { MetricSample(seriesId: cpu.id, at: hour.addingTimeInterval(Double($0) * 60), value: 1) }
                try await withPipeline(stack.database, clock: stack.clock) { pipeline in try await pipeline.submit(first) }
                _ = try await fixture.maintenance().runOnce()
                // Bucket 3's stored aggregates are made stale behind the store's back.
                try await stack.database.withTenant(fixture.provider) { tx in
                    let at = hour.addingTimeInterval(900)
                    let stored = try await MetricRollupPeriods.read(tx, series: [cpu.id], resolution: .fiveMinutes, from: at, to: at.addingTimeInterval(300))
                    var stale = try #require(stored[cpu.id]?.first)
                    stale.max = 42
                    #expect(try await MetricRollupPeriods.write(tx, resolution: .fiveMinutes, [cpu.id: (fixture.provider, [stale])]) == 1)
                    // A bucket off its boundary is refused before anything is written.
                    var skewed = stale
                    skewed.at = at.addingTimeInterval(60)
                    await #expect(throws: OctoError.self) {
                        try await MetricRollupPeriods.write(tx, resolution: .fiveMinutes, [cpu.id: (fixture.provider, [skewed])])
                    }
                }
                // Late samples in minutes 0 (bucket 0, second 30) and 27 (bucket 5, second 30).
                let late = [MetricSample(seriesId: cpu.id, at: hour.addingTimeInterval(30), value: 7),
                            MetricSample(seriesId: cpu.id, at: hour.addingTimeInterval(27 * 60 + 30), value: 9)]
                try await withPipeline(stack.database, clock: stack.clock) { pipeline in try await pipeline.submit(late) }
                let maintenance = fixture.maintenance()
                let marks = try await stack.database.withGlobal { tx in
                    _ = try await maintenance.compact(tx, now: stack.clock.now, limit: 1_000)
                    return try await tx.query("SELECT buckets FROM metric_dirty WHERE series_id = \(cpu.id)").values(Int32.self)
                }
                #expect(marks == [1 << 0 | 1 << 5])
                let report = try await maintenance.runOnce()
                #expect(report.rolledUp[.fiveMinutes] == 2)
                let chart = try await fixture.reader { reader in
                    try await reader.query(.init(seriesIds: [cpu.id], from: hour, to: hour.addingTimeInterval(3600), step: 300))
                }
                let points = try #require(chart.series.first).points
                #expect(points[0].max == 7 && points[0].count == 6)
                #expect(points[5].max == 9 && points[5].count == 6)
                #expect(points[3].max == 42, "a bucket that got no samples is not recomputed")
            }
        }

        /// Compaction keeps a chunk's samples before the first incoming one as they are and merges the
        /// rest: a sample between two stored ones lands in order, a duplicate keeps the stored value.
        @Test func samplesMergeIntoTheMiddleOfAStoredChunkInOrder() async throws {
            try await TestDatabase.with { stack in
                let fixture = try await MetricsFixture.make(stack)
                let cpu = try await fixture.series("cpu")
                let hour = hourStart(stack.clock.now, minus: 2)
                func at(_ minute: Int) -> Date { hour.addingTimeInterval(Double(minute) * 60) }
                let stored = [0, 10, 20, 30].map { MetricSample(seriesId: cpu.id, at: at($0), value: Double($0)) }
                try await withPipeline(stack.database, clock: stack.clock) { pipeline in try await pipeline.submit(stored) }
                _ = try await fixture.maintenance().runOnce()
                let incoming = [MetricSample(seriesId: cpu.id, at: at(40), value: 40), MetricSample(seriesId: cpu.id, at: at(15), value: 15),
                                MetricSample(seriesId: cpu.id, at: at(20), value: 999)]
                try await withPipeline(stack.database, clock: stack.clock) { pipeline in try await pipeline.submit(incoming) }
                let report = try await fixture.maintenance().runOnce()
                #expect(report.compactedSamples == 3)
                let chunk = try await stack.connect(stack.ownerURL) { owner in
                    try await owner.query("SELECT points, samples FROM metric_chunks WHERE series_id = \(cpu.id)", logger: MetricsTestLog.logger)
                        .collect().map { try $0.decode((Int32, ByteBuffer).self) }
                }
                #expect(chunk.count == 1)
                let samples = try #require(try chunk.first.map { try $0.1.withUnsafeReadableBytes { try MetricCodec.decodeSamples($0) } })
                #expect(chunk.first?.0 == 6)
                #expect(samples.offsets == [0, 10, 15, 20, 30, 40].map { Int64($0 * 60_000) })
                #expect(samples.values == [0, 10, 15, 20, 30, 40])
            }
        }

        /// A backlog larger than a compaction batch is worked off in bounded rounds within one
        /// maintenance run, with the same chunks and rollups as one large round would write.
        @Test func aBacklogIsCompactedInBoundedRoundsWithTheSameResult() async throws {
            try await TestDatabase.with { stack in
                let fixture = try await MetricsFixture.make(stack)
                let cpu = try await fixture.series("cpu"), memory = try await fixture.series("memory")
                let hour = hourStart(stack.clock.now, minus: 2)
                // An hour of minutes for two series (120 samples), then minute 7 of cpu again with another
                // value: the value stored first (in whichever round) is kept.
                var samples: [MetricSample] = []
                for minute in 0..<60 {
                    let at = hour.addingTimeInterval(Double(minute) * 60)
                    samples.append(MetricSample(seriesId: cpu.id, at: at, value: Double(minute)))
                    samples.append(MetricSample(seriesId: memory.id, at: at, value: Double(100 + minute)))
                }
                let backlog = samples
                // Stored as twelve batches of ten (a submission is never split), then a batch of one.
                try await withPipeline(stack.database, clock: stack.clock, configuration: .init(batchSize: 10, writers: 1)) { pipeline in
                    for first in stride(from: 0, to: backlog.count, by: 10) { try await pipeline.submit(Array(backlog[first..<first + 10])) }
                    try await pipeline.submit([MetricSample(seriesId: cpu.id, at: hour.addingTimeInterval(7 * 60), value: 999)])
                }
                let maintenance = MetricsMaintenance(database: stack.database, compactionBatch: 25, clock: stack.clock, logger: MetricsTestLog.logger)
                let report = try await maintenance.runOnce()
                #expect(report.compactedSamples == 121, "five rounds of three whole batches move the whole backlog")
                let left = try await stack.connect(stack.ownerURL) { connection in
                    var count = 0
                    for try await (value) in try await connection.query("SELECT count(*) FROM metric_ingest", logger: MetricsTestLog.logger).decode(Int64.self) {
                        count = Int(value)
                    }
                    return count
                }
                #expect(left == 0)
                let hourly = try await fixture.reader { reader in
                    try await reader.query(.init(seriesIds: [cpu.id, memory.id], from: hour, to: hour.addingTimeInterval(3600), step: 3600))
                }
                let byId = Dictionary(uniqueKeysWithValues: hourly.series.map { ($0.series.id, $0.points) })
                let cpuHour = try #require(byId[cpu.id]?.first), memoryHour = try #require(byId[memory.id]?.first)
                #expect(cpuHour.count == 60 && memoryHour.count == 60, "one sample per millisecond, the duplicate dropped")
                #expect(memoryHour.sum == 7770 && memoryHour.min == 100 && memoryHour.max == 159)
                #expect(cpuHour.sum == 1770 || cpuHour.sum == 1770 - 7 + 999, "minute 7 holds one of its two values")
                let fiveMinute = try await fixture.reader { reader in
                    try await reader.query(.init(seriesIds: [memory.id], from: hour, to: hour.addingTimeInterval(3600), step: 300))
                }
                #expect(try #require(fiveMinute.series.first).points.map(\.count) == Array(repeating: 5, count: 12))
            }
        }

        @Test func duplicatesInOneBatchAndAcrossBatchesAreStoredOnce() async throws {
            try await TestDatabase.with { stack in
                let fixture = try await MetricsFixture.make(stack)
                let temp = try await fixture.series("temperature")
                let at = hourStart(stack.clock.now, minus: 1).addingTimeInterval(42.123)
                let sample = MetricSample(seriesId: temp.id, at: at, value: 41.5)
                try await withPipeline(stack.database, clock: stack.clock) { pipeline in
                    try await pipeline.submit([sample, sample])
                    try await pipeline.submit([sample])
                }
                _ = try await fixture.maintenance().runOnce()
                let latest = try await fixture.reader { reader in try await reader.latest([temp.id]) }
                #expect(latest.count == 1 && latest.first?.value == 41.5)
                #expect(abs((latest.first?.at.timeIntervalSince1970 ?? 0) - at.timeIntervalSince1970) < 0.001)
                let chart = try await fixture.reader { reader in
                    try await reader.query(.init(seriesIds: [temp.id], from: at.addingTimeInterval(-60), to: at.addingTimeInterval(60), step: 60))
                }
                #expect(chart.series.first?.points.map(\.count) == [1])
            }
        }

        @Test func unknownSeriesAndNonFiniteValuesAreRefused() async throws {
            try await TestDatabase.with { stack in
                let fixture = try await MetricsFixture.make(stack)
                let temp = try await fixture.series("temperature")
                try await withPipeline(stack.database, clock: stack.clock) { pipeline in
                    await #expect(throws: OctoError.self) {
                        try await pipeline.submit([MetricSample(seriesId: 987_654, at: stack.clock.now, value: 1)])
                    }
                    await #expect(throws: OctoError.self) {
                        try await pipeline.submit([MetricSample(seriesId: temp.id, at: stack.clock.now, value: .nan)])
                    }
                    await #expect(throws: OctoError.self) {
                        try await pipeline.submit([MetricSample(seriesId: temp.id, at: stack.clock.now.addingTimeInterval(86_400), value: 1)])
                    }
                }
            }
        }
    }
}
