import Foundation
import HTTPTypes
import Logging
import OctoCore
import OctoJobs
import OctoStore
import OctoTestSupport
import Testing

/// `/api/v1/jobs` and the `octoisp jobs dead-letters` commands, on both queue drivers.
@Suite struct JobsAPITests {
    enum Driver: String, CaseIterable, Sendable, CustomStringConvertible {
        case postgres, redis
        var description: String { rawValue }
    }

    static func redisURL() throws -> String {
        guard let text = ProcessInfo.processInfo.environment["OCTOISP_TEST_REDIS_URL"], !text.isEmpty else {
            throw TestSetupError("OCTOISP_TEST_REDIS_URL is not set: the Redis job-queue tests need the redis-server that `make test` starts")
        }
        return text
    }

    /// The driver on the test's database (Redis: under `prefix`).
    static func queue(_ driver: Driver, _ stack: TestStack, prefix: String) throws -> any JobQueue {
        var logger = Logger(label: "jobs-api-test")
        logger.logLevel = .critical
        switch driver {
        case .postgres:
            return PostgresJobQueue(database: stack.database, logger: logger)
        case .redis:
            return RedisJobQueue(client: RedisClient(url: try RedisURL(try redisURL()), connections: 2, logger: logger),
                                 prefix: prefix, clock: stack.clock, logger: logger)
        }
    }

    /// Stores a job and makes it a dead letter (its only attempt failed). Run before other jobs of
    /// the same queue are ready: the claim takes every due job of the queue.
    @discardableResult
    static func deadLetter(_ queue: any JobQueue, provider: UUID, type: String = "test.dead", in name: String = "default") async throws -> UUID {
        let id = try await queue.enqueue(JobRequest(providerID: provider, queue: name, type: type, payload: Data("{}".utf8), maxAttempts: 1)).id
        for job in try await queue.claim(queue: name, worker: "test", lease: 30, limit: 10) {
            try await queue.fail(job, error: "planned failure", retryAt: nil)
        }
        return id
    }

    static func state(_ queue: any JobQueue, provider: UUID, id: UUID) async throws -> JobState? {
        try await queue.jobs(provider: provider, filter: JobFilter(), page: PageRequest(limit: 500)).items.first { $0.id == id }?.state
    }

    @Test(arguments: Driver.allCases)
    func listFiltersByStateTypeAndQueue(driver: Driver) async throws {
        if driver == .redis { _ = try Self.redisURL() }
        let prefix = "api:\(UUID().lowercased)"
        try await APIHarness.with(jobs: { try Self.queue(driver, $0, prefix: prefix) }) { harness in
            let queue = try Self.queue(driver, harness.stack, prefix: prefix)
            let alfa = try await harness.stack.makeProvider("alfa").id
            let beta = try await harness.stack.makeProvider("beta").id
            try await harness.stack.makeUser("noc@alfa.test", role: .noc, provider: alfa)
            let noc = try await harness.login("noc@alfa.test")
            let dead = try await Self.deadLetter(queue, provider: alfa, type: "a.one")
            for _ in 0..<2 { _ = try await queue.enqueue(JobRequest(providerID: alfa, type: "a.one", payload: Data("{}".utf8))) }
            for _ in 0..<3 { _ = try await queue.enqueue(JobRequest(providerID: alfa, queue: "snmp", type: "a.two", payload: Data("{}".utf8))) }
            _ = try await queue.enqueue(JobRequest(providerID: beta, type: "a.one", payload: Data("{}".utf8)))

            func list(_ query: String) async throws -> APIResponse {
                try await harness.call(.get, "/api/v1/jobs\(query)", token: noc)
            }
            let all = try await list("")
            #expect(all.status == .ok)
            #expect(all["total"] == .number(6), "only the provider's own jobs: \(String(describing: all.json))")
            let deadOnly = try await list("?state=dead")
            #expect(deadOnly.items.map { $0.string("id")?.lowercased() } == [dead.lowercased])
            #expect(deadOnly.items.first?.string("last_error")?.contains("planned failure") == true)
            let ready = try await list("?state=ready")
            #expect(ready["total"] == .number(5))
            #expect(ready.items.allSatisfy { $0.string("state") == "ready" })
            let two = try await list("?type=a.two")
            #expect(two["total"] == .number(3))
            #expect(two.items.allSatisfy { $0.string("type") == "a.two" && $0.string("queue") == "snmp" })
            let snmp = try await list("?queue=snmp&type=a.one")
            #expect(snmp["total"] == .number(0))
            let readyOne = try await list("?state=ready&type=a.one&queue=default")
            #expect(readyOne["total"] == .number(2))
            let paged = try await list("?limit=2&offset=4")
            #expect(paged["total"] == .number(6))
            #expect(paged.items.count == 2)
            let bad = try await list("?state=sleeping")
            #expect(bad.status == .badRequest)
            let letters = try await harness.call(.get, "/api/v1/jobs/dead-letters", token: noc)
            #expect(letters.items.map { $0.string("id")?.lowercased() } == [dead.lowercased])
            // Counts per queue: the provider's own jobs only.
            let queues = try await harness.call(.get, "/api/v1/jobs/queues", token: noc)
            #expect(queues.status == .ok)
            let counts = Dictionary(uniqueKeysWithValues: queues.items.compactMap { item -> (String, [Double])? in
                guard let name = item.string("queue"), case .object(let o) = item,
                      case .number(let ready) = o["ready"], case .number(let running) = o["running"], case .number(let dead) = o["dead"]
                else { return nil }
                return (name, [ready, running, dead])
            })
            #expect(counts == ["default": [2, 0, 1], "snmp": [3, 0, 0]], "\(String(describing: queues.json))")
        }
    }

