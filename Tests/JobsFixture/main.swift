// A worker process for the job-queue tests. Two modes (OCTOISP_FIXTURE_MODE):
//
// - `hang` (default): claims one job, writes a marker file when the handler starts, and then hangs
//   until it is killed (the tests kill -9 it mid-job).
// - `run`: runs a `JobWorker` until it is killed. The handler appends `start|end <label> <pid> <unix
//   time>` lines to the file OCTOISP_FIXTURE_LOG (one `write(2)` with O_APPEND per line, so lines of
//   several processes never interleave), sleeping the payload's `sleepMilliseconds` in between. A
//   `ready <pid>` line tells the test that the worker runs.
import Foundation
import Logging
import OctoCore
import OctoJobs
import OctoStore

struct Step: JobPayload {
    static let jobType = "test.step"
    var label: String
    var sleepMilliseconds: Int?
}

let environment = ProcessInfo.processInfo.environment
func required(_ name: String) -> String {
    guard let value = environment[name], !value.isEmpty else {
        FileHandle.standardError.write(Data("\(name) is not set\n".utf8))
        exit(2)
    }
    return value
}

/// Appends one line to the shared log with a single O_APPEND write.
func record(_ line: String, to path: String) {
    let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
    guard fd >= 0 else { return }
    let bytes = Array("\(line)\n".utf8)
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
}

var logger = Logger(label: "jobs-fixture")
logger.logLevel = .warning
let mode = environment["OCTOISP_FIXTURE_MODE"] ?? "hang"
let pid = getpid()
var handlers = JobHandlers()
if mode == "run" {
    let log = required("OCTOISP_FIXTURE_LOG")
    handlers.register(Step.self) { step, _ in
        record("start \(step.label) \(pid) \(Date().timeIntervalSince1970)", to: log)
        try await Task.sleep(for: .milliseconds(step.sleepMilliseconds ?? 0))
        record("end \(step.label) \(pid) \(Date().timeIntervalSince1970)", to: log)
    }
} else {
    let marker = required("OCTOISP_FIXTURE_MARKER")
    handlers.register(Step.self) { step, context in
        FileManager.default.createFile(atPath: marker, contents: Data("\(context.job.id.lowercased) \(step.label)\n".utf8))
        try await Task.sleep(for: .seconds(3600))
    }
}

let queue: any JobQueue
var database: Database?
switch required("OCTOISP_FIXTURE_DRIVER") {
case "redis":
    queue = RedisJobQueue(client: RedisClient(url: try RedisURL(required("OCTOISP_FIXTURE_REDIS_URL")), logger: logger),
                          prefix: required("OCTOISP_FIXTURE_PREFIX"), logger: logger)
default:
    let db = Database(configuration: .init(app: try DatabaseURL(required("OCTOISP_FIXTURE_APP_URL")),
                                           global: try DatabaseURL(required("OCTOISP_FIXTURE_GLOBAL_URL")), maximumConnections: 4),
                      logger: logger)
    database = db
    queue = PostgresJobQueue(database: db, logger: logger)
}
let concurrency = environment["OCTOISP_FIXTURE_CONCURRENCY"].flatMap(Int.init) ?? 1
let worker = JobWorker(queue: queue, handlers: handlers,
                       configuration: .init(concurrency: concurrency, lease: mode == "run" ? 30 : 2, pollInterval: .milliseconds(10)),
                       id: "fixture-\(pid)", logger: logger)
try await withThrowingTaskGroup(of: Void.self) { group in
    if let database { group.addTask { try await database.run() } }
    if mode == "run" {
        record("ready \(pid)", to: required("OCTOISP_FIXTURE_LOG"))
        try await worker.run()
    } else {
        while try await worker.runOnce(limit: 1) == 0 {
            try await Task.sleep(for: .milliseconds(50))
        }
    }
    group.cancelAll()
}
