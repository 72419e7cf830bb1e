import Foundation
import OctoCore
import Logging
import Metrics
import ServiceLifecycle

/// Publishes queue depth, running jobs, dead letters and oldest due age per queue and provider as
/// gauges, every `interval`.
public struct JobStatsReporter: Service {
    let queue: any JobQueue
    let interval: Duration
    let logger: Logger

    /// Creates a reporter.
    public init(queue: any JobQueue, interval: Duration = .seconds(10), logger: Logger) {
        self.queue = queue
        self.interval = interval
        self.logger = logger
    }

    /// Reports until graceful shutdown.
    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await report()
            } catch {
                logger.warning("job stats failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// Reads the stats once and sets the gauges.
    public func report() async throws {
        for stats in try await queue.stats() {
            let dimensions = [("queue", stats.queue), ("provider", stats.providerId.lowercased), ("driver", queue.driver)]
            Gauge(label: "octoisp_jobs_queue_depth", dimensions: dimensions).record(stats.ready)
            Gauge(label: "octoisp_jobs_running", dimensions: dimensions).record(stats.running)
            Gauge(label: "octoisp_jobs_dead_letters", dimensions: dimensions).record(stats.dead)
            Gauge(label: "octoisp_jobs_oldest_age_seconds", dimensions: dimensions).record(stats.oldestAgeSeconds)
        }
    }
}
