import Foundation
import OctoCore

/// A job's payload type: a Codable value that names the handler that runs it.
///
/// Handlers run **at least once**: a job whose worker died, or whose ack was lost, runs again. Every
/// handler must therefore be idempotent (writing the same result twice must be harmless).
public protocol JobPayload: Codable, Sendable {
    /// The stable name that routes the job to its handler, e.g. `snmp.poll`.
    static var jobType: String { get }
}

/// The lifecycle state of a stored job.
public enum JobState: String, Sendable, Codable, CaseIterable {
    /// Waiting to be claimed (possibly not before its `runAt`).
    case ready
    /// Claimed by a worker that holds its lease.
    case running
    /// Gave up after its last attempt (or its payload could not be decoded); kept for inspection.
    case dead
}

/// One failed attempt of a job, kept in its history.
public struct JobAttempt: Sendable, Codable, Hashable {
    /// The attempt number, from 1.
    public var attempt: Int
    /// When the attempt failed.
    public var at: Date
    /// Why it failed.
    public var error: String

    /// Creates an attempt record.
    public init(attempt: Int, at: Date, error: String) {
        self.attempt = attempt
        self.at = at
        self.error = error
    }
}

/// What to enqueue: the envelope of a job, with its payload already encoded.
public struct JobRequest: Sendable {
    /// The job's id; chosen by the caller so it can be referenced before the job runs.
    public var id: UUID
    /// The provider (tenant) the job belongs to.
    public var providerID: UUID
    /// The logical queue (`default`, `snmp`…). Large providers' jobs go to a dedicated physical queue.
    public var queue: String
    /// The handler's job type.
    public var type: String
    /// The encoded payload (JSON for typed jobs).
    public var payload: Data
    /// Higher runs first among ready jobs of the same provider.
    public var priority: Int
    /// Not before this instant; `nil` means now.
    public var runAt: Date?
    /// Attempts before the job is dead-lettered (at least 1).
    public var maxAttempts: Int
    /// Collapses enqueues with the same key while a job with it waits to start.
    public var dedupKey: String?
    /// Jobs sharing an ordering key run one at a time, in enqueue order.
    public var orderingKey: String?
    /// The id is remembered (a week on Redis) and a second enqueue of it stores nothing: set on jobs
    /// pushed from the job outbox, which may push a row twice (after commit, and again by the sweeper).
    public var once = false

    /// Creates a request from an encoded payload.
    public init(id: UUID = UUID(), providerID: UUID, queue: String = JobQueueName.default, type: String, payload: Data,
                priority: Int = 0, runAt: Date? = nil, maxAttempts: Int = 5, dedupKey: String? = nil, orderingKey: String? = nil) {
        self.id = id
        self.providerID = providerID
        self.queue = queue
        self.type = type
        self.payload = payload
        self.priority = priority
        self.runAt = runAt
        self.maxAttempts = maxAttempts
        self.dedupKey = dedupKey
        self.orderingKey = orderingKey
    }

    /// Creates a request for a typed payload, encoded as JSON; inside an API request the payload also
    /// carries the request's id (``RequestTrace``).
    public init<P: JobPayload>(_ payload: P, id: UUID = UUID(), providerID: UUID, queue: String = JobQueueName.default,
                               priority: Int = 0, runAt: Date? = nil, maxAttempts: Int = 5, dedupKey: String? = nil,
                               orderingKey: String? = nil) throws {
        var encoded = try JSONEncoder().encode(payload)
        // Work that descends from an API request carries its id (see ``RequestTrace``).
        if let requestId = RequestTrace.requestId { encoded = RequestTrace.stamp(encoded, requestId: requestId) }
        self.init(id: id, providerID: providerID, queue: queue, type: P.jobType, payload: encoded,
                  priority: priority, runAt: runAt, maxAttempts: maxAttempts, dedupKey: dedupKey, orderingKey: orderingKey)
    }

    /// Checks the envelope's rules.
    public func validate() throws(JobError) {
        guard maxAttempts >= 1 else { throw JobError(.invalidJob, "maxAttempts must be at least 1", ["job.id": id.lowercased]) }
        guard JobQueueName.isValid(queue) else { throw JobError(.invalidJob, "queue names are 1–64 of a-z 0-9 . _ -", ["queue": queue]) }
        guard !type.isEmpty, type.utf8.count <= 128 else { throw JobError(.invalidJob, "job type must be 1–128 bytes", ["type": type]) }
        guard (-1000...1000).contains(priority) else { throw JobError(.invalidJob, "priority must be within -1000…1000", ["job.id": id.lowercased]) }
    }
}

/// The result of an enqueue.
public enum EnqueueResult: Sendable, Hashable {
    /// A new job was stored.
    case enqueued(UUID)
    /// A job with the same dedup key was waiting; its id.
    case duplicate(UUID)

    /// The id of the job that will run.
    public var id: UUID {
        switch self {
        case .enqueued(let id), .duplicate(let id): id
        }
    }
}

