// A worker process for the job-queue tests: it claims one job, writes a marker file when the handler
// starts, and then hangs until it is killed (the tests kill -9 it mid-job).
import Foundation
import Logging
import OctoCore
import OctoJobs
import OctoStore

struct Step: JobPayload {
    static let jobType = "test.step"
    var label: String
}

let environment = ProcessInfo.processInfo.environment
func required(_ name: String) -> String {
    guard let value = environment[name], !value.isEmpty else {
        FileHandle.standardError.write(Data("\(name) is not set\n".utf8))
        exit(2)
    }
    return value
}

var logger = Logger(label: "jobs-fixture")
logger.logLevel = .warning
let marker = required("OCTOISP_FIXTURE_MARKER")
var handlers = JobHandlers()
handlers.register(Step.self) { step, context in
    FileManager.default.createFile(atPath: marker, contents: Data("\(context.job.id.lowercased) \(step.label)\n".utf8))
    try await Task.sleep(for: .seconds(3600))
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
let worker = JobWorker(queue: queue, handlers: handlers, configuration: .init(concurrency: 1, lease: 2), id: "fixture", logger: logger)
try await withThrowingTaskGroup(of: Void.self) { group in
    if let database { group.addTask { try await database.run() } }
    while try await worker.runOnce(limit: 1) == 0 {
        try await Task.sleep(for: .milliseconds(50))
    }
    group.cancelAll()
}
