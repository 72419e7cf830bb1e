import Foundation
import Logging
import Monitoring
import OctoCore
import OctoJobs
import OctoMetrics
import OctoStore
import ServiceLifecycle
import SNMP

/// The services of an SNMP poller: its SNMP socket, the ingest pipeline and the job worker for `queues`.
struct PollerServices {
    let services: [any Service]
    let polling: SNMPPollService

    /// Builds them. `OCTOISP_SNMP_CONCURRENCY` (default 64) polls run at once; `OCTOISP_SNMP_LEASE`
    /// (seconds, default 60) is how long a dead poller's jobs wait before another takes them;
    /// `OCTOISP_SNMP_CLAIM_BATCH` (default an eighth of the concurrency) free slots are worth a claim.
    static func make(environment: Environment, database: Database, jobs: any JobQueue, queues: [String], clock: any WallClock,
                     logger: Logger) async throws -> PollerServices {
        let client = try await SNMPClient.start()
        let pipeline = MetricsIngestPipeline(database: database, clock: clock, logger: logger)
        let polling = SNMPPollService(database: database, queue: jobs, poller: SNMPDevicePoller(client: client, catalog: try ProfileCatalog.bundled()),
                                      secrets: try environment.secretBox(), pipeline: pipeline,
                                      settings: PollSettings(environment: environment.values), deny: environment.toolDenyPolicy(),
                                      clock: clock, logger: logger)
        var handlers = JobHandlers()
        polling.register(in: &handlers)
        var configuration = JobWorker.Configuration(
            queues: queues, includeDedicated: false,
            concurrency: environment.values["OCTOISP_SNMP_CONCURRENCY"].flatMap(Int.init) ?? 64,
            lease: environment.values["OCTOISP_SNMP_LEASE"].flatMap(Double.init) ?? 60,
            retry: RetryPolicy())
        // Polls are short: claim them several at a time rather than one per poll that ends.
        configuration.claimBatch = min(configuration.concurrency,
                                       environment.values["OCTOISP_SNMP_CLAIM_BATCH"].flatMap(Int.init) ?? max(1, configuration.concurrency / 8))
        let worker = JobWorker(queue: jobs, handlers: handlers, configuration: configuration, clock: clock, logger: logger)
        return PollerServices(services: [SNMPClientService(client: client), pipeline, worker], polling: polling)
    }
}

/// Keeps the SNMP client's socket open until graceful shutdown.
struct SNMPClientService: Service {
    let client: SNMPClient

    func run() async throws {
        try? await gracefulShutdown()
        await client.close()
    }
}