    @Test(arguments: Driver.allCases)
    func deadLettersRetryAndDiscardWithRBACAndIsolation(driver: Driver) async throws {
        if driver == .redis { _ = try Self.redisURL() }
        let prefix = "api:\(UUID().lowercased)"
        try await APIHarness.with(jobs: { try Self.queue(driver, $0, prefix: prefix) }) { harness in
            let queue = try Self.queue(driver, harness.stack, prefix: prefix)
            let alfa = try await harness.stack.makeProvider("alfa").id
            let beta = try await harness.stack.makeProvider("beta").id
            var tokens: [PredefinedRole: String] = [:]
            for role in [PredefinedRole.providerAdmin, .noc, .viewer] {
                try await harness.stack.makeUser("\(role.key)@alfa.test", role: role, provider: alfa)
                tokens[role] = try await harness.login("\(role.key)@alfa.test")
            }
            try await harness.stack.makeUser("root@octoisp.test", role: .globalAdmin, provider: nil)
            let root = try await harness.login("root@octoisp.test")
            let mine = try await Self.deadLetter(queue, provider: alfa)
            let theirs = try await Self.deadLetter(queue, provider: beta)

            // Viewers read no jobs (settings.read); neither Viewers nor the NOC may retry or discard.
            let viewer = tokens[.viewer]!
            #expect(try await harness.call(.get, "/api/v1/jobs", token: viewer).status == .forbidden)
            #expect(try await harness.call(.get, "/api/v1/jobs/dead-letters", token: viewer).status == .forbidden)
            for role in [PredefinedRole.viewer, .noc] {
                let retry = try await harness.call(.post, "/api/v1/jobs/\(mine.lowercased)/retry", token: tokens[role]!)
                #expect(retry.status == .forbidden && retry.errorCode == "forbidden", "\(role.key) retry: \(retry.status)")
                let discard = try await harness.call(.delete, "/api/v1/jobs/\(mine.lowercased)", token: tokens[role]!)
                #expect(discard.status == .forbidden, "\(role.key) discard: \(discard.status)")
            }
            #expect(try await Self.state(queue, provider: alfa, id: mine) == .dead)

            // Another provider's dead letter answers like one that does not exist, and stays as it was.
            let admin = tokens[.providerAdmin]!
            let foreignRetry = try await harness.call(.post, "/api/v1/jobs/\(theirs.lowercased)/retry", token: admin)
            #expect(foreignRetry.status == .notFound && foreignRetry.errorCode == "not_found")
            let foreignDiscard = try await harness.call(.delete, "/api/v1/jobs/\(theirs.lowercased)", token: admin)
            #expect(foreignDiscard.status == .notFound)
            let missing = try await harness.call(.post, "/api/v1/jobs/\(UUID().lowercased)/retry", token: admin)
            #expect(missing.status == .notFound)
            #expect(try await Self.state(queue, provider: beta, id: theirs) == .dead)
            let adminLetters = try await harness.call(.get, "/api/v1/jobs/dead-letters", token: admin)
            #expect(adminLetters.items.map { $0.string("id")?.lowercased() } == [mine.lowercased])

            // The provider's admin retries its own: ready again with a fresh budget; a second retry is 404.
            #expect(try await harness.call(.post, "/api/v1/jobs/\(mine.lowercased)/retry", token: admin).status == .noContent)
            let retried = try await harness.call(.get, "/api/v1/jobs?state=ready", token: admin)
            #expect(retried.items.map { $0.string("id")?.lowercased() } == [mine.lowercased])
            if case .object(let job)? = retried.items.first { #expect(job["attempts"] == .number(0)) }
            #expect(try await harness.call(.post, "/api/v1/jobs/\(mine.lowercased)/retry", token: admin).status == .notFound)
            // A ready job is not a dead letter: discard refuses it.
            #expect(try await harness.call(.delete, "/api/v1/jobs/\(mine.lowercased)", token: admin).status == .notFound)
            #expect(try await Self.state(queue, provider: alfa, id: mine) == .ready)

            // The Global Admin acts in the provider it names.
            let rootLetters = try await harness.call(.get, "/api/v1/jobs/dead-letters", token: root, provider: beta)
            #expect(rootLetters.items.map { $0.string("id")?.lowercased() } == [theirs.lowercased])
            #expect(try await harness.call(.delete, "/api/v1/jobs/\(theirs.lowercased)", token: root, provider: beta).status == .noContent)
            #expect(try await Self.state(queue, provider: beta, id: theirs) == nil)
        }
    }

    /// `octoisp jobs dead-letters list|retry|discard` as an operator runs it.
    @Test(arguments: Driver.allCases)
    func commandLineListsRetriesAndDiscards(driver: Driver) async throws {
        let prefix = "cli:\(UUID().lowercased)"
        try await TestDatabase.with { stack in
            var environment = ServerProcessTests.environment(stack, port: 0)
            environment["OCTOISP_LOG_LEVEL"] = "error"
            if driver == .redis {
                environment["REDIS_URL"] = try Self.redisURL()
                environment["OCTOISP_REDIS_PREFIX"] = prefix
            } else {
                environment["REDIS_URL"] = nil
            }
            let queue = try Self.queue(driver, stack, prefix: prefix)
            let alfa = try await stack.makeProvider("alfa").id
            let beta = try await stack.makeProvider("beta").id
            let first = try await Self.deadLetter(queue, provider: alfa, type: "a.first")
            let second = try await Self.deadLetter(queue, provider: alfa, type: "a.second")
            let theirs = try await Self.deadLetter(queue, provider: beta)
            func octoisp(_ arguments: String...) async throws -> ChildProcess.Run {
                try await ServerProcessTests.run(["jobs", "dead-letters"] + arguments, environment: environment)
            }

            let list = try await octoisp("list", "--provider", alfa.lowercased)
            #expect(list.status == 0, "\(list.text)")
            #expect(list.text.contains("2 dead letter(s)"))
            #expect(list.text.contains(first.lowercased) && list.text.contains("a.first"))
            #expect(list.text.contains(second.lowercased) && list.text.contains("planned failure"))
            #expect(!list.text.contains(theirs.lowercased))

            // Another provider's job: refused, nothing changed.
            let foreign = try await octoisp("retry", "--provider", alfa.lowercased, theirs.lowercased)
            #expect(foreign.status != 0)
            #expect(foreign.text.contains("no dead letter"), "\(foreign.text)")
            let foreignDiscard = try await octoisp("discard", "--provider", alfa.lowercased, theirs.lowercased)
            #expect(foreignDiscard.status != 0)
            #expect(try await Self.state(queue, provider: beta, id: theirs) == .dead)
            let badID = try await octoisp("retry", "--provider", "not-a-uuid", first.lowercased)
            #expect(badID.status != 0 && badID.text.contains("UUID"))

            let retry = try await octoisp("retry", "--provider", alfa.lowercased, first.lowercased)
            #expect(retry.status == 0, "\(retry.text)")
            #expect(retry.text.contains("queued \(first.lowercased) again"))
            #expect(try await Self.state(queue, provider: alfa, id: first) == .ready)
            let discard = try await octoisp("discard", "--provider", alfa.lowercased, second.lowercased)
            #expect(discard.status == 0, "\(discard.text)")
            #expect(try await Self.state(queue, provider: alfa, id: second) == nil)
            let after = try await octoisp("list", "--provider", alfa.lowercased)
            #expect(after.text.contains("0 dead letter(s)"))
        }
    }
}
