import Foundation
import Logging
import OctoCore
import OctoMetrics
import OctoStore
import OctoTestSupport
import PostgresNIO
import Synchronization
import Testing

/// What the producers saw.
final class IngestOutcome: Sendable {
    let acknowledged = Mutex<Set<Int>>([])
    let failed = Mutex<Int>(0)
    /// Batches acknowledged when the server was stopped and when it was started again.
    let acknowledgedAtRestart = Mutex<(stop: Int, start: Int)?>(nil)
}

extension MetricsIntegrationTests {
    @Suite struct IngestRestartTests {
        @Test(.timeLimit(.minutes(5)))
        func noAcknowledgedBatchIsLostWhenPostgreSQLRestartsMidIngest() async throws {
            let cluster = try await ThrowawayCluster.create("metrics-restart")
            do {
                try await ingestThroughRestart(cluster)
                await cluster.destroy()
            } catch {
                await cluster.destroy()
                throw error
            }
        }

        func ingestThroughRestart(_ cluster: ThrowawayCluster) async throws {
            try await Migrator(ownerURL: try cluster.url("OCTOISP_OWNER_DATABASE_URL"), logger: MetricsTestLog.logger).migrate()
            let clock = ManualWallClock(Date())
            let database = Database(configuration: .init(app: try cluster.url("DATABASE_URL"), global: try cluster.url("OCTOISP_GLOBAL_DATABASE_URL"),
                                                         maximumConnections: 8), clock: clock, logger: MetricsTestLog.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await database.run() }
                defer { group.cancelAll() }
                let provider = try await database.withGlobal { tx in try await tx.providers.create(ProviderInput(slug: "acme", name: "Acme"), by: .system) }
                let series = try await database.withTenant(provider.id) { tx in
                    let device = try await tx.devices.create(DeviceInput(name: "olt-1"), by: .system)
                    var series: [MetricSeries] = []
                    for index in 0..<5 {
                        series.append(try await tx.metricSeries.register(.init(deviceId: device.id, metric: "ifHCInOctets",
                                                                                 labels: ["ifIndex": "\(index)"], kind: .counter)))
                    }
                    return series
                }
                let base = hourStart(clock.now, minus: 1)
                let batches = 240, perBatch = 100 // timestamps per batch, × 5 series
                let outcome = IngestOutcome()
                let configuration = MetricsIngestPipeline.Configuration(batchSize: 2_000, maxPendingSamples: 10_000, writers: 2,
                                                                        retryFor: .seconds(90), publishLive: true, attemptTimeout: .seconds(3))
                let pipeline = MetricsIngestPipeline(database: database, configuration: configuration, clock: clock, logger: MetricsTestLog.logger)
                try await withThrowingTaskGroup(of: Void.self) { ingest in
                    ingest.addTask { await pipeline.writers() }
                    // Three producers share the batches.
                    for producer in 0..<3 {
                        ingest.addTask {
                            for batch in stride(from: producer, to: batches, by: 3) {
                                var samples: [MetricSample] = []
                                for step in 0..<perBatch {
                                    let at = base.addingTimeInterval(Double(batch * perBatch + step) * 0.01)
                                    for item in series { samples.append(MetricSample(seriesId: item.id, at: at, value: Double(batch * perBatch + step))) }
                                }
                                do {
                                    try await pipeline.submit(samples)
                                    outcome.acknowledged.withLock { _ = $0.insert(batch) }
                                } catch {
                                    outcome.failed.withLock { $0 += 1 }
                                }
                                try await Task.sleep(for: .milliseconds(50))
                            }
                        }
                    }
                    // Restart PostgreSQL once a quarter of the batches are in.
                    ingest.addTask {
                        while outcome.acknowledged.withLock({ $0.count }) < batches / 4 { try await Task.sleep(for: .milliseconds(10)) }
                        let atStop = outcome.acknowledged.withLock { $0.count }
                        try await cluster.stop()
                        try await Task.sleep(for: .seconds(2))
                        try await cluster.start()
                        outcome.acknowledgedAtRestart.withLock { $0 = (atStop, outcome.acknowledged.withLock { $0.count }) }
                    }
                    // Wait for the producers and the restart, then let the writers drain.
                    var finished = 0
                    while finished < 4, try await ingest.next() != nil { finished += 1 }
                    pipeline.close()
                    try await ingest.waitForAll()
                }
                let acked = outcome.acknowledged.withLock { $0 }
                // Producers were still submitting while the server was down (their batches waited or were
                // retried), and went on after it came back.
                let restart = try #require(outcome.acknowledgedAtRestart.withLock { $0 })
                #expect(restart.start < batches, "batches were still being submitted when the server came back")
                #expect(acked.count + outcome.failed.withLock { $0 } == batches)
                #expect(acked.count > batches / 4)
                // Every acknowledged batch is stored in full.
                let stored = try await database.withGlobal { tx in
                    var counts: [Int: Int] = [:]
                    let baseMs = Int64(base.timeIntervalSince1970 * 1000)
                    let rows = try await tx.query("""
                        SELECT (at_ms - \(baseMs)) / \(Int64(perBatch * 10)), count(DISTINCT (series_id, at_ms))
                        FROM metric_ingest GROUP BY 1
                        """)
                    for try await (batch, count) in rows.decode((Int64, Int64).self) { counts[Int(batch)] = Int(count) }
                    return counts
                }
                for batch in acked.sorted() {
                    #expect(stored[batch] == perBatch * series.count, "batch \(batch)")
                }
            }
        }
    }
}
