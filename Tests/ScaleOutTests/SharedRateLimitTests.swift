import CPESimulator
import Foundation
import Logging
import NIOHTTP1
import OctoJobs
import OctoStore
import OctoTestSupport
import Testing

/// With REDIS_URL the API's rate limits live in Redis: a limit holds across API processes, survives a
/// Redis restart, and while Redis is unreachable each process falls back to its own buckets.
@Suite(.serialized) struct SharedRateLimitTests {
    /// `OCTOISP_RATE_LIMIT_IP=1`: one request a second, a burst of 4.
    static let burst = 4

    static func redis() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["OCTOISP_TEST_REDIS_URL"], !url.isEmpty else {
            throw TestSetupError("OCTOISP_TEST_REDIS_URL is not set: run the tests with scripts/test.sh, which starts Redis")
        }
        return url
    }

    /// `count` GETs of /health from `source`, alternating over `ports`; how many were let through, and
    /// how many one bucket may let through at most in the time they took (the burst plus one token a
    /// second: on a loaded machine the requests take longer and the bucket refills meanwhile).
    static func allowed(_ count: Int, ports: [Int], source: String) async throws -> (allowed: Int, ceiling: Int) {
        let start = ContinuousClock.now
        var allowed = 0
        for n in 0..<count {
            let answer = try await HTTPExchange.get(host: "127.0.0.1", port: ports[n % ports.count], path: "/health", source: source)
            switch answer.status {
            case 200: allowed += 1
            case 429: #expect(answer.headers.first(name: "Retry-After") != nil)
            default: Issue.record("GET /health answered \(answer.status)")
            }
        }
        let elapsed = ContinuousClock.now - start
        return (allowed, burst + Int((Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18).rounded(.up)))
    }

    @Test(.timeLimit(.minutes(1)))
    func limitHoldsAcrossProcessesAndSurvivesARedisRestart() async throws {
        let redis = try Self.redis()
        let restart = try #require(ProcessInfo.processInfo.environment["OCTOISP_TEST_REDIS_RESTART"], "OCTOISP_TEST_REDIS_RESTART is not set")
        try await TestDatabase.with { stack in
            var environment = Instances.environment(stack, secretKey: SecretBox.generateKeyring(), trusted: false)
            environment["OCTOISP_RATE_LIMIT_IP"] = "1"
            var shared = environment
            shared["REDIS_URL"] = redis
            let prefix = "test:rate:\(UUID().uuidString.prefix(8))"
            shared["OCTOISP_REDIS_RATE_PREFIX"] = prefix
            let ports = [TestEnvironment.freeTCPPort(), TestEnvironment.freeTCPPort()]
            async let first = Instances.api(shared, port: ports[0])
            async let second = Instances.api(shared, port: ports[1])
            let processes = try await [first, second]
            defer { for process in processes { process.send(SIGKILL) } }

            // Alternated over two processes, the limit is the configured one, not twice it.
            let (allowed, ceiling) = try await Self.allowed(12, ports: ports, source: "127.0.8.1")
            #expect((Self.burst...ceiling).contains(allowed), "\(allowed) of 12 let through by two processes sharing a burst of \(Self.burst) (at most \(ceiling))")
            // Each address has its own bucket.
            #expect(try await Self.allowed(2, ports: ports, source: "127.0.8.2").allowed == 2)
            // The buckets are keys that expire once they would be full again (4 tokens at 1/s: ≤ 4 s + 1 s).
            let client = RedisClient(url: try RedisURL(redis), connections: 1, logger: Logger(label: "test"))
            let keys = try await client.send(["KEYS", .string(prefix + ":*")]).array?.compactMap(\.string) ?? []
            // (and the readiness probes' own address, 127.0.0.1)
            #expect(Set(keys).isSuperset(of: [prefix + ":ip:127.0.8.1", prefix + ":ip:127.0.8.2"]), "\(keys)")
            for key in keys {
                let ttl = try await client.send(["PTTL", .string(key)]).int ?? -1
                #expect(ttl > 0 && ttl <= 5_000, "\(key) expires in \(ttl) ms")
            }
            await client.close()

            // Redis restarts; no request fails because of it, and the shared limit is back afterwards.
            try await ChildProcess.shell(restart)
            for n in 0..<4 {
                let answer = try await HTTPExchange.get(host: "127.0.0.1", port: ports[n % 2], path: "/health", source: "127.0.8.\(10 + n)")
                #expect(answer.status == 200)
            }
            var recovered = (allowed: 0, ceiling: 0)
            for attempt in 0..<10 {
                try await Task.sleep(for: .milliseconds(1200))
                recovered = try await Self.allowed(12, ports: ports, source: "127.0.8.\(100 + attempt)")
                if recovered.allowed <= recovered.ceiling { break }
            }
            #expect((Self.burst...recovered.ceiling).contains(recovered.allowed), "after the restart \(recovered.allowed) of 12 let through (at most \(recovered.ceiling))")
            await Instances.stop(processes)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func unreachableRedisFallsBackToTheProcessesOwnLimits() async throws {
        try await TestDatabase.with { stack in
            var environment = Instances.environment(stack, secretKey: SecretBox.generateKeyring(), trusted: false)
            environment["OCTOISP_RATE_LIMIT_IP"] = "1"
            // Nothing listens there.
            environment["REDIS_URL"] = "redis://127.0.0.1:\(TestEnvironment.freeTCPPort())"
            let port = TestEnvironment.freeTCPPort()
            let api = try await Instances.api(environment, port: port)
            defer { api.send(SIGKILL) }
            // Requests are served (fail open), and this process's own limit still holds.
            let (allowed, ceiling) = try await Self.allowed(12, ports: [port], source: "127.0.8.1")
            #expect((Self.burst...ceiling).contains(allowed), "\(allowed) of 12 let through without Redis (at most \(ceiling))")
            await Instances.stop([api])
        }
    }
}
