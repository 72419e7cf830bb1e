import Foundation
import OctoCore
import OctoStore
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Publishes, every `interval`, the ready (due or not) and running jobs, the dead letters and the age
/// of the oldest due job per queue as gauges (`octoisp_jobs_queue_depth`, `octoisp_jobs_running`,
/// `octoisp_jobs_dead_letters`, `octoisp_jobs_oldest_age_seconds`, labels `queue` and `driver`).
///
/// The queue label is the logical queue (``JobMetrics/queueLabel(_:)``: no provider or POP id), summed
/// over providers. A queue that empties is reported at 0, never left at its last value, and the
/// `queues` given (the worker's) are reported from the start, so the series exist before any job does.
public struct JobStatsReporter: Service {
    let queue: any JobQueue
    let interval: Duration
    let logger: Logger
    let known: KnownQueues

    /// Creates a reporter.
    public init(queue: any JobQueue, queues: [String] = [], interval: Duration = .seconds(10), logger: Logger) {
        self.queue = queue
        self.interval = interval
        self.logger = logger
        self.known = KnownQueues(Set(queues.map(JobMetrics.queueLabel)))
    }

    /// Reports until graceful shutdown.
    public func run() async throws {
        await repeatUntilShutdown(every: interval, logger: logger, failure: "job stats failed", level: .warning) {
            try await report()
        }
    }

    /// Reads the stats once and sets the gauges.
    public func report() async throws {
        var totals: [String: (ready: Int, running: Int, dead: Int, age: Double)] = [:]
        for stats in try await queue.stats() {
            let label = JobMetrics.queueLabel(stats.queue)
            var total = totals[label] ?? (0, 0, 0, 0)
            total.ready += stats.ready
            total.running += stats.running
            total.dead += stats.dead
            total.age = max(total.age, stats.oldestAgeSeconds)
            totals[label] = total
        }
        let queues = known.names.withLock { known in
            known.formUnion(totals.keys)
            return known
        }
        for label in queues {
            let total = totals[label] ?? (0, 0, 0, 0)
            let dimensions = [("queue", label), ("driver", queue.driver)]
            Gauge(label: "octoisp_jobs_queue_depth", dimensions: dimensions).record(total.ready)
            Gauge(label: "octoisp_jobs_running", dimensions: dimensions).record(total.running)
            Gauge(label: "octoisp_jobs_dead_letters", dimensions: dimensions).record(total.dead)
            Gauge(label: "octoisp_jobs_oldest_age_seconds", dimensions: dimensions).record(total.age)
        }
    }
}

/// The queues a reporter has reported, shared by its copies.
final class KnownQueues: Sendable {
    let names: Mutex<Set<String>>
    init(_ names: Set<String>) { self.names = Mutex(names) }
}
