// Enqueue → run → ack throughput of the job-queue drivers with 1, 8 and 64 concurrent workers.
//
//   octoisp-bench [--jobs N] [--driver postgres|redis|both] [--batch N] [--workers 1,8,64] [--modes single,batch]
//
// Each driver runs twice: producers enqueueing one job per call (`single`, the historical figure)
// and `batch` jobs per call (`enqueue(_: [JobRequest])`, default 100). Next to jobs/s it prints
// where the CPU went: this process (enqueue, claim, run and ack client side), redis-server (from
// INFO cpu) and the whole machine (from /proc/stat), in microseconds per job.
//
// Needs DATABASE_URL and OCTOISP_GLOBAL_DATABASE_URL (a migrated database) for PostgreSQL and
// REDIS_URL for Redis; bench/jobs/run.sh starts throwaway servers and sets them.
import Foundation
import Logging
import OctoCore
import OctoJobs
import OctoStore
import PostgresNIO
import SNMP
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
let enqueueBatch = max(1, option("--batch").flatMap(Int.init) ?? 100)
let environment = ProcessInfo.processInfo.environment

/// CPU seconds used so far by this process, redis-server and the whole machine (all cores).
struct CPUSample {
    var process: Double
    var redis: Double
    var machineBusy: Double
    var machineTotal: Double

    static func now(redis: RedisClient?) async -> CPUSample {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        let process = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        var redisCPU = 0.0
        if let redis, let info = try? await redis.send(["INFO", "cpu"]).string {
            for line in info.split(whereSeparator: \.isNewline) {
                let parts = line.split(separator: ":")
                if parts.count == 2, parts[0] == "used_cpu_sys" || parts[0] == "used_cpu_user" { redisCPU += Double(parts[1]) ?? 0 }
            }
        }
        // /proc/stat: cpu user nice system idle iowait irq softirq steal… in clock ticks (100 per second).
        var busy = 0.0, total = 0.0
        if let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8), let line = stat.split(separator: "\n").first {
            let ticks = line.split(separator: " ").dropFirst().compactMap { Double($0) }
            total = ticks.prefix(8).reduce(0, +) / 100
            busy = total - (ticks.count > 4 ? (ticks[3] + ticks[4]) / 100 : 0)
        }
        return CPUSample(process: process, redis: redisCPU, machineBusy: busy, machineTotal: total)
    }
}

/// One measurement: throughput and CPU per job.
struct Measurement {
    var jobsPerSecond: Double
    var processMicros: Double
    var redisMicros: Double
    var machineMicros: Double
    var machineBusyShare: Double
    /// Share of the run during which producers were still enqueueing.
    var enqueueShare: Double
}

func measure(_ queue: any JobQueue, provider: UUID, workers: Int, batch: Int, redis: RedisClient?) async throws -> Measurement {
    let done = Atomic<Int>(0)
    var handlers = JobHandlers()
    handlers.register(Noop.self) { _, _ in done.add(1, ordering: .relaxed) }
    let worker = JobWorker(queue: queue, handlers: handlers,
                           configuration: .init(queues: ["bench"], includeDedicated: false, concurrency: workers, lease: 60,
                                                pollInterval: .milliseconds(1)),
                           logger: logger)
    let before = await CPUSample.now(redis: redis)
    let started = ContinuousClock.now
    var enqueued = started
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await worker.run() }
        // Producers enqueue while the workers run: the figure covers enqueue, claim, run and ack.
        try await withThrowingTaskGroup(of: Void.self) { producers in
            let producerCount = 16
            for p in 0..<producerCount {
                producers.addTask {
                    let mine = Array(stride(from: p, to: jobCount, by: producerCount))
                    if batch == 1 {
                        for n in mine { try await queue.enqueue(Noop(n: n), provider: provider, queue: "bench") }
                    } else {
                        for start in stride(from: 0, to: mine.count, by: batch) {
                            let requests = try mine[start..<min(mine.count, start + batch)].map {
                                try JobRequest(Noop(n: $0), providerID: provider, queue: "bench")
                            }
                            _ = try await queue.enqueue(requests)
                        }
                    }
                }
            }
            try await producers.waitForAll()
        }
        enqueued = ContinuousClock.now
        while done.load(ordering: .relaxed) < jobCount { try await Task.sleep(for: .milliseconds(5)) }
        // Every handler ran; the figure covers their acks too, so wait until the queue is empty.
        while try await queue.stats().contains(where: { $0.providerId == provider && $0.queue == "bench" && $0.ready + $0.running > 0 }) {
            try await Task.sleep(for: .milliseconds(2))
        }
        group.cancelAll()
    }
    let elapsed = ContinuousClock.now - started
    let after = await CPUSample.now(redis: redis)
    func inSeconds(_ duration: Duration) -> Double { Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18 }
    let seconds = inSeconds(elapsed)
    let perJob = 1e6 / Double(jobCount)
    return Measurement(jobsPerSecond: Double(jobCount) / seconds,
                       processMicros: (after.process - before.process) * perJob,
                       redisMicros: (after.redis - before.redis) * perJob,
                       machineMicros: (after.machineBusy - before.machineBusy) * perJob,
                       machineBusyShare: (after.machineBusy - before.machineBusy) / max(0.001, after.machineTotal - before.machineTotal),
                       enqueueShare: inSeconds(enqueued - started) / seconds)
}

