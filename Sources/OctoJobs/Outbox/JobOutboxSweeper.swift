import Foundation
import Logging
import OctoStore
import ServiceLifecycle

/// Pushes job-outbox rows left behind after their commit (see ``JobOutbox``), every `interval`, until
/// shutdown. Runs with the worker role when the job queue is not PostgreSQL; several processes may
/// run it (rows are claimed with `SKIP LOCKED`).
public struct JobOutboxSweeper: Service {
    let queue: any JobQueue
    let database: Database
    let interval: Duration
    let grace: TimeInterval
    let logger: Logger

    /// Creates the sweeper; rows younger than `grace` seconds are left to the push after their commit.
    public init(queue: any JobQueue, database: Database, interval: Duration = .seconds(5), grace: TimeInterval = 10, logger: Logger) {
        self.queue = queue
        self.database = database
        self.interval = interval
        self.grace = grace
        self.logger = logger
    }

    /// Drains until shutdown; a failed round is logged at error level and retried next round.
    public func run() async throws {
        await repeatUntilShutdown(every: interval, logger: logger, failure: "job outbox not drained") {
            let drained = try await JobOutbox.drain(queue, database: database, grace: grace)
            if drained > 0 { logger.notice("job outbox drained", metadata: ["jobs": "\(drained)"]) }
        }
    }
}
