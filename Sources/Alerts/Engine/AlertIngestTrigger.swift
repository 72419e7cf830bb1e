import Foundation
import Logging
import OctoCore
import OctoJobs
import OctoMetrics
import OctoStore
import PostgresNIO
import Synchronization

/// Evaluates a provider soon after its samples are stored, not only on the schedule: listens to the
/// ingest's per-batch events (topic ``MetricsIngestPipeline/batchTopic``, published when the ingest
/// publishes live) and, every `debounce`, enqueues one ``AlertEvaluationJob`` per provider that received
/// samples and has enabled rules — but not sooner than `gap` after the previous one it enqueued for that
/// provider: an evaluation has a fixed cost (the state rules' scans, about thirty statements), so a
/// provider whose samples arrive every second would otherwise be evaluated every second. A sample then
/// waits at most about `gap` + `debounce` for its evaluation. The job's dedup key collapses enqueues
/// while one waits, and its ordering key runs them one at a time, so a burst of batches costs at most
/// one evaluation running and one waiting per provider; the streaming windows make each of them read
/// only what arrived.
public struct AlertIngestTrigger: Sendable {
    let url: DatabaseURL
    let database: Database
    let queue: any JobQueue
    let debounce: Duration
    let gap: Duration
    let logger: Logger

    /// Creates the trigger; `url` is the app role's URL (as for ``EventListener``).
    public init(url: DatabaseURL, database: Database, queue: any JobQueue, debounce: Duration = .seconds(1), gap: Duration = .seconds(3),
                logger: Logger) {
        self.url = url
        self.database = database
        self.queue = queue
        self.debounce = debounce
        self.gap = gap
        self.logger = logger
    }

    /// `OCTOISP_ALERTS_ON_INGEST_GAP`: seconds between two evaluations of a provider the trigger enqueues (3).
    public static func gap(environment: [String: String]) -> Duration {
        .milliseconds(Int64((environment["OCTOISP_ALERTS_ON_INGEST_GAP"].flatMap(Double.init) ?? 3) * 1000))
    }

    /// The providers that received samples, and when each was last enqueued.
    final class Pending: Sendable {
        struct State {
            var providers: Set<UUID> = []
            var enqueued: [UUID: ContinuousClock.Instant] = [:]
        }

        let state = Mutex(State())
        func insert(_ provider: UUID) { _ = state.withLock { $0.providers.insert(provider) } }

        /// The providers due at `now` (none enqueued within `gap`), taken out and stamped; the others wait.
        func due(at now: ContinuousClock.Instant, gap: Duration) -> [UUID] {
            state.withLock { state in
                let due = state.providers.filter { state.enqueued[$0].map { now - $0 >= gap } ?? true }
                for provider in due {
                    state.providers.remove(provider)
                    state.enqueued[provider] = now
                }
                return Array(due)
            }
        }
    }

    /// The job for a provider's evaluation triggered by its samples.
    public static func job(provider: UUID) throws -> JobRequest {
        try JobRequest(AlertEvaluationJob(period: 0), providerID: provider, priority: 5, maxAttempts: 2,
                       dedupKey: "alerts.evaluate:ingest", orderingKey: "alerts:\(provider.lowercased)")
    }

    /// Listens and enqueues until cancelled (the `alerts` role runs it as a service).
    public func run() async throws {
        let pending = Pending()
        let listener = EventListener(url: url, logger: logger) { event in
            if event.topic == MetricsIngestPipeline.batchTopic { pending.insert(event.providerId) }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await listener.run() }
            group.addTask {
                await repeatUntilShutdown(every: debounce, logger: logger, failure: "alert evaluation not triggered", level: .warning) {
                    let providers = pending.due(at: .now, gap: gap)
                    guard !providers.isEmpty else { return }
                    let evaluated = try await database.globalStatement(
                        "SELECT DISTINCT provider_id FROM alert_rules WHERE enabled AND provider_id = ANY(\(providers))"
                    ).map { try $0.decode(UUID.self) }
                    if !evaluated.isEmpty { _ = try await queue.enqueue(try evaluated.map(Self.job(provider:))) }
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }
}
