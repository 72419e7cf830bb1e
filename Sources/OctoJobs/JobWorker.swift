import Foundation
import Logging
import Metrics
import OctoCore
import ServiceLifecycle
import Synchronization

/// Claims jobs from one or more queues and runs them through their handlers, as a `Service`.
///
/// Each running job's lease is extended every third of the lease (heartbeat). Success acks the job
/// (acks of jobs that finish close together share one round trip);
/// a thrown error schedules a retry with the ``RetryPolicy`` until the job's attempts run out, then
/// dead-letters it. Payloads that do not decode and unknown job types are dead-lettered at once.
/// ``run()`` returns at graceful shutdown after the running jobs finish.
public final class JobWorker: Service, Sendable {
    /// How a worker runs.
    public struct Configuration: Sendable {
        /// Logical or physical queues to claim from.
        public var queues: [String]
        /// Also claim from the dedicated queues of large providers of those logical queues.
        public var includeDedicated: Bool
        /// Jobs run at once by this worker.
        public var concurrency: Int
        /// Lease length, in seconds.
        public var lease: TimeInterval
        /// Wait when no job is due.
        public var pollInterval: Duration
        /// Backoff between attempts.
        public var retry: RetryPolicy
        /// How often this worker returns expired leases to the queue.
        public var recoveryInterval: Duration
        /// Longest a handler may run (`OCTOISP_JOB_DEADLINE`, seconds): past it the handler is cancelled,
        /// its lease no longer renewed and the job fails (retried while attempts remain), which frees its
        /// ordering key, whether or not the handler notices the cancellation.
        public var deadline: Duration
        /// Fewest free slots worth a claim while jobs still run (`OCTOISP_JOB_CLAIM_BATCH`, 1 by default):
        /// a busy worker of short jobs (SNMP polls) claims many per round trip instead of one per job that
        /// ends, at the cost of up to this many slots idle a moment. With nothing running it claims at once.
        public var claimBatch: Int

        /// Creates a configuration.
        public init(queues: [String] = [JobQueueName.default], includeDedicated: Bool = true, concurrency: Int = 8,
                    lease: TimeInterval = 30, pollInterval: Duration = .milliseconds(100), retry: RetryPolicy = RetryPolicy(),
                    recoveryInterval: Duration = .seconds(1), deadline: Duration = .seconds(600), claimBatch: Int = 1) {
            self.deadline = deadline
            self.claimBatch = min(max(1, claimBatch), max(1, concurrency))
            self.queues = queues
            self.includeDedicated = includeDedicated
            self.concurrency = max(1, concurrency)
            self.lease = lease
            self.pollInterval = pollInterval
            self.retry = retry
            self.recoveryInterval = recoveryInterval
        }
    }

    /// This worker's identity in claims.
    public let id: String
    let queue: any JobQueue
    let handlers: JobHandlers
    let configuration: Configuration
    let clock: any WallClock
    let random: @Sendable () -> Double
    let logger: Logger
    private let physicalQueues: Mutex<(names: [String], next: Int, refreshed: ContinuousClock.Instant?)>

