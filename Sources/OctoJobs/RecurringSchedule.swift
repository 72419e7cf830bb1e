import Foundation

/// A job that fires once per period across every worker instance (poll cycles, rollups, reports).
///
/// Periods are aligned to the epoch plus `offset`: with `every: 300, offset: 60` it fires at 00:01,
/// 00:06, 00:11… Each period is claimed in the queue (``JobQueue/claimScheduleFiring(name:period:)``),
/// so however many instances run the scheduler, one of them enqueues.
public struct RecurringSchedule: Sendable {
    /// A stable name; the claim key.
    public var name: String
    /// The period, in seconds.
    public var every: Int64
    /// Shift of the period boundaries from the epoch, in seconds.
    public var offset: Int64
    /// Builds the jobs of one firing, given the period's start.
    public var jobs: @Sendable (Date) async throws -> [JobRequest]

    /// Creates a schedule.
    public init(name: String, every: Int64, offset: Int64 = 0, jobs: @escaping @Sendable (Date) async throws -> [JobRequest]) {
        precondition(every > 0, "a schedule's period must be positive")
        self.name = name
        self.every = every
        self.offset = offset
        self.jobs = jobs
    }

    /// The start (seconds since the epoch) of the period that contains `date`.
    public func period(containing date: Date) -> Int64 {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down)) - offset
        let start = seconds >= 0 ? seconds / every * every : ((seconds - every + 1) / every) * every
        return start + offset
    }
}
