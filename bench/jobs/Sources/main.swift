// Enqueue → run → ack throughput of the job-queue drivers with 1, 8 and 64 concurrent workers.
//
//   octoisp-bench [--jobs N] [--driver postgres|redis|both]
//
// Needs DATABASE_URL and OCTOISP_GLOBAL_DATABASE_URL (a migrated database) for PostgreSQL and
// REDIS_URL for Redis; bench/jobs/run.sh starts throwaway servers and sets them.
import Foundation
import Logging
import OctoCore
import OctoJobs
import OctoStore
import PostgresNIO
import Synchronization

struct Noop: JobPayload {
    static let jobType = "bench.noop"
    var n: Int
}

let logger: Logger = {
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    return logger
}()
let arguments = CommandLine.arguments
func option(_ name: String) -> String? { arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil } }
let jobCount = option("--jobs").flatMap(Int.init) ?? 20_000
let which = option("--driver") ?? "both"
let environment = ProcessInfo.processInfo.environment

func measure(_ queue: any JobQueue, provider: UUID, workers: Int) async throws -> Double {
    let done = Atomic<Int>(0)
    var handlers = JobHandlers()
    handlers.register(Noop.self) { _, _ in done.add(1, ordering: .relaxed) }
    let worker = JobWorker(queue: queue, handlers: handlers,
                           configuration: .init(queues: ["bench"], includeDedicated: false, concurrency: workers, lease: 60,
                                                pollInterval: .milliseconds(1)),
                           logger: logger)
    let started = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await worker.run() }
        // Producers enqueue while the workers run: the figure covers enqueue, claim, run and ack.
        try await withThrowingTaskGroup(of: Void.self) { producers in
            let producerCount = 16
            for p in 0..<producerCount {
                producers.addTask {
                    for n in stride(from: p, to: jobCount, by: producerCount) {
                        try await queue.enqueue(Noop(n: n), provider: provider, queue: "bench")
                    }
                }
            }
            try await producers.waitForAll()
        }
        while done.load(ordering: .relaxed) < jobCount { try await Task.sleep(for: .milliseconds(5)) }
        group.cancelAll()
    }
    let elapsed = ContinuousClock.now - started
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return Double(jobCount) / seconds
}

var results: [String: [Int: Double]] = [:]
let concurrencies = [1, 8, 64]
if which == "postgres" || which == "both" {
    let database = Database(configuration: .init(app: try DatabaseURL(environment["DATABASE_URL"] ?? ""),
                                                 global: try DatabaseURL(environment["OCTOISP_GLOBAL_DATABASE_URL"] ?? ""),
                                                 maximumConnections: 80), logger: logger)
    let runner = Task { try await database.run() }
    let provider = try await database.withGlobal { tx in
        var id: UUID?
        for try await value in try await tx.query("""
            INSERT INTO providers (slug, name) VALUES (\("bench-" + String(UUID().lowercased.prefix(8))), 'Bench') RETURNING id
            """).decode(UUID.self) { id = value }
        return id!
    }
    let queue = PostgresJobQueue(database: database, logger: logger)
    for workers in concurrencies {
        let rate = try await measure(queue, provider: provider, workers: workers)
        results["postgres", default: [:]][workers] = rate
        print(String(format: "postgres  workers=%-3d %9.0f jobs/s", workers, rate))
    }
    runner.cancel()
}
if which == "redis" || which == "both" {
    let client = RedisClient(url: try RedisURL(environment["REDIS_URL"] ?? "redis://127.0.0.1:6379"), connections: 8, logger: logger)
    let queue = RedisJobQueue(client: client, prefix: "bench:\(UUID().lowercased.prefix(8))", logger: logger)
    for workers in concurrencies {
        let rate = try await measure(queue, provider: UUID(), workers: workers)
        results["redis", default: [:]][workers] = rate
        print(String(format: "redis     workers=%-3d %9.0f jobs/s", workers, rate))
    }
}
if let pg = results["postgres"], let redis = results["redis"] {
    for workers in concurrencies {
        print(String(format: "ratio redis/postgres workers=%-3d %6.1fx", workers, (redis[workers] ?? 0) / max(1, pg[workers] ?? 1)))
    }
}
