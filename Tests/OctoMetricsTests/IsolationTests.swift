import Foundation
import OctoCore
import OctoMetrics
import OctoStore
import OctoTestSupport
import PostgresNIO
import Testing

extension MetricsIntegrationTests {
    @Suite struct IsolationTests {
        @Test func aProviderCannotReadAnotherProvidersSeries() async throws {
            try await TestDatabase.with { stack in
                let a = try await MetricsFixture.make(stack, slug: "alpha")
                let b = try await MetricsFixture.make(stack, slug: "beta")
                let seriesA = try await a.series("cpu")
                let seriesB = try await b.series("cpu")
                let at = hourStart(stack.clock.now, minus: 1)
                try await withPipeline(stack.database, clock: stack.clock) { pipeline in
                    try await pipeline.submit([MetricSample(seriesId: seriesA.id, at: at, value: 1),
                                               MetricSample(seriesId: seriesB.id, at: at, value: 2)])
                }
                // Before compaction (ingest table) and after (chunks, rollups, latest).
                for round in 0..<2 {
                    if round == 1 { _ = try await a.maintenance().runOnce() }
                    try await a.reader { reader in
                        let chart = try await reader.query(.init(seriesIds: [seriesA.id, seriesB.id], from: at.addingTimeInterval(-600),
                                                                 to: at.addingTimeInterval(600), step: 300))
                        #expect(chart.series.map(\.series.id) == [seriesA.id])
                        let latest = try await reader.latest([seriesA.id, seriesB.id])
                        #expect(latest.map(\.seriesId) == [seriesA.id])
                        await #expect(throws: OctoError.notFound("series")) { try await reader.tx.metricSeries.get(seriesB.id) }
                        for table in ["metric_ingest", "metric_chunks", "metric_rollup_periods", "metric_latest", "metric_series"] {
                            let rows = try await reader.tx.query("SELECT count(*) FROM \(unescaped: table) WHERE provider_id <> \(a.provider)")
                            for try await (count) in rows.decode(Int64.self) { #expect(count == 0, "\(table)") }
                        }
                    }
                }
                // Writing a row for another provider is refused by the policy.
                await #expect(throws: (any Error).self) {
                    try await stack.database.withTenant(a.provider) { tx in
                        try await tx.query("INSERT INTO metric_latest (provider_id, series_id, at, value) VALUES (\(b.provider), \(seriesB.id), now(), 1)")
                    }
                }
                // The app role cannot run the partition functions.
                await #expect(throws: (any Error).self) {
                    try await stack.database.withTenant(a.provider) { tx in
                        try await tx.query("SELECT metrics_drop_partitions(now() + interval '100 days')")
                    }
                }
            }
        }

        @Test func everyProviderScopedTableIncludingRuntimePartitionsHasForcedRowLevelSecurity() async throws {
            try await TestDatabase.with { stack in
                let fixture = try await MetricsFixture.make(stack)
                _ = try await fixture.maintenance().runOnce()
                let offenders = try await stack.connect(stack.ownerURL) { connection in
                    var names: [String] = []
                    let rows = try await connection.query("""
                        SELECT c.relname FROM pg_class c
                        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'provider_id' AND NOT a.attisdropped
                        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
                          AND NOT (c.relrowsecurity AND c.relforcerowsecurity
                                   AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid))
                        """, logger: MetricsTestLog.logger)
                    for try await (name) in rows.decode(String.self) { names.append(name) }
                    return names
                }
                #expect(offenders == [])
                let partitions = try await stack.connect(stack.ownerURL) { connection in
                    var count = 0
                    for try await (value) in try await connection.query("SELECT count(*) FROM pg_inherits WHERE inhparent = 'metric_chunks'::regclass",
                                                                        logger: MetricsTestLog.logger).decode(Int64.self) { count = Int(value) }
                    return count
                }
                #expect(partitions == 38) // 35 days of retention, today and two ahead
            }
        }
    }
}
