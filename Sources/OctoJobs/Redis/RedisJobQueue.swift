import Foundation
import Logging
import NIOCore
import OctoCore

/// The Redis driver: every state change is one Lua script (EVALSHA, falling back to EVAL), so claims,
/// acks and failures are atomic however many worker processes share the server.
///
/// Durability follows the server's persistence settings: run Redis with `appendonly yes` so that a
/// restart loses nothing. Time comes from the injected clock.
public struct RedisJobQueue: JobQueue {
    /// `redis`.
    public var driver: String { "redis" }
    let client: RedisClient
    let prefix: String
    let clock: any WallClock
    let isLarge: @Sendable (UUID) async throws -> Bool
    let logger: Logger

    /// Creates the driver. `isLarge` tells which providers get a dedicated queue.
    public init(client: RedisClient, prefix: String = "octoisp:jobs", clock: any WallClock = SystemWallClock(),
                isLarge: @escaping @Sendable (UUID) async throws -> Bool = { _ in false }, logger: Logger) {
        self.client = client
        self.prefix = prefix
        self.clock = clock
        self.isLarge = isLarge
        self.logger = logger
    }

    /// How long the id of a job enqueued ``JobRequest/once`` is remembered: a week.
    static let onceSeconds = 7 * 86_400

    static func millis(_ date: Date) -> String { String(Int64((date.timeIntervalSince1970 * 1000).rounded())) }
    static func date(_ millis: String?) -> Date { Date(timeIntervalSince1970: (Double(millis ?? "") ?? 0) / 1000) }

    /// Stores a job (or finds the waiting duplicate).
    public func enqueue(_ job: JobRequest) async throws -> EnqueueResult {
        try await enqueue([job])[0]
    }

    /// Most jobs stored by one script call; larger batches are split into calls pipelined in one write.
    static let enqueueChunk = 500

    /// Stores several jobs: one script call per ``enqueueChunk`` jobs, pipelined in one write.
    public func enqueue(_ jobs: [JobRequest]) async throws -> [EnqueueResult] {
        if jobs.isEmpty { return [] }
        let now = clock.now
        let nowMillis = Self.millis(now)
        var large: [UUID: Bool] = [:]
        var calls: [[RESPArgument]] = []
        calls.reserveCapacity((jobs.count + Self.enqueueChunk - 1) / Self.enqueueChunk)
        for start in stride(from: 0, to: jobs.count, by: Self.enqueueChunk) {
            let chunk = jobs[start..<min(jobs.count, start + Self.enqueueChunk)]
            var arguments: [RESPArgument] = [.string(prefix), .string(nowMillis)]
            arguments.reserveCapacity(2 + 11 * chunk.count)
            for job in chunk {
                try job.validate()
                if large[job.providerID] == nil { large[job.providerID] = try await isLarge(job.providerID) }
                let queue = large[job.providerID]! ? JobQueueName.dedicated(job.queue, provider: job.providerID) : job.queue
                arguments += [
                    .string(queue), .string(job.providerID.lowercased), .string(job.id.lowercased), .string(job.type),
                    .bytes(ByteBuffer(bytes: job.payload)), .string(String(job.priority)), .string(job.runAt.map(Self.millis) ?? nowMillis),
                    .string(String(job.maxAttempts)), .string(job.dedupKey ?? ""), .string(job.orderingKey ?? ""),
                    .string(job.once ? String(Self.onceSeconds) : ""),
                ]
            }
            calls.append(arguments)
        }
        var results: [EnqueueResult] = []
        results.reserveCapacity(jobs.count)
        for reply in try await client.evaluate(RedisJobScripts.enqueueMany, batch: calls) {
            for item in reply.array ?? [] {
                guard let parts = item.array, parts.count == 2, let id = parts[1].uuid else {
                    throw RedisError(.unexpectedReply, "enqueue answered \(item)")
                }
                results.append(parts[0].int == 1 ? .enqueued(id) : .duplicate(id))
            }
        }
        guard results.count == jobs.count else {
            throw RedisError(.unexpectedReply, "enqueue answered \(results.count) results for \(jobs.count) jobs")
        }
        JobMetrics.enqueued(jobs, results)
        return results
    }

    /// Claims due jobs fairly across the queue's providers.
    public func claim(queue: String, worker: String, lease: TimeInterval, limit: Int) async throws -> [ClaimedJob] {
        let now = clock.now
        let leaseUntil = now.addingTimeInterval(lease)
        let token = UUID()
        let reply = try await client.evaluate(RedisJobScripts.claim, arguments: [
            .string(prefix), .string(queue), .string(Self.millis(now)), .string(Self.millis(leaseUntil)), .string(String(max(1, limit))),
            .string(worker), .string(token.lowercased),
        ])
        return try (reply.array ?? []).map { item in
            guard let v = item.array, v.count == 8, let id = v[0].uuid, let provider = v[1].uuid, let type = v[2].string,
                  case .bulkString(let payload?) = v[3], let attempt = v[4].int, let maxAttempts = v[5].int else {
                throw RedisError(.unexpectedReply, "claim answered \(item)")
            }
            let orderingKey = v[6].string.flatMap { $0.isEmpty ? nil : $0 }
            // A first attempt has no history: decode only what is there.
            var history: [JobAttempt] = []
            if case .bulkString(let text?) = v[7], text.readableBytes > 2 {
                history = (try? OctoJSON.decoder.decode([JobAttempt].self, from: Data(text.readableBytesView))) ?? []
            }
            return ClaimedJob(id: id, providerID: provider, queue: queue, type: type, payload: Data(payload.readableBytesView), attempt: Int(attempt),
                              maxAttempts: Int(maxAttempts), orderingKey: orderingKey, leaseToken: token, leaseUntil: leaseUntil,
                              history: history)
        }
    }

