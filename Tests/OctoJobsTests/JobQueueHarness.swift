import Foundation
import Logging
import OctoCore
import OctoJobs
import OctoStore
import PostgresNIO
import OctoTestSupport
import Synchronization

/// The drivers the conformance suite runs against.
enum Driver: String, CaseIterable, Sendable, CustomStringConvertible {
    case postgres, redis
    var description: String { rawValue }
}

/// The test payload: records its label, fails while asked to, sleeps when asked to.
struct Step: JobPayload {
    static let jobType = "test.step"
    var label: String
    var sleepMilliseconds: Int = 0
}

/// What handlers saw, shared by every worker of a test.
final class Recorder: Sendable {
    private let state = Mutex<(labels: [String], running: Int, maxRunning: Int, failures: [String: Int])>(([], 0, 0, [:]))

    var labels: [String] { state.withLock { $0.labels } }
    var maxRunning: Int { state.withLock { $0.maxRunning } }

    /// Handlers that fail `failing[label]` times before succeeding.
    func handlers(failing: [String: Int] = [:]) -> JobHandlers {
        var handlers = JobHandlers()
        handlers.register(Step.self) { step, _ in
            let fail = self.state.withLock { state -> Bool in
                let failed = state.failures[step.label, default: 0]
                if failed < failing[step.label, default: 0] {
                    state.failures[step.label] = failed + 1
                    return true
                }
                state.running += 1
                state.maxRunning = max(state.maxRunning, state.running)
                return false
            }
            if fail { throw TestFailure(message: "planned failure of \(step.label)") }
            if step.sleepMilliseconds > 0 { try? await Task.sleep(for: .milliseconds(step.sleepMilliseconds)) }
            self.state.withLock { state in
                state.running -= 1
                state.labels.append(step.label)
            }
        }
        return handlers
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// One driver on a fresh database (and a fresh Redis key prefix).
struct Harness: Sendable {
    let driver: Driver
    let stack: TestStack
    let prefix: String

    var clock: ManualWallClock { stack.clock }

    static var logger: Logger {
        var logger = Logger(label: "jobs-test")
        logger.logLevel = .critical
        return logger
    }

    static func redisURL() throws -> RedisURL {
        guard let text = ProcessInfo.processInfo.environment["OCTOISP_TEST_REDIS_URL"], !text.isEmpty else {
            throw TestSetupError("OCTOISP_TEST_REDIS_URL is not set: the Redis job-queue tests need the redis-server that `make test` starts")
        }
        return try RedisURL(text)
    }

    /// A new driver instance (a second one behaves like another process: its own connections).
    func makeQueue() throws -> any JobQueue {
        switch driver {
        case .postgres:
            return PostgresJobQueue(database: stack.database, clock: clock, logger: Self.logger)
        case .redis:
            let database = stack.database
            return RedisJobQueue(client: RedisClient(url: try Self.redisURL(), connections: 2, logger: Self.logger), prefix: prefix,
                                 clock: clock, isLarge: { provider in
                                     try await database.withGlobal { tx in
                                         for try await large in try await tx.query("SELECT large FROM providers WHERE id = \(provider)").decode(Bool.self) {
                                             return large
                                         }
                                         return false
                                     }
                                 }, logger: Self.logger)
        }
    }

    func worker(_ queue: any JobQueue, _ handlers: JobHandlers, concurrency: Int = 1, lease: TimeInterval = 30,
                retry: RetryPolicy = RetryPolicy(base: 10, factor: 2, cap: 1000, jitter: 0)) -> JobWorker {
        JobWorker(queue: queue, handlers: handlers,
                  configuration: .init(concurrency: concurrency, lease: lease, pollInterval: .milliseconds(10), retry: retry),
                  clock: clock, logger: Self.logger)
    }

    static func with(_ driver: Driver, _ body: @Sendable (Harness) async throws -> Void) async throws {
        if driver == .redis { _ = try redisURL() }
        try await TestDatabase.with { stack in
            try await body(Harness(driver: driver, stack: stack, prefix: "t:\(UUID().lowercased)"))
        }
    }

    /// Steps `worker` until a round claims nothing; returns the number of rounds that ran jobs.
    @discardableResult
    func drain(_ worker: JobWorker, limit: Int? = nil) async throws -> Int {
        var rounds = 0
        while try await worker.runOnce(limit: limit) > 0 { rounds += 1 }
        return rounds
    }

    /// The provider's jobs.
    func jobs(_ queue: any JobQueue, _ provider: UUID, state: JobState? = nil) async throws -> [JobRecord] {
        try await queue.jobs(provider: provider, filter: JobFilter(state: state), page: PageRequest(limit: 500)).items
    }
}

/// Waits until `condition` holds, failing after `timeout`.
func eventually(timeout: Duration = .seconds(20), _ what: String, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw TestFailure(message: "timed out waiting for \(what)")
}
