import Foundation
import OctoCore
@testable import OctoMetrics
import OctoStore
import OctoTestSupport
import PostgresNIO
import Testing

extension MetricsIntegrationTests {
    /// Migration 0156 converts chunks and rollups stored as arrays and rows into the codec's plain layout.
    @Suite struct CodecMigrationTests {
        @Test func rowsStoredBeforeTheCodecReadTheSameAfterItAndTakeNewSamples() async throws {
            try await TestDatabase.with { stack in
                let name = "octoisp_codec_\(UInt32.random(in: 0...UInt32.max))"
                let logger = MetricsTestLog.logger
                try await stack.connect(stack.ownerURL.with(database: "postgres")) { admin in
                    try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name) OWNER octoisp_owner"), logger: logger)
                }
                defer {
                    Task {
                        try? await stack.connect(stack.ownerURL.with(database: "postgres")) { admin in
                            try await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger)
                        }
                    }
                }
                let owner = stack.ownerURL.with(database: name)
                try await Migrator(ownerURL: owner, logger: logger).migrate(through: 155)
                let clock = stack.clock
                let database = Database(configuration: .init(app: stack.appURL.with(database: name), global: stack.globalURL.with(database: name),
                                                             maximumConnections: 4), clock: clock, logger: logger)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await database.run() }
                    defer { group.cancelAll() }
                    let provider = try await database.withGlobal { tx in try await tx.providers.create(ProviderInput(slug: "acme", name: "Acme"), by: .system) }
                    let series = try await database.withTenant(provider.id) { tx in
                        let device = try await tx.devices.create(DeviceInput(name: "olt-1"), by: .system)
                        return try await tx.metricSeries.register(MetricSeriesInput(deviceId: device.id, metric: "temperature", kind: .gauge))
                    }
                    let hour = hourStart(clock.now, minus: 2)
                    let longAgo = Date(timeIntervalSince1970: ((clock.now.timeIntervalSince1970 / 86_400).rounded(.down) - 100) * 86_400)
                    // The old layout: a chunk of three samples, its 5-minute and hourly rows, and a day long gone from raw.
                    try await stack.connect(owner) { connection in
                        try await connection.query("SELECT metrics_create_partition((\(hour)::timestamptz AT TIME ZONE 'UTC')::date)", logger: logger)
                        try await connection.query("""
                            INSERT INTO metric_chunks (provider_id, series_id, chunk_start, offsets, vals)
                            VALUES (\(provider.id), \(series.id), \(hour), '{0,60000,120000}', '{20.5,21,-3.25}')
                            """, logger: logger)
                        try await connection.query("""
                            INSERT INTO metric_rollups (provider_id, series_id, resolution, bucket, min, max, sum, count, last, last_at)
                            VALUES (\(provider.id), \(series.id), 300, \(hour), -3.25, 21, 38.25, 3, -3.25, \(hour.addingTimeInterval(120))),
                                   (\(provider.id), \(series.id), 3600, \(hour), -3.25, 21, 38.25, 3, -3.25, \(hour.addingTimeInterval(120))),
                                   (\(provider.id), \(series.id), 86400, \(longAgo), 1.5, 99.125, 7000, 1440, 42, \(longAgo.addingTimeInterval(86_399)))
                            """, logger: logger)
                    }
                    try await Migrator(ownerURL: owner, logger: logger).migrate()

                    try await database.withTenant(provider.id) { tx in
                        let reader = MetricsReader(tx: tx, retention: MetricsRetention(), now: clock.now)
                        let raw = try await reader.query(.init(seriesIds: [series.id], from: hour, to: hour.addingTimeInterval(3600), step: 60,
                                                               resolution: .raw))
                        #expect(raw.series.first?.points.map(\.last) == [20.5, 21, -3.25])
                        let five = try await MetricRollupPeriods.read(tx, series: [series.id], resolution: .fiveMinutes, from: hour,
                                                                      to: hour.addingTimeInterval(3600))
                        #expect(five[series.id] == [MetricRollup(at: hour, count: 3, min: -3.25, max: 21, sum: 38.25, last: -3.25,
                                                                 lastAt: hour.addingTimeInterval(120))])
                        let day = try await reader.query(.init(seriesIds: [series.id], from: longAgo, to: longAgo.addingTimeInterval(86_400),
                                                               step: 86_400, resolution: .day))
                        #expect(day.series.first?.points == [MetricsReader.Point(at: longAgo, min: 1.5, max: 99.125, avg: 7000.0 / 1440, sum: 7000,
                                                                                 count: 1440, last: 42, lastAt: longAgo.addingTimeInterval(86_399),
                                                                                 rate: nil)])
                    }
                    // A new sample merges into the converted chunk, which is then written in the compact layout.
                    try await withPipeline(database, clock: clock) { pipeline in
                        try await pipeline.submit([MetricSample(seriesId: series.id, at: hour.addingTimeInterval(180), value: 22)])
                    }
                    _ = try await MetricsMaintenance(database: database, clock: clock, logger: logger).runOnce()
                    try await database.withTenant(provider.id) { tx in
                        let five = try await MetricRollupPeriods.read(tx, series: [series.id], resolution: .fiveMinutes, from: hour,
                                                                      to: hour.addingTimeInterval(300))
                        #expect(five[series.id]?.first?.count == 4 && five[series.id]?.first?.last == 22)
                        let hourly = try await MetricRollupPeriods.read(tx, series: [series.id], resolution: .hour, from: hour,
                                                                        to: hour.addingTimeInterval(3600))
                        #expect(hourly[series.id]?.first?.sum == 60.25)
                        for try await (bytes) in try await tx.query("SELECT samples FROM metric_chunks").decode(ByteBuffer.self) {
                            #expect(bytes.getInteger(at: bytes.readerIndex + 5, as: UInt8.self) == 1, "offsets as differences")
                            let samples = try bytes.withUnsafeReadableBytes { try MetricCodec.decodeSamples($0) }
                            #expect(samples.values == [20.5, 21, -3.25, 22])
                        }
                    }
                }
            }
        }
    }
}
