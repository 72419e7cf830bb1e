import Foundation
import Logging
import OctoCore
import OctoJobs
import OctoStore
import PostgresNIO

extension Environment {
    /// The job queue: Redis when `REDIS_URL` is set (keys under `OCTOISP_REDIS_PREFIX`, default
    /// `octoisp:jobs`), PostgreSQL otherwise.
    func jobQueue(database: Database, clock: any WallClock, logger: Logger) throws -> any JobQueue {
        guard let text = values["REDIS_URL"], !text.isEmpty else {
            return PostgresJobQueue(database: database, clock: clock, logger: logger)
        }
        let url: RedisURL
        do {
            url = try RedisURL(text)
        } catch {
            throw ConfigurationError("REDIS_URL: \(error.message)")
        }
        return RedisJobQueue(client: RedisClient(url: url, connections: values["OCTOISP_REDIS_POOL"].flatMap(Int.init) ?? 4, logger: logger),
                             prefix: values["OCTOISP_REDIS_PREFIX"].flatMap { $0.isEmpty ? nil : $0 } ?? "octoisp:jobs",
                             clock: clock, isLarge: { provider in
                                 try await database.withGlobal { tx in
                                     for try await large in try await tx.query("SELECT large FROM providers WHERE id = \(provider)").decode(Bool.self) {
                                         return large
                                     }
                                     return false
                                 }
                             }, logger: logger)
    }

    /// Worker settings: `OCTOISP_JOB_QUEUES` (comma-separated, default `default`), `OCTOISP_JOB_CONCURRENCY`
    /// (default 8), `OCTOISP_JOB_DEDICATED` (`false` to leave large providers' queues to their own workers) and
    /// `OCTOISP_JOB_LEASE` (seconds, default 30: how long the jobs of a worker that died wait before another takes them),
    /// `OCTOISP_JOB_DEADLINE` (seconds a handler may run, default 600).
    func workerConfiguration() -> JobWorker.Configuration {
        let queues = (values["OCTOISP_JOB_QUEUES"] ?? JobQueueName.default).split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var configuration = JobWorker.Configuration(queues: queues.isEmpty ? [JobQueueName.default] : queues,
                                                    includeDedicated: values["OCTOISP_JOB_DEDICATED"] != "false",
                                                    concurrency: values["OCTOISP_JOB_CONCURRENCY"].flatMap(Int.init) ?? 8,
                                                    lease: values["OCTOISP_JOB_LEASE"].flatMap(Double.init).flatMap { $0 > 0 ? $0 : nil } ?? 30)
        if let seconds = values["OCTOISP_JOB_DEADLINE"].flatMap(Double.init), seconds > 0 {
            configuration.deadline = .milliseconds(Int64(seconds * 1000))
        }
        if let batch = values["OCTOISP_JOB_CLAIM_BATCH"].flatMap(Int.init), batch > 0 {
            configuration.claimBatch = min(batch, configuration.concurrency)
        }
        return configuration
    }
}
