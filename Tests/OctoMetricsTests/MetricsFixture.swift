import Foundation
import Logging
import OctoCore
import OctoMetrics
import OctoStore
import OctoTestSupport
import Testing

/// A provider with one device, and helpers to register series and run the pipeline.
struct MetricsFixture: Sendable {
    let stack: TestStack
    let provider: UUID
    let device: UUID

    static func make(_ stack: TestStack, slug: String = "acme") async throws -> MetricsFixture {
        let provider = try await stack.makeProvider(slug)
        let device = try await stack.database.withTenant(provider.id) { tx in
            try await tx.devices.create(DeviceInput(name: "router-\(slug)"), by: .system)
        }
        return MetricsFixture(stack: stack, provider: provider.id, device: device.id)
    }

    func series(_ metric: String, kind: MetricKind = .gauge, labels: [String: String] = [:], bits: Int = 64,
                maxRate: Double? = nil) async throws -> MetricSeries {
        try await stack.database.withTenant(provider) { tx in
            try await tx.metricSeries.register(MetricSeriesInput(deviceId: device, metric: metric, labels: labels,
                                                                 kind: kind, counterBits: bits, maxRate: maxRate))
        }
    }

    func reader<T: Sendable>(_ retention: MetricsRetention = MetricsRetention(),
                             _ body: @Sendable (MetricsReader) async throws -> T) async throws -> T {
        try await stack.database.withTenant(provider) { tx in
            try await body(MetricsReader(tx: tx, retention: retention, now: stack.clock.now))
        }
    }

    func maintenance(_ retention: MetricsRetention = MetricsRetention()) -> MetricsMaintenance {
        MetricsMaintenance(database: stack.database, retention: retention, clock: stack.clock, logger: MetricsTestLog.logger)
    }
}

enum MetricsTestLog {
    static var logger: Logger {
        var logger = Logger(label: "metrics-test")
        logger.logLevel = .warning
        return logger
    }
}

/// Runs `body` with a started pipeline; closes it and waits for the writers afterwards.
func withPipeline<T: Sendable>(_ database: Database, clock: any WallClock,
                               configuration: MetricsIngestPipeline.Configuration = .init(),
                               _ body: @Sendable (MetricsIngestPipeline) async throws -> T) async throws -> T {
    let pipeline = MetricsIngestPipeline(database: database, configuration: configuration, clock: clock, logger: MetricsTestLog.logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await pipeline.writers() }
        do {
            let result = try await body(pipeline)
            pipeline.close()
            try await group.waitForAll()
            return result
        } catch {
            pipeline.close()
            try? await group.waitForAll()
            throw error
        }
    }
}

/// The start of the hour containing `date`, minus `hours`.
func hourStart(_ date: Date, minus hours: Int = 0) -> Date {
    Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 3600).rounded(.down) * 3600 - Double(hours) * 3600)
}

/// The suites that need PostgreSQL, run one at a time: each builds a database and they share two cores.
@Suite(.serialized) struct MetricsIntegrationTests {}
