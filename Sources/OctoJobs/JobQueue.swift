import Foundation
import OctoCore

/// The job-queue contract both drivers (PostgreSQL and Redis) implement.
///
/// Delivery is **at least once**: a claimed job holds a lease that its worker extends while it runs
/// (``heartbeat(_:lease:)``). When the lease runs out (the worker died or hung), the job becomes
/// claimable again and its attempt counts as failed. Handlers must be idempotent.
///
/// Invariants every driver keeps:
/// - a job is held by at most one live claim; ack, failure and heartbeat of a replaced claim are refused;
/// - jobs sharing an ordering key run one at a time, in enqueue order;
/// - in a shared queue each dispatch round serves the least recently served provider first;
/// - per-provider concurrency and rate limits are stored with the queue, so they hold across processes.
public protocol JobQueue: Sendable {
    /// The driver's name (`postgres`, `redis`).
    var driver: String { get }

    /// Stores a job. With a dedup key that a waiting job already has, nothing is stored and that job's
    /// id is returned.
    func enqueue(_ job: JobRequest) async throws -> EnqueueResult

    /// Stores several jobs in as few round trips as the driver allows; one result per job, in order.
    /// A default implementation enqueues one by one.
    func enqueue(_ jobs: [JobRequest]) async throws -> [EnqueueResult]

    /// Claims up to `limit` due jobs of the physical `queue` for `worker`, with a lease of `lease` seconds.
    func claim(queue: String, worker: String, lease: TimeInterval, limit: Int) async throws -> [ClaimedJob]

    /// Extends a claim's lease; `false` when the claim was lost (lease expired and the job was reclaimed).
    func heartbeat(_ job: ClaimedJob, lease: TimeInterval) async throws -> Bool

    /// Acknowledges success: the job is removed. `false` when the claim was lost.
    @discardableResult
    func complete(_ job: ClaimedJob) async throws -> Bool

    /// Acknowledges several jobs in one round trip; for each job, in order, whether its claim still held.
    /// Workers group the acks of jobs that finish close together. A default implementation acks one
    /// by one.
    func complete(_ jobs: [ClaimedJob]) async throws -> [Bool]

    /// Records a failed attempt: the job becomes ready again at `retryAt`, or dead with `retryAt == nil`.
    @discardableResult
    func fail(_ job: ClaimedJob, error: String, retryAt: Date?) async throws -> Bool

    /// Returns running jobs whose lease ran out to the ready state (or to the dead letters when that was
    /// their last attempt). Returns how many were recovered.
    @discardableResult
    func recoverExpiredLeases() async throws -> Int

    /// A provider's jobs, newest first.
    func jobs(provider: UUID, filter: JobFilter, page: PageRequest) async throws -> Page<JobRecord>

    /// Makes a dead letter ready again, with a fresh attempt budget.
    func retryDead(provider: UUID, id: UUID) async throws

    /// Deletes a dead letter.
    func discardDead(provider: UUID, id: UUID) async throws

    /// Sets a provider's concurrency and rate limits (`nil` removes them).
    func setLimits(_ limits: ProviderLimits?, provider: UUID) async throws

    /// Depth, running and dead counts and oldest due age per queue and provider.
    func stats() async throws -> [QueueStats]

    /// The physical queues that hold jobs or have held them.
    func queues() async throws -> [String]

    /// Claims the firing of schedule `name` for the period starting at `period` (seconds since the
    /// epoch); `true` for exactly one caller across every instance. A claim that is not confirmed
    /// within ``scheduleClaimLease`` seconds (its scheduler died, or building or enqueueing its jobs
    /// failed) can be claimed again, so the period still fires.
    func claimScheduleFiring(name: String, period: Int64) async throws -> Bool

    /// Confirms a claimed firing once all its jobs are enqueued: the period never fires again.
    func confirmScheduleFiring(name: String, period: Int64) async throws
}

/// Seconds after which an unconfirmed schedule claim can be claimed again.
public let scheduleClaimLease: TimeInterval = 60

extension JobQueue {
    /// Enqueues one job after another.
    public func enqueue(_ jobs: [JobRequest]) async throws -> [EnqueueResult] {
        var results: [EnqueueResult] = []
        results.reserveCapacity(jobs.count)
        for job in jobs { results.append(try await enqueue(job)) }
        return results
    }

    /// Acks one job after another.
    public func complete(_ jobs: [ClaimedJob]) async throws -> [Bool] {
        var accepted: [Bool] = []
        accepted.reserveCapacity(jobs.count)
        for job in jobs { accepted.append(try await complete(job)) }
        return accepted
    }

    /// Enqueues a typed payload.
    @discardableResult
    public func enqueue<P: JobPayload>(_ payload: P, provider: UUID, queue: String = JobQueueName.default, priority: Int = 0,
                                       runAt: Date? = nil, maxAttempts: Int = 5, dedupKey: String? = nil,
                                       orderingKey: String? = nil) async throws -> EnqueueResult {
        try await enqueue(JobRequest(payload, providerID: provider, queue: queue, priority: priority, runAt: runAt,
                                     maxAttempts: maxAttempts, dedupKey: dedupKey, orderingKey: orderingKey))
    }
}
