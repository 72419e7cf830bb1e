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
/// samples and has enabled rules. The job's dedup key collapses enqueues while one waits, and its
/// ordering key runs them one at a time, so a burst of batches costs at most one evaluation running and
/// one waiting per provider; the streaming windows make each of them read only what arrived.
public struct AlertIngestTrigger: Sendable {
    let url: DatabaseURL
    let database: Database
    let queue: any JobQueue
    let debounce: Duration
    let logger: Logger

    /// Creates the trigger; `url` is the app role's URL (as for ``EventListener``).
    public init(url: DatabaseURL, database: Database, queue: any JobQueue, debounce: Duration = .seconds(1), logger: Logger) {
        self.url = url
        self.database = database
        self.queue = queue
        self.debounce = debounce
        self.logger = logger
    }

    final class Pending: Sendable {
        let providers = Mutex<Set<UUID>>([])
        func insert(_ provider: UUID) { _ = providers.withLock { $0.insert(provider) } }
        func drain() -> Set<UUID> { providers.withLock { set in defer { set.removeAll() }; return set } }
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
                    let providers = pending.drain()
                    guard !providers.isEmpty else { return }
                    let evaluated = try await database.globalStatement(
                        "SELECT DISTINCT provider_id FROM alert_rules WHERE enabled AND provider_id = ANY(\(Array(providers)))"
                    ).map { try $0.decode(UUID.self) }
                    if !evaluated.isEmpty { _ = try await queue.enqueue(try evaluated.map(Self.job(provider:))) }
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }
}
