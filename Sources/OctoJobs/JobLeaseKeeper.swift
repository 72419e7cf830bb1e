import Foundation
import Logging
import Synchronization

/// The leases of every job a running worker holds: one task extends each lease every third of it and
/// enforces each job's deadline, instead of a watchdog task and a timer per job. A short job only
/// registers and unregisters here.
///
/// The keeper looks at its jobs every ``tick``, an eighth of the shorter of the heartbeat interval and
/// the deadline (at least 10 ms), so a heartbeat or a deadline is late by at most that much.
final class JobLeaseKeeper: Sendable {
    /// One running job.
    struct Entry: Sendable {
        var job: ClaimedJob
        var work: Task<Void, Never>
        var outcome: OneOutcome
        var lease: LeaseState
        var logger: Logger
        var nextBeat: ContinuousClock.Instant
        var end: ContinuousClock.Instant
    }

    /// Time between heartbeats of one job: a third of the lease.
    let interval: Duration
    /// Longest a handler may run.
    let deadline: Duration
    /// Time between two looks at the jobs.
    let tick: Duration
    private let state = Mutex<(entries: [Int: Entry], next: Int)>(([:], 0))

    init(lease: TimeInterval, deadline: Duration) {
        interval = Duration.milliseconds(Int64(max(0.05, lease / 3) * 1000))
        self.deadline = deadline
        tick = max(.milliseconds(10), min(interval, deadline) / 8)
    }

    /// Starts keeping a job's lease; returns the key that ``remove(_:)`` takes.
    func add(_ job: ClaimedJob, work: Task<Void, Never>, outcome: OneOutcome, lease: LeaseState, logger: Logger) -> Int {
        let now = ContinuousClock.now
        let entry = Entry(job: job, work: work, outcome: outcome, lease: lease, logger: logger, nextBeat: now + interval, end: now + deadline)
        return state.withLock { state in
            state.next += 1
            state.entries[state.next] = entry
            return state.next
        }
    }

    /// Stops keeping a job's lease (it has its outcome).
    func remove(_ key: Int) {
        _ = state.withLock { $0.entries.removeValue(forKey: key) }
    }

    /// Until cancelled: sends the heartbeats that are due (each in a task of its own, so a heartbeat
    /// that hangs cannot hold back a deadline) and fails the jobs past their deadline.
    func run(heartbeat: @escaping @Sendable (ClaimedJob) async throws -> Bool) async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: tick)
            } catch {
                return
            }
            let now = ContinuousClock.now
            let (expired, beats) = state.withLock { state -> ([Entry], [Entry]) in
                var expired: [Entry] = []
                var beats: [Entry] = []
                for (key, entry) in state.entries {
                    if now >= entry.end {
                        expired.append(entry)
                        state.entries.removeValue(forKey: key)
                    } else if now >= entry.nextBeat {
                        state.entries[key]?.nextBeat = now + interval
                        beats.append(entry)
                    }
                }
                return (expired, beats)
            }
            for entry in expired {
                entry.work.cancel()
                entry.logger.error("job passed its deadline; cancelled", metadata: ["deadline": "\(deadline)"])
                entry.outcome.resume(.failure(JobError(.backend, "the job did not finish within its deadline of \(deadline)")))
            }
            for entry in beats where entry.lease.startBeat() {
                Task {
                    defer { entry.lease.endBeat() }
                    do {
                        // A heartbeat that lands after the job's outcome was recorded finds no claim: not a loss.
                        if try await !heartbeat(entry.job), entry.lease.lose() {
                            entry.logger.warning("lease lost; another worker may run this job again")
                        }
                    } catch {
                        entry.logger.warning("heartbeat failed", metadata: ["error": "\(error)"])
                    }
                }
            }
        }
    }
}