    /// Creates a worker; nothing runs until ``run()``.
    public init(queue: any JobQueue, handlers: JobHandlers, configuration: Configuration = Configuration(),
                clock: any WallClock = SystemWallClock(), id: String? = nil,
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }, logger: Logger) {
        self.id = id ?? "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().lowercased.prefix(8))"
        self.queue = queue
        self.handlers = handlers
        self.configuration = configuration
        self.clock = clock
        self.random = random
        self.logger = logger
        physicalQueues = Mutex((configuration.queues, 0, nil))
    }

    /// Runs until cancelled or graceful shutdown; then lets running jobs finish and flushes their acks.
    public func run() async throws {
        logger.info("job worker started", metadata: ["worker": "\(id)", "queues": "\(configuration.queues)"])
        let acks = JobAcknowledger()
        let leases = JobLeaseKeeper(lease: configuration.lease, deadline: configuration.deadline)
        await withDiscardingTaskGroup { group in
            group.addTask { await acks.run { batch in await self.acknowledge(batch) } }
            await withDiscardingTaskGroup { keeping in
                keeping.addTask { await leases.run { job in try await self.queue.heartbeat(job, lease: self.configuration.lease) } }
                await claimAndRun(acks: acks, leases: leases)
                // Every job finished: nothing is left to keep.
                keeping.cancelAll()
            }
            acks.finish()
        }
        logger.info("job worker stopped", metadata: ["worker": "\(id)"])
    }

    /// The claim loop: claims as many jobs as there are free slots and runs each in a child task;
    /// returns once cancelled or shutting down and every running job finished.
    ///
    /// While claims come back full (a deep queue), a claim takes at most half the slots and a second
    /// claim starts once a quarter of them are free, so one claim's jobs run while the next claim is on
    /// its way: a busy worker of short jobs then keeps its queue server busy instead of leaving the
    /// slots idle for a whole round trip. Once a claim comes back short (the queue ran dry), one claim
    /// at a time polls again, for every free slot.
    func claimAndRun(acks: JobAcknowledger, leases: JobLeaseKeeper) async {
        let (freed, freedContinuation) = AsyncStream<Void>.makeStream()
        let slots = WorkerSlots()
        let concurrency = configuration.concurrency, claimBatch = configuration.claimBatch
        var lastRecovery = ContinuousClock.now - configuration.recoveryInterval
        await withDiscardingTaskGroup { group in
            var freedSignals = freed.makeAsyncIterator()
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                if ContinuousClock.now - lastRecovery >= configuration.recoveryInterval {
                    lastRecovery = .now
                    await recover()
                }
                var free = slots.reserve(concurrency: concurrency, claimBatch: claimBatch)
                while free == 0 {
                    guard await freedSignals.next() != nil else { break }
                    free = slots.reserve(concurrency: concurrency, claimBatch: claimBatch)
                }
                if free == 0 { break }
                let reserved = free
                group.addTask {
                    var claimed: [ClaimedJob] = []
                    do {
                        claimed = try await self.claimNext(limit: reserved)
                        if claimed.isEmpty { try? await Task.sleep(for: self.configuration.pollInterval) }
                    } catch {
                        self.logger.warning("claim failed", metadata: ["error": "\(error)"])
                        try? await Task.sleep(for: self.configuration.pollInterval * 5)
                    }
                    slots.claimed(claimed.count, of: reserved)
                    freedContinuation.yield()
                    await withDiscardingTaskGroup { jobs in
                        for job in claimed {
                            jobs.addTask {
                                await self.execute(job, acks: acks, leases: leases)
                                slots.finished()
                                freedContinuation.yield()
                            }
                        }
                    }
                }
            }
        }
        freedContinuation.finish()
    }

    /// Claims one batch (up to `limit` jobs) from the next queue that has due jobs and runs it to
    /// completion. Returns how many jobs ran. For tests and tools that step the worker by hand.
    @discardableResult
    public func runOnce(limit: Int? = nil) async throws -> Int {
        let jobs = try await claimNext(limit: limit ?? configuration.concurrency)
        await withDiscardingTaskGroup { group in
            for job in jobs { group.addTask { await self.execute(job) } }
        }
        return jobs.count
    }

    /// Claims from the queues in turn, starting after the one served last.
    func claimNext(limit: Int) async throws -> [ClaimedJob] {
        let names = try await currentQueues()
        let start = physicalQueues.withLock { state in
            state.next = (state.next + 1) % max(1, names.count)
            return state.next
        }
        for offset in 0..<names.count {
            let name = names[(start + offset) % names.count]
            let jobs = try await queue.claim(queue: name, worker: id, lease: configuration.lease, limit: limit)
            if !jobs.isEmpty { return jobs }
        }
        return []
    }

    /// The physical queues: the configured ones plus, when asked, the dedicated queues of large
    /// providers (refreshed every few seconds).
    func currentQueues() async throws -> [String] {
        guard configuration.includeDedicated else { return configuration.queues }
        let due = physicalQueues.withLock { state in state.refreshed.map { ContinuousClock.now - $0 > .seconds(5) } ?? true }
        if due {
            let logical = Set(configuration.queues)
            let dedicated = try await queue.queues().filter { $0.contains("@") && logical.contains(JobQueueName.logical($0)) }
            let names = configuration.queues + dedicated.filter { !configuration.queues.contains($0) }.sorted()
            physicalQueues.withLock { $0.names = names; $0.refreshed = .now }
            return names
        }
        return physicalQueues.withLock { $0.names }
    }

    func recover() async {
        do {
            let recovered = try await queue.recoverExpiredLeases()
            if recovered > 0 { logger.notice("recovered jobs with expired leases", metadata: ["count": "\(recovered)"]) }
        } catch {
            logger.warning("lease recovery failed", metadata: ["error": "\(error)"])
        }
    }
}

/// A worker's slots: jobs running, slots held by claims in flight, and whether the last claim found
/// as many jobs as it asked for.
final class WorkerSlots: Sendable {
    private let state = Mutex<(running: Int, reserved: Int, claims: Int, full: Bool)>((0, 0, 0, false))

    /// Reserves free slots for a claim and returns how many (0 when no claim should start now): none
    /// while fewer than `claimBatch` are free and jobs run; while a claim is in flight, none unless the
    /// last one came back full and a quarter of the slots (at least `claimBatch`) are free. After a
    /// full claim, at most half the slots, so that two claims overlap.
    func reserve(concurrency: Int, claimBatch: Int) -> Int {
        state.withLock { state in
            let free = concurrency - state.running - state.reserved
            guard free > 0, free >= claimBatch || state.running == 0,
                  state.claims == 0 || (state.full && free >= max(claimBatch, concurrency / 4)) else { return 0 }
            let take = state.full ? min(free, max(1, concurrency / 2)) : free
            state.reserved += take
            state.claims += 1
            return take
        }
    }

    /// A claim that reserved `reserved` slots came back with `count` jobs, which now run.
    func claimed(_ count: Int, of reserved: Int) {
        state.withLock { state in
            state.reserved -= reserved
            state.running += count
            state.claims -= 1
            state.full = count == reserved
        }
    }

    /// A job finished.
    func finished() {
        state.withLock { $0.running -= 1 }
    }
}