/// A job a worker holds under a lease.
public struct ClaimedJob: Sendable, Hashable {
    /// The job's id.
    public var id: UUID
    /// Its provider.
    public var providerID: UUID
    /// The physical queue it was claimed from.
    public var queue: String
    /// The handler's job type.
    public var type: String
    /// The encoded payload.
    public var payload: Data
    /// This attempt's number, from 1.
    public var attempt: Int
    /// Attempts allowed in all.
    public var maxAttempts: Int
    /// Its ordering key, if any.
    public var orderingKey: String?
    /// Identifies this claim; ack, failure and heartbeat are refused once another claim replaced it.
    public var leaseToken: UUID
    /// When the lease ends unless extended.
    public var leaseUntil: Date
    /// Failed attempts so far.
    public var history: [JobAttempt]

    /// Creates a claimed job (drivers only).
    public init(id: UUID, providerID: UUID, queue: String, type: String, payload: Data, attempt: Int, maxAttempts: Int,
                orderingKey: String?, leaseToken: UUID, leaseUntil: Date, history: [JobAttempt]) {
        self.id = id
        self.providerID = providerID
        self.queue = queue
        self.type = type
        self.payload = payload
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.orderingKey = orderingKey
        self.leaseToken = leaseToken
        self.leaseUntil = leaseUntil
        self.history = history
    }
}

/// A stored job as the API and CLI show it (its payload is not included).
public struct JobRecord: Sendable, Codable, Hashable {
    /// The job's id.
    public var id: UUID
    /// Its provider.
    public var providerId: UUID
    /// Its physical queue.
    public var queue: String
    /// The handler's job type.
    public var type: String
    /// Its state.
    public var state: JobState
    /// Its priority.
    public var priority: Int
    /// Not before this instant.
    public var runAt: Date
    /// Attempts made so far.
    public var attempts: Int
    /// Attempts allowed.
    public var maxAttempts: Int
    /// Its dedup key.
    public var dedupKey: String?
    /// Its ordering key.
    public var orderingKey: String?
    /// The last failure.
    public var lastError: String?
    /// Every failed attempt.
    public var history: [JobAttempt]
    /// When it was enqueued.
    public var createdAt: Date

    /// Creates a record (drivers only).
    public init(id: UUID, providerId: UUID, queue: String, type: String, state: JobState, priority: Int, runAt: Date,
                attempts: Int, maxAttempts: Int, dedupKey: String?, orderingKey: String?, lastError: String?,
                history: [JobAttempt], createdAt: Date) {
        self.id = id
        self.providerId = providerId
        self.queue = queue
        self.type = type
        self.state = state
        self.priority = priority
        self.runAt = runAt
        self.attempts = attempts
        self.maxAttempts = maxAttempts
        self.dedupKey = dedupKey
        self.orderingKey = orderingKey
        self.lastError = lastError
        self.history = history
        self.createdAt = createdAt
    }
}

/// Filters of a job listing.
public struct JobFilter: Sendable, Hashable {
    /// Only jobs in this state.
    public var state: JobState?
    /// Only jobs of this type.
    public var type: String?
    /// Only jobs of this physical queue.
    public var queue: String?
    /// Order (``JobFilter/sortKeys``); newest first when `nil`.
    public var sort: ListSort?

    /// The keys `sort=` accepts on job lists.
    public static let sortKeys = ["created_at", "run_at", "priority", "attempts", "type", "state"]

    /// Creates a filter.
    public init(state: JobState? = nil, type: String? = nil, queue: String? = nil, sort: ListSort? = nil) {
        self.sort = sort
        self.state = state
        self.type = type
        self.queue = queue
    }
}

/// Depth and age of one queue for one provider.
public struct QueueStats: Sendable, Codable, Hashable {
    /// The physical queue.
    public var queue: String
    /// The provider.
    public var providerId: UUID
    /// Ready jobs (due or not).
    public var ready: Int
    /// Running jobs.
    public var running: Int
    /// Dead letters.
    public var dead: Int
    /// Seconds since the oldest due ready job became due; 0 when none.
    public var oldestAgeSeconds: Double

    /// Creates stats.
    public init(queue: String, providerId: UUID, ready: Int, running: Int, dead: Int, oldestAgeSeconds: Double) {
        self.queue = queue
        self.providerId = providerId
        self.ready = ready
        self.running = running
        self.dead = dead
        self.oldestAgeSeconds = oldestAgeSeconds
    }
}

/// Per-provider limits that hold across every worker process.
public struct ProviderLimits: Sendable, Codable, Hashable {
    /// At most this many of the provider's jobs run at once; `nil` for no limit.
    public var maxConcurrency: Int?
    /// Jobs started per second (token bucket refill); `nil` for no limit.
    public var ratePerSecond: Double?
    /// Bucket size: starts allowed in a burst.
    public var burst: Double

    /// Creates limits.
    public init(maxConcurrency: Int? = nil, ratePerSecond: Double? = nil, burst: Double = 1) {
        self.maxConcurrency = maxConcurrency
        self.ratePerSecond = ratePerSecond
        self.burst = max(1, burst)
    }
}