func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }

func report(_ driver: String, _ mode: String, _ workers: Int, _ m: Measurement) {
    print(pad(driver, 9) + pad(mode, 9) + String(format: " workers=%-3d %8.0f jobs/s   cpu µs/job: bench %5.0f  redis %5.0f  machine %5.0f (busy %3.0f%%)  enqueueing %3.0f%% of the run",
                 workers, m.jobsPerSecond, m.processMicros, m.redisMicros, m.machineMicros, m.machineBusyShare * 100, m.enqueueShare * 100))
}

// As `octoisp serve` does: Swift tasks run on NIO's event loops, where the Redis and PostgreSQL replies
// arrive. BENCH_EXECUTOR=pool keeps the runtime's own thread pool instead, for a before/after.
if environment["BENCH_EXECUTOR"] != "pool" { SNMPRuntime.useEventLoopsAsGlobalExecutor() }
print("executor: \(environment["BENCH_EXECUTOR"] == "pool" ? "the Swift runtime's thread pool" : "NIO's event loops (as octoisp serve)")")

var results: [String: [Int: Double]] = [:]
let concurrencies = option("--workers").map { $0.split(separator: ",").compactMap { Int($0) } } ?? [1, 8, 64]
let modes: [(name: String, batch: Int)] = [("single", 1), ("batch\(enqueueBatch)", enqueueBatch)].filter { mode in
    option("--modes").map { $0.split(separator: ",").contains { mode.name.hasPrefix($0) } } ?? true
}
if which == "postgres" || which == "both" {
    // A fresh database is migrated here (as `octoisp migrate` would), so the benchmark needs no other build.
    if let owner = environment["OCTOISP_OWNER_DATABASE_URL"] {
        try await Migrator(ownerURL: try DatabaseURL(owner), logger: logger).migrate()
    }
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
    for mode in modes {
        for workers in concurrencies {
            let m = try await measure(queue, provider: provider, workers: workers, batch: mode.batch, redis: nil)
            results["postgres \(mode.name)", default: [:]][workers] = m.jobsPerSecond
            report("postgres", mode.name, workers, m)
        }
    }
    runner.cancel()
}
if which == "redis" || which == "both" {
    let client = RedisClient(url: try RedisURL(environment["REDIS_URL"] ?? "redis://127.0.0.1:6379"), connections: 8, logger: logger)
    let queue = RedisJobQueue(client: client, prefix: "bench:\(UUID().lowercased.prefix(8))", logger: logger)
    for mode in modes {
        for workers in concurrencies {
            let m = try await measure(queue, provider: UUID(), workers: workers, batch: mode.batch, redis: client)
            results["redis \(mode.name)", default: [:]][workers] = m.jobsPerSecond
            report("redis", mode.name, workers, m)
        }
    }
}
for mode in modes {
    guard let pg = results["postgres \(mode.name)"], let redis = results["redis \(mode.name)"] else { continue }
    for workers in concurrencies {
        print("ratio redis/postgres " + pad(mode.name, 9) + String(format: " workers=%-3d %6.1fx", workers, (redis[workers] ?? 0) / max(1, pg[workers] ?? 1)))
    }
}