    /// Extends a claim's lease.
    public func heartbeat(_ job: ClaimedJob, lease: TimeInterval) async throws -> Bool {
        try await client.evaluate(RedisJobScripts.heartbeat, arguments: [
            .string(prefix), .string(job.id.lowercased), .string(job.leaseToken.lowercased), .string(Self.millis(clock.now.addingTimeInterval(lease))),
        ]).int == 1
    }

    /// Removes an acknowledged job.
    public func complete(_ job: ClaimedJob) async throws -> Bool {
        try await client.evaluate(RedisJobScripts.complete, arguments: [
            .string(prefix), .string(job.id.lowercased), .string(job.leaseToken.lowercased), .string(Self.millis(clock.now)),
        ]).int == 1
    }

    /// Removes acknowledged jobs with one script call.
    public func complete(_ jobs: [ClaimedJob]) async throws -> [Bool] {
        if jobs.isEmpty { return [] }
        var arguments: [RESPArgument] = [.string(prefix), .string(Self.millis(clock.now))]
        arguments.reserveCapacity(2 + 2 * jobs.count)
        for job in jobs { arguments += [.string(job.id.lowercased), .string(job.leaseToken.lowercased)] }
        let reply = try await client.evaluate(RedisJobScripts.completeMany, arguments: arguments)
        guard let flags = reply.array, flags.count == jobs.count else {
            throw RedisError(.unexpectedReply, "complete answered \(reply)")
        }
        return flags.map { $0.int == 1 }
    }

    /// Records a failed attempt.
    public func fail(_ job: ClaimedJob, error: String, retryAt: Date?) async throws -> Bool {
        let now = clock.now
        let entry = String(decoding: try OctoJSON.encoder.encode(JobAttempt(attempt: job.attempt, at: now, error: error)), as: UTF8.self)
        return try await client.evaluate(RedisJobScripts.fail, arguments: [
            .string(prefix), .string(job.id.lowercased), .string(job.leaseToken.lowercased), .string(Self.millis(now)), .string(error),
            .string(retryAt.map(Self.millis) ?? ""), .string(entry),
        ]).int == 1
    }

    /// Returns expired leases to the queue.
    public func recoverExpiredLeases() async throws -> Int {
        let now = clock.now
        return Int(try await client.evaluate(RedisJobScripts.recover, arguments: [
            .string(prefix), .string(Self.millis(now)), .string(OctoJSON.formatDate(now)),
        ]).int ?? 0)
    }

    /// Makes a dead letter ready again.
    public func retryDead(provider: UUID, id: UUID) async throws {
        try await deadLetter(provider: provider, id: id, action: "retry")
    }

    /// Deletes a dead letter.
    public func discardDead(provider: UUID, id: UUID) async throws {
        try await deadLetter(provider: provider, id: id, action: "discard")
    }

    private func deadLetter(provider: UUID, id: UUID, action: String) async throws {
        let found = try await client.evaluate(RedisJobScripts.dead, arguments: [
            .string(prefix), .string(provider.lowercased), .string(id.lowercased), .string(Self.millis(clock.now)), .string(action),
        ]).int == 1
        guard found else { throw JobError(.notFound, "no dead letter with this id", ["job.id": id.lowercased, "provider.id": provider.lowercased]) }
    }

    /// Sets or removes a provider's limits.
    public func setLimits(_ limits: ProviderLimits?, provider: UUID) async throws {
        let key = "\(prefix):limits:\(provider.lowercased)"
        guard let limits else {
            try await client.send(["DEL", .string(key)])
            return
        }
        var fields: [RESPArgument] = ["burst", .string(String(limits.burst)), "tokens", .string(String(limits.burst)),
                                      "refilled", .string(Self.millis(clock.now))]
        if let max = limits.maxConcurrency { fields += ["max", .string(String(max))] }
        if let rate = limits.ratePerSecond { fields += ["rate", .string(String(rate))] }
        _ = try await client.pipeline([["DEL", .string(key)], ["HSET", .string(key)] + fields])
    }

    /// Claims the firing of a schedule's period (SET NX with a week's expiry).
    public func claimScheduleFiring(name: String, period: Int64) async throws -> Bool {
        // The value is `claimed:<ms>` until confirmed, then `done`; a stale claim is taken over with an
        // atomic SET … GET, which only one of several claimers sees return the stale value.
        let key = "\(prefix):sched:\(name):\(period)"
        let now = clock.now
        let mine = "claimed:\(Int64(now.timeIntervalSince1970 * 1000))"
        if try await !client.send(["SET", .string(key), .string(mine), "NX", "EX", "604800"]).isNull { return true }
        guard let current = try await client.send(["GET", .string(key)]).string, current.hasPrefix("claimed:"),
              let at = Int64(current.dropFirst("claimed:".count)),
              Double(at) / 1000 <= now.addingTimeInterval(-scheduleClaimLease).timeIntervalSince1970 else { return false }
        return try await client.send(["SET", .string(key), .string(mine), "XX", "GET", "EX", "604800"]).string == current
    }

    /// Marks the firing done.
    public func confirmScheduleFiring(name: String, period: Int64) async throws {
        _ = try await client.send(["SET", .string("\(prefix):sched:\(name):\(period)"), "done", "EX", "604800"])
    }

    /// The physical queues that have held jobs.
    public func queues() async throws -> [String] {
        try await client.send(["SMEMBERS", .string("\(prefix):queues")]).array?.compactMap(\.string).sorted() ?? []
    }
}
