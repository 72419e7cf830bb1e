import Foundation
import OctoCore
import OctoJobs
import OctoStore
import PostgresNIO
import OctoTestSupport
import Testing

/// Lost processes and servers: a worker killed with SIGKILL mid-job, a Redis restart mid-run.
extension JobQueueTests {
@Suite
struct Failures {
    /// The fixture executable built next to the test bundle.
    static func fixtureURL() throws -> URL {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [directory, directory.deletingLastPathComponent(), directory.deletingLastPathComponent().deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("octoisp-jobs-fixture")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw TestSetupError("octoisp-jobs-fixture is not built next to \(directory.path): run `swift build --build-tests` first")
    }

    static func postgresURL(_ url: DatabaseURL) -> String {
        "postgres://\(url.username):\(url.password ?? "")@\(url.host):\(url.port)/\(url.database)"
    }

    @Test(arguments: Driver.allCases)
    func workerKilledMidJobRunsAgain(driver: Driver) async throws {
        try await Harness.with(driver) { h in
            let provider = try await h.stack.makeProvider("killed-\(driver)").id
            let queue = try h.makeQueue()
            let enqueued = try await queue.enqueue(Step(label: "victim"), provider: provider, maxAttempts: 3)
            let marker = FileManager.default.temporaryDirectory.appendingPathComponent("octoisp-fixture-\(UUID().lowercased)")
            var environment = ProcessInfo.processInfo.environment
            environment["OCTOISP_FIXTURE_DRIVER"] = driver.rawValue
            environment["OCTOISP_FIXTURE_MARKER"] = marker.path
            environment["OCTOISP_FIXTURE_APP_URL"] = Self.postgresURL(h.stack.appURL)
            environment["OCTOISP_FIXTURE_GLOBAL_URL"] = Self.postgresURL(h.stack.globalURL)
            environment["OCTOISP_FIXTURE_REDIS_URL"] = ProcessInfo.processInfo.environment["OCTOISP_TEST_REDIS_URL"] ?? ""
            environment["OCTOISP_FIXTURE_PREFIX"] = h.prefix
            let process = try ChildProcess.start([try Self.fixtureURL().path], environment: environment)
            try await eventually(timeout: .seconds(60), "the fixture to start the job") { FileManager.default.fileExists(atPath: marker.path) }
            process.send(SIGKILL)
            let termination = await process.termination()
            try? FileManager.default.removeItem(at: marker)
            #expect(termination == .signalled(SIGKILL))

            let running = try #require(try await h.jobs(queue, provider).first)
            #expect(running.id == enqueued.id && running.state == .running && running.attempts == 1)
            h.clock.advance(by: 120)
            #expect(try await queue.recoverExpiredLeases() == 1)
            let recorder = Recorder()
            try await h.drain(h.worker(queue, recorder.handlers()))
            #expect(recorder.labels == ["victim"])
            #expect(try await h.jobs(queue, provider).isEmpty)
        }
    }

    @Test func redisRestartMidRunLosesNothing() async throws {
        guard let restart = ProcessInfo.processInfo.environment["OCTOISP_TEST_REDIS_RESTART"], !restart.isEmpty else {
            throw TestSetupError("OCTOISP_TEST_REDIS_RESTART is not set: run the tests through `make test` (scripts/peers/redis.sh)")
        }
        try await Harness.with(.redis) { h in
            let provider = try await h.stack.makeProvider("restart").id
            let queue = try h.makeQueue()
            for index in 0..<300 { try await queue.enqueue(Step(label: "\(index)", sleepMilliseconds: 5), provider: provider) }
            let recorder = Recorder()
            let workers = [h.worker(queue, recorder.handlers(), concurrency: 4), h.worker(try h.makeQueue(), recorder.handlers(), concurrency: 4)]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in workers { group.addTask { try await worker.run() } }
                try await eventually("50 jobs before the restart") { recorder.labels.count >= 50 }
                // The restarted redis-server is a daemon: started without the test's descriptors.
                try await ChildProcess.shell(restart)
                var waited = 0
                try await eventually(timeout: .seconds(60), "all 300 jobs after the restart") {
                    waited += 1
                    // Claims whose reply was lost in the restart hold a lease nobody extends: let it expire.
                    if waited % 100 == 0 { h.clock.advance(by: 31) }
                    guard Set(recorder.labels).count == 300 else { return false }
                    return try await h.jobs(queue, provider).isEmpty
                }
                group.cancelAll()
            }
            #expect(try await h.jobs(queue, provider).isEmpty)
        }
    }
}
}
