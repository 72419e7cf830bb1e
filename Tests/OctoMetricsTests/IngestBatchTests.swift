import Foundation
import OctoCore
import OctoMetrics
import OctoStore
import OctoTestSupport
import PostgresNIO
import Testing

/// How ingested samples are stored until compaction: one `metric_ingest_batches` row per provider and
/// batch (migration 0154), read as rows through the view `metric_ingest`.
extension MetricsIntegrationTests {
    @Suite struct IngestBatchTests {
        @Test func aBatchIsStoredAsOneRowPerProviderAndReadAsItsSamples() async throws {
            try await TestDatabase.with { stack in
                let a = try await MetricsFixture.make(stack, slug: "alpha")
                let b = try await MetricsFixture.make(stack, slug: "beta")
                let cpuA = try await a.series("cpu"), memoryA = try await a.series("memory"), cpuB = try await b.series("cpu")
                let at = hourStart(stack.clock.now, minus: 1)
                var samples: [MetricSample] = []
                for minute in 0..<50 {
                    let when = at.addingTimeInterval(Double(minute) * 60)
                    samples.append(MetricSample(seriesId: cpuA.id, at: when, value: Double(minute)))
                    samples.append(MetricSample(seriesId: cpuB.id, at: when, value: Double(1_000 + minute)))
                    samples.append(MetricSample(seriesId: memoryA.id, at: when, value: 0.5))
                }
                let submitted = samples
                try await withPipeline(stack.database, clock: stack.clock, configuration: .init(writers: 1)) { pipeline in
                    try await pipeline.submit(submitted)
                }
                let rows = try await stack.connect(stack.ownerURL) { owner in
                    try await owner.query("""
                        SELECT provider_id, samples, cardinality(at_ms), cardinality(vals) FROM metric_ingest_batches ORDER BY samples
                        """, logger: MetricsTestLog.logger).collect().map { try $0.decode((UUID, Int32, Int32, Int32).self) }
                }
                #expect(rows.count == 2, "one row per provider")
                #expect(rows.map(\.0) == [b.provider, a.provider])
                #expect(rows.map(\.1) == [50, 100] && rows.map(\.2) == [50, 100] && rows.map(\.3) == [50, 100])
                // The view gives back every sample, in each provider's own sight only.
                for (fixture, expected) in [(a, samples.filter { $0.seriesId != cpuB.id }), (b, samples.filter { $0.seriesId == cpuB.id })] {
                    let seen = try await stack.database.withTenant(fixture.provider) { tx in
                        try await tx.query("SELECT series_id, at_ms, value FROM metric_ingest ORDER BY series_id, at_ms")
                            .collect().map { try $0.decode((Int64, Int64, Double).self) }
                    }
                    let wanted = expected.map { ($0.seriesId, $0.atMilliseconds, $0.value) }
                        .sorted { ($0.0, $0.1) < ($1.0, $1.1) }
                    #expect(seen.map(\.0) == wanted.map(\.0) && seen.map(\.1) == wanted.map(\.1) && seen.map(\.2) == wanted.map(\.2))
                }
                // Compaction deletes the rows and keeps every sample.
                let report = try await a.maintenance().runOnce()
                #expect(report.compactedSamples == 150)
                let left = try await stack.connect(stack.ownerURL) { owner in
                    try await owner.query("SELECT count(*) FROM metric_ingest_batches", logger: MetricsTestLog.logger).values(Int64.self)
                }
                #expect(left == [0])
            }
        }

        /// Arrays compaction could not unnest side by side are refused, and nothing is stored.
        @Test func aMalformedBatchIsRefused() async throws {
            try await TestDatabase.with { stack in
                let fixture = try await MetricsFixture.make(stack)
                let cpu = try await fixture.series("cpu")
                let now = Int64(stack.clock.now.timeIntervalSince1970 * 1000)
                let malformed: [(String, PostgresQuery)] = [
                    ("lengths differ", "INSERT INTO metric_ingest_batches (provider_id, series_ids, at_ms, vals) VALUES (\(fixture.provider), ARRAY[\(cpu.id), \(cpu.id)], ARRAY[\(now)], ARRAY[1.0::float8])"),
                    ("a NULL element", "INSERT INTO metric_ingest_batches (provider_id, series_ids, at_ms, vals) VALUES (\(fixture.provider), ARRAY[\(cpu.id)], ARRAY[NULL::bigint], ARRAY[1.0::float8])"),
                    ("two dimensions", "INSERT INTO metric_ingest_batches (provider_id, series_ids, at_ms, vals) VALUES (\(fixture.provider), ARRAY[ARRAY[\(cpu.id)]], ARRAY[ARRAY[\(now)]], ARRAY[ARRAY[1.0::float8]])"),
                ]
                for (reason, statement) in malformed {
                    await #expect(throws: (any Error).self, "\(reason)") {
                        try await stack.database.withTenant(fixture.provider) { tx in try await tx.query(statement) }
                    }
                }
                // Another provider's batch is refused by the policy, through the table and the view.
                let other = try await MetricsFixture.make(stack, slug: "other")
                await #expect(throws: (any Error).self) {
                    try await stack.database.withTenant(fixture.provider) { tx in
                        try await tx.query("INSERT INTO metric_ingest_batches (provider_id, series_ids, at_ms, vals) VALUES (\(other.provider), ARRAY[\(cpu.id)], ARRAY[\(now)], ARRAY[1.0::float8])")
                    }
                }
                await #expect(throws: (any Error).self) {
                    try await stack.database.withTenant(fixture.provider) { tx in
                        try await tx.query("INSERT INTO metric_ingest (provider_id, series_id, at_ms, value) VALUES (\(other.provider), \(cpu.id), \(now), 1)")
                    }
                }
                let stored = try await stack.connect(stack.ownerURL) { owner in
                    try await owner.query("SELECT count(*) FROM metric_ingest_batches", logger: MetricsTestLog.logger).values(Int64.self)
                }
                #expect(stored == [0])
            }
        }

        /// A sample beyond the raw partitions (possible only if they could not be created) stays in
        /// ingest as a batch of its own, with its writer's transaction, while the rest is compacted.
        @Test func samplesBeyondThePartitionsWaitInABatchOfTheirOwn() async throws {
            try await TestDatabase.with { stack in
                let fixture = try await MetricsFixture.make(stack)
                let cpu = try await fixture.series("cpu")
                let now = Int64(stack.clock.now.timeIntervalSince1970 * 1000)
                let far = now + 30 * 86_400_000
                let written = try await stack.database.withTenant(fixture.provider) { tx in
                    try await tx.query("""
                        INSERT INTO metric_ingest_batches (provider_id, series_ids, at_ms, vals)
                        VALUES (\(fixture.provider), ARRAY[\(cpu.id), \(cpu.id)], ARRAY[\(now - 60_000), \(far)], ARRAY[1.0, 2.0]::float8[])
                        RETURNING tx
                        """).values(Int64.self)
                }
                let report = try await fixture.maintenance().runOnce()
                #expect(report.compactedSamples == 1)
                let left = try await stack.connect(stack.ownerURL) { owner in
                    try await owner.query("SELECT tx, at_ms[1], vals[1] FROM metric_ingest_batches", logger: MetricsTestLog.logger)
                        .collect().map { try $0.decode((Int64, Int64, Double).self) }
                }
                #expect(left.count == 1 && left.first?.0 == written.first && left.first?.1 == far && left.first?.2 == 2)
            }
        }
    }
}
