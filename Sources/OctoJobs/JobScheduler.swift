import Foundation
import Logging
import OctoCore
import OctoStore
import ServiceLifecycle

/// Fires ``RecurringSchedule``s: every instance runs one, and the queue's per-period claim makes each
/// period fire once across all of them. A claim is confirmed after its jobs are enqueued; one left
/// unconfirmed (the process died between the two, or the jobs could not be built or enqueued) is taken
/// again after ``scheduleClaimLease`` seconds, so a period is not lost; jobs enqueued before the failure
/// may then be enqueued twice unless they carry a dedup key.
public struct JobScheduler: Service {
    let queue: any JobQueue
    let schedules: [RecurringSchedule]
    let clock: any WallClock
    let tick: Duration
    let logger: Logger

    /// Creates a scheduler that checks the schedules every `tick`.
    public init(queue: any JobQueue, schedules: [RecurringSchedule], clock: any WallClock = SystemWallClock(),
                tick: Duration = .seconds(1), logger: Logger) {
        self.queue = queue
        self.schedules = schedules
        self.clock = clock
        self.tick = tick
        self.logger = logger
    }

    /// Checks the schedules until graceful shutdown.
    public func run() async throws {
        // fireDue logs each schedule's failure itself.
        await repeatUntilShutdown(every: tick, logger: logger, failure: "schedules not checked") { _ = await fireDue() }
    }

    /// Fires every schedule whose current period nobody has fired yet; returns the names fired here.
    public func fireDue() async -> [String] {
        var fired: [String] = []
        let now = clock.now
        for schedule in schedules {
            let period = schedule.period(containing: now)
            do {
                guard try await queue.claimScheduleFiring(name: schedule.name, period: period) else { continue }
                for job in try await schedule.jobs(Date(timeIntervalSince1970: TimeInterval(period))) {
                    _ = try await queue.enqueue(job)
                }
                try await queue.confirmScheduleFiring(name: schedule.name, period: period)
                fired.append(schedule.name)
                logger.info("schedule fired", metadata: ["schedule": "\(schedule.name)", "period": "\(period)"])
            } catch {
                logger.error("schedule failed", metadata: ["schedule": "\(schedule.name)", "error": "\(error)"])
            }
        }
        return fired
    }
}
