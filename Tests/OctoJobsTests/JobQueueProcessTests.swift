import Foundation
import OctoCore
import OctoJobs
import OctoStore
import OctoTestSupport
import Testing

/// Per-provider limits with two real worker processes (the `octoisp-jobs-fixture` executable) on the
/// same queue: the limits live in PostgreSQL or Redis, not in either process.
extension JobQueueTests {
@Suite
struct TwoProcesses {
    /// What the worker processes wrote: one line per handler start and end.
    struct Span {
        var label: String
        var pid: Int32
        var start: Double
        var end: Double
    }

    /// Runs two fixture worker processes (concurrency 4 each) while `body` runs, then kills them.
    /// Returns the log path the handlers write to.
    static func withTwoWorkers(_ h: Harness, _ body: @Sendable (_ log: String) async throws -> Void) async throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("octoisp-fixture-log-\(UUID().lowercased)").path
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: log) }
        var environment = ProcessInfo.processInfo.environment
        environment["OCTOISP_FIXTURE_MODE"] = "run"
        environment["OCTOISP_FIXTURE_LOG"] = log
        environment["OCTOISP_FIXTURE_CONCURRENCY"] = "4"
        environment["OCTOISP_FIXTURE_DRIVER"] = h.driver.rawValue
        environment["OCTOISP_FIXTURE_APP_URL"] = Failures.postgresURL(h.stack.appURL)
        environment["OCTOISP_FIXTURE_GLOBAL_URL"] = Failures.postgresURL(h.stack.globalURL)
        environment["OCTOISP_FIXTURE_REDIS_URL"] = ProcessInfo.processInfo.environment["OCTOISP_TEST_REDIS_URL"] ?? ""
        environment["OCTOISP_FIXTURE_PREFIX"] = h.prefix
        var processes: [ChildProcess] = []
        for _ in 0..<2 {
            processes.append(try ChildProcess.start([try Failures.fixtureURL().path], environment: environment))
        }
        try await eventually(timeout: .seconds(60), "both worker processes to start") {
            Self.lines(log).filter { $0.hasPrefix("ready ") }.count == 2
        }
        try await body(log)
        for process in processes {
            process.send(SIGKILL)
            _ = await process.termination()
        }
    }

    static func lines(_ path: String) -> [Substring] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n")
    }

    /// The handler spans in the log, by start time.
    static func spans(_ path: String) -> [Span] {
        var starts: [String: (Int32, Double)] = [:]
        var spans: [Span] = []
        for line in lines(path) {
            let fields = line.split(separator: " ")
            guard fields.count == 4, let pid = Int32(fields[2]), let time = Double(fields[3]) else { continue }
            let label = String(fields[1])
            if fields[0] == "start" {
                starts[label] = (pid, time)
            } else if fields[0] == "end", let (startPid, start) = starts[label] {
                spans.append(Span(label: label, pid: startPid, start: start, end: time))
            }
        }
        return spans.sorted { $0.start < $1.start }
    }

    /// The most handlers that ran at the same instant.
    static func maxOverlap(_ spans: [Span]) -> Int {
        // Ends sort before starts at the same instant: a job that ended lets the next one start.
        var events: [(time: Double, delta: Int)] = []
        for span in spans {
            events.append((span.start, 1))
            events.append((span.end, -1))
        }
        events.sort { (a: (time: Double, delta: Int), b: (time: Double, delta: Int)) -> Bool in
            a.time == b.time ? a.delta < b.delta : a.time < b.time
        }
        var running = 0
        var most = 0
        for event in events {
            running += event.delta
            most = max(most, running)
        }
        return most
    }

    @Test(arguments: Driver.allCases)
    func concurrencyLimitHoldsAcrossTwoProcesses(driver: Driver) async throws {
        try await Harness.with(driver) { h in
            let provider = try await h.stack.makeProvider("procs-conc-\(driver)").id
            let queue = try h.makeQueue()
            try await queue.setLimits(ProviderLimits(maxConcurrency: 2), provider: provider)
            let count = 24
            try await Self.withTwoWorkers(h) { log in
                for index in 0..<count {
                    try await queue.enqueue(Step(label: "c\(index)", sleepMilliseconds: 80), provider: provider)
                }
                try await eventually(timeout: .seconds(60), "\(count) jobs to finish") {
                    guard Self.spans(log).count == count else { return false }
                    return try await h.jobs(queue, provider).isEmpty
                }
                let spans = Self.spans(log)
                #expect(Set(spans.map(\.label)).count == count)
                #expect(Self.maxOverlap(spans) == 2, "at most 2 of the provider's jobs may run at once across both processes")
                #expect(Set(spans.map(\.pid)).count == 2, "both processes should have run jobs")
            }
        }
    }

    @Test(arguments: Driver.allCases)
    func rateLimitHoldsAcrossTwoProcesses(driver: Driver) async throws {
        try await Harness.with(driver) { h in
            let provider = try await h.stack.makeProvider("procs-rate-\(driver)").id
            let queue = try h.makeQueue()
            let rate = 5.0, burst = 2.0
            try await queue.setLimits(ProviderLimits(ratePerSecond: rate, burst: burst), provider: provider)
            let count = 17
            try await Self.withTwoWorkers(h) { log in
                for index in 0..<count {
                    try await queue.enqueue(Step(label: "r\(index)"), provider: provider)
                }
                try await eventually(timeout: .seconds(60), "\(count) jobs to finish") {
                    guard Self.spans(log).count == count else { return false }
                    return try await h.jobs(queue, provider).isEmpty
                }
                let starts = Self.spans(log).map(\.start)
                // The bucket holds `burst` tokens and refills `rate` per second: the last of `count`
                // starts comes at least (count - burst) / rate seconds after the first.
                let span = starts.last! - starts.first!
                #expect(span >= (Double(count) - burst) / rate - 0.2, "\(count) starts within \(span) s")
                // In any one-second window at most burst + rate starts (plus one for the time between a
                // claim and its handler's first line).
                for (index, start) in starts.enumerated() {
                    let inWindow = starts[index...].prefix { $0 < start + 1 }.count
                    #expect(Double(inWindow) <= burst + rate + 1, "\(inWindow) starts within one second from \(start)")
                }
                #expect(Set(Self.spans(log).map(\.pid)).count == 2, "both processes should have run jobs")
            }
        }
    }
}
}
