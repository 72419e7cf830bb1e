import Foundation
import OctoCore
import OctoMetrics
import OctoStore
import OctoTestSupport
import PostgresNIO
import Testing

extension MetricsIntegrationTests {
    @Suite struct RetentionTests {
        func count(_ stack: TestStack, _ sql: PostgresQuery) async throws -> Int {
            try await stack.connect(stack.ownerURL) { connection in
                var result = 0
                for try await (value) in try await connection.query(sql, logger: MetricsTestLog.logger).decode(Int64.self) { result = Int(value) }
                return result
            }
        }

        @Test func partitionsAreCreatedAheadAndExpiredDataIsDropped() async throws {
            try await TestDatabase.with { stack in
                let fixture = try await MetricsFixture.make(stack)
                let temp = try await fixture.series("temperature")
                let retention = MetricsRetention(rawDays: 2, rollupDays: [.fiveMinutes: 3, .hour: 10])
                let at = hourStart(stack.clock.now, minus: 1)
                try await withPipeline(stack.database, clock: stack.clock) { pipeline in
                    try await pipeline.submit([MetricSample(seriesId: temp.id, at: at, value: 20)])
                }
                let first = try await fixture.maintenance(retention).runOnce()
                // Today − 2 … today + 2.
                #expect(first.createdPartitions == 5)
                let partitions: PostgresQuery = "SELECT count(*) FROM pg_inherits WHERE inhparent = 'metric_chunks'::regclass"
                #expect(try await count(stack, partitions) == 5)
                #expect(try await count(stack, "SELECT count(*) FROM metric_chunks") == 1)
                #expect(try await count(stack, "SELECT count(*) FROM metric_rollup_periods WHERE resolution = 300") == 1)

                // Four days later: raw data (2 days) and 5-minute buckets (3 days) are gone, hours (10 days) stay.
                stack.clock.advance(by: 4 * 86_400)
                let later = try await fixture.maintenance(retention).runOnce()
                #expect(later.droppedPartitions == 4)
                #expect(later.createdPartitions == 4)
                #expect(try await count(stack, partitions) == 5)
                #expect(try await count(stack, "SELECT count(*) FROM metric_chunks") == 0)
                #expect(try await count(stack, "SELECT count(*) FROM metric_rollup_periods WHERE resolution = 300") == 0)
                #expect(try await count(stack, "SELECT count(*) FROM metric_rollup_periods WHERE resolution = 3600") == 1)

                // A sample older than raw retention arriving now is discarded, not compacted.
                try await withPipeline(stack.database, clock: stack.clock) { pipeline in
                    try await pipeline.submit([MetricSample(seriesId: temp.id, at: at, value: 21)])
                }
                let third = try await fixture.maintenance(retention).runOnce()
                #expect(third.expiredSamples == 1 && third.compactedSamples == 0)

                // One process applies retention on the first round of each UTC day.
                let process = fixture.maintenance(retention)
                #expect(try await process.runOnce().appliedRetention)
                #expect(try await !process.runOnce().appliedRetention)
                stack.clock.advance(by: 86_400)
                #expect(try await process.runOnce().appliedRetention)
            }
        }

        @Test func fiveMinuteRetentionCoversRawRetention() {
            let retention = MetricsRetention(rawDays: 60, rollupDays: [.fiveMinutes: 10])
            #expect(retention.days(.fiveMinutes) == 60)
            #expect(MetricsRetention().days(.fiveMinutes) == 35)
            let configured = MetricsRetention(environment: ["OCTOISP_METRICS_RETENTION_1H_DAYS": "90", "OCTOISP_METRICS_RETENTION_RAW_DAYS": "7"])
            #expect(configured.days(.hour) == 90 && configured.days(.raw) == 7)
        }

        @Test func resolutionFollowsStepAndRetention() {
            let now = Date(timeIntervalSince1970: 1_750_000_000)
            let retention = MetricsRetention()
            #expect(MetricsReader.resolution(from: now.addingTimeInterval(-3600), step: 60, now: now, retention: retention) == .raw)
            #expect(MetricsReader.resolution(from: now.addingTimeInterval(-86_400), step: 300, now: now, retention: retention) == .fiveMinutes)
            #expect(MetricsReader.resolution(from: now.addingTimeInterval(-30 * 86_400), step: 3600, now: now, retention: retention) == .hour)
            // 5-minute data is gone after 35 days: a 60-day chart at a 5-minute step reads hours.
            #expect(MetricsReader.resolution(from: now.addingTimeInterval(-60 * 86_400), step: 300, now: now, retention: retention) == .hour)
        }
    }
}
