import Foundation
import HummingbirdWSClient
import Logging
import OctoCore
import OctoJobs
import OctoStore
import OctoTestSupport
import Synchronization
import Testing
import ToolRuns

/// `/api/v1/tool-runs`: validation and guard rails, runs executed by a worker of queue `tools`, live
/// output on the WebSocket, cancel, history filters, CSV and tenant isolation.
@Suite struct ToolRunsAPITests {
    /// A worker of queue `tools` running tool jobs on the test's database.
    static func worker(_ stack: TestStack) -> JobWorker {
        var logger = Logger(label: "tools-test")
        logger.logLevel = .warning
        var handlers = JobHandlers()
        ToolRunner(database: stack.database, deny: .init(), executor: "test worker", logger: logger).register(in: &handlers)
        return JobWorker(queue: PostgresJobQueue(database: stack.database, clock: stack.clock, logger: logger), handlers: handlers,
                         configuration: .init(queues: [ToolQueues.platform], includeDedicated: false, concurrency: 2, pollInterval: .milliseconds(50)),
                         clock: stack.clock, logger: logger)
    }

    static func postgres(_ stack: TestStack) -> any JobQueue {
        var logger = Logger(label: "tools-test")
        logger.logLevel = .warning
        return PostgresJobQueue(database: stack.database, clock: stack.clock, logger: logger)
    }

    static func waitFinished(_ harness: APIHarness, _ id: String, token: String, within seconds: Int = 30) async throws -> APIResponse {
        for _ in 0..<(seconds * 10) {
            let run = try await harness.call(.get, "/api/v1/tool-runs/\(id)", token: token)
            if let status = run.string("status"), ["succeeded", "failed", "cancelled"].contains(status) { return run }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestSetupError("run \(id) did not finish")
    }

    @Test func badInputIs400NamingTheFieldAndStoresNothing() async throws {
        try await APIHarness.with(jobs: { Self.postgres($0) }) { harness in
            let provider = try await harness.stack.makeProvider("alfa").id
            try await harness.stack.makeUser("tec@alfa.test", role: .technician, provider: provider)
            try await harness.stack.makeUser("admin@alfa.test", role: .providerAdmin, provider: provider)
            let token = try await harness.login("tec@alfa.test")
            let admin = try await harness.login("admin@alfa.test")
            let range = try await harness.call(.post, "/api/v1/tool-target-ranges", token: admin, json: #"{"cidr": "127.99.0.0/16"}"#)
            #expect(range.status == .created)
            // A technician may not widen the ranges.
            #expect(try await harness.call(.post, "/api/v1/tool-target-ranges", token: token, json: #"{"cidr": "127.98.0.0/16"}"#).status == .forbidden)
            let cases: [(String, String)] = [
                (#"{"tool": "ping"}"#, "ping"),
                (#"{"tool": "ping", "ping": {"target": "999.1.1.1"}}"#, "ping.target"),
                (#"{"tool": "ping", "ping": {"target": "127.99.1.1", "count": 0}}"#, "ping.count"),
                (#"{"tool": "ping", "ping": {"target": "127.0.0.1"}}"#, "ping.target"),
                (#"{"tool": "ping", "ping": {"target": "127.50.1.1"}}"#, "ping.target"),
                (#"{"tool": "ping", "ping": {"target": "127.99.1.1"}, "dns": {"name": "a.test"}}"#, "dns"),
                (#"{"tool": "ip_scan", "ip_scan": {"cidr": "127.99.0.0/16"}}"#, "ip_scan.cidr"),
                (#"{"tool": "ip_scan", "ip_scan": {"cidr": "127.0.0.0/20"}}"#, "ip_scan.cidr"),
                (#"{"tool": "port_scan", "port_scan": {"target": "127.99.1.1", "ports": "1-70000"}}"#, "port_scan.ports"),
                (#"{"tool": "port_scan", "port_scan": {"target": "127.99.1.1", "timeout_ms": 1}}"#, "port_scan.timeout_ms"),
                (#"{"tool": "http", "http": {"url": "ftp://127.99.1.1/"}}"#, "http.url"),
                (#"{"tool": "http", "http": {"url": "http://127.0.0.1:8080/"}}"#, "http.url"),
                (#"{"tool": "dns", "dns": {"name": "a.test", "server": "127.0.0.53"}}"#, "dns.server"),
                (#"{"tool": "mtr", "origin": "pop", "mtr": {"target": "127.99.1.1"}}"#, "pop_id"),
                (#"{"tool": "ping", "ping": {"target": "127.99.1.1", "bogus": 1}}"#, "ping.bogus"),
                (#"{"tool": "speedtest", "speedtest": {"direction": "download"}}"#, "origin"),
                (#"{"tool": "speedtest", "origin": "cpe", "speedtest": {"direction": "upload"}}"#, "device_id"),
                (#"{"tool": "speedtest", "origin": "cpe", "speedtest": {"bogus": 1}}"#, "speedtest.bogus"),
            ]
            for (body, field) in cases {
                let response = try await harness.call(.post, "/api/v1/tool-runs", token: token, json: body)
                #expect(response.status == .badRequest, "\(body): \(response.status)")
                #expect(response.errorField == field, "\(body): \(String(describing: response.json))")
            }
            let history = try await harness.call(.get, "/api/v1/tool-runs", token: token)
            #expect(history["total"] == .number(0))
        }
    }

    @Test func aPingStreamsOverTheWebSocketAndLandsInTheHistory() async throws {
        try await APIHarness.with(jobs: { Self.postgres($0) }) { harness in
            let provider = try await harness.stack.makeProvider("alfa").id
            let other = try await harness.stack.makeProvider("beta").id
            try await harness.stack.makeUser("tec@alfa.test", role: .technician, provider: provider)
            try await harness.stack.makeUser("tec@beta.test", role: .technician, provider: other)
            let token = try await harness.login("tec@alfa.test")
            let stranger = try await harness.login("tec@beta.test")
            // The device's address makes it a target (no range needed).
            let target = "127.99.\(Int.random(in: 1...250)).\(Int.random(in: 2...250))"
            let device = try await harness.stack.database.withTenant(provider) { tx in
                try await tx.query("INSERT INTO devices (provider_id, name, management_ip) VALUES (\(provider), 'ONT Maria', \(target)::inet) RETURNING id")
                    .values(UUID.self)[0]
            }
            let port = try #require(harness.client.port)
            let inbox = Inbox()
            let worker = Self.worker(harness.stack)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await worker.run() }
                let created = try await harness.call(.post, "/api/v1/tool-runs", token: token, json: """
                    {"tool": "ping", "device_id": "\(device.lowercased)", "ping": {"target": "\(target)", "count": 4, "interval_ms": 300}}
                    """)
                #expect(created.status == .created, "\(String(describing: created.json))")
                let id = try #require(created.string("id")).lowercased()
                #expect(created.string("status") == "queued" && created.string("origin") == "platform")
                group.addTask {
                    try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/api/v1/ws?access_token=\(token)", logger: .quiet) { inbound, outbound, _ in
                        try await outbound.write(.text(#"{"action": "subscribe", "topics": ["tool-runs/\#(id)"]}"#))
                        for try await message in inbound.messages(maxSize: 1 << 16) {
                            if case .text(let text) = message { inbox.messages.withLock { $0.append(text) } }
                        }
                    }
                }
                let finished = try await Self.waitFinished(harness, id, token: token)
                #expect(finished.string("status") == "succeeded")
                #expect(finished.string("executed_by") == "test worker")
                guard case .object(let result)? = finished["result"], case .object(let output)? = result["output"],
                      case .object(let statistics)? = output["statistics"] else {
                    Issue.record("no result: \(String(describing: finished.json))")
                    return
                }
                #expect(statistics["sent"] == .number(4) && statistics["received"] == .number(4))
                #expect(result["summary"].map { "\($0)".contains("4/4 replies, 0.0% loss") } == true, "\(String(describing: result["summary"]))")
                try await Task.sleep(for: .milliseconds(300))
                group.cancelAll()
            }
            // The probes arrived one by one on the run's topic (the first may precede the subscription).
            let probes = inbox.messages.withLock { $0.filter { $0.contains(#""kind":"probe""#) } }
            #expect(probes.count >= 2, "\(inbox.messages.withLock { $0 })")
            // History: by device, CSV, and invisible to another provider.
            let byDevice = try await harness.call(.get, "/api/v1/tool-runs?device_id=\(device.lowercased)&tool=ping", token: token)
            #expect(byDevice["total"] == .number(1))
            let csv = try await harness.client.execute(uri: "/api/v1/tool-runs/export?device_id=\(device.lowercased)", method: .get,
                                                       headers: [.authorization: "Bearer \(token)"], body: nil)
            let text = String(buffer: csv.body)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(text.hasPrefix("id,created_at,tool,origin") && text.contains(",ping,platform,") && text.contains("tec@alfa.test"))
            let id = try #require(byDevice.items.first?.string("id"))
            #expect(try await harness.call(.get, "/api/v1/tool-runs/\(id)", token: stranger).status == .notFound)
            #expect(try await harness.call(.get, "/api/v1/tool-runs", token: stranger)["total"] == .number(0))
            // Audited.
            let audit = try await harness.stack.database.withTenant(provider) { tx in
                try await tx.query("SELECT count(*)::int FROM audit_log WHERE action = 'tool_run.create' AND target_id = \(id)").values(Int.self).first
            }
            #expect(audit == 1)
        }
    }

    @Test func aRunningMTRIsCancelled() async throws {
        try await APIHarness.with(jobs: { Self.postgres($0) }) { harness in
            let provider = try await harness.stack.makeProvider("alfa").id
            try await harness.stack.makeUser("noc@alfa.test", role: .noc, provider: provider)
            let token = try await harness.login("noc@alfa.test")
            try await harness.stack.database.withTenant(provider) { tx in
                try await tx.query("INSERT INTO tool_target_ranges (provider_id, cidr, created_at) VALUES (\(provider), '127.99.0.0/16', now())")
            }
            let worker = Self.worker(harness.stack)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await worker.run() }
                let created = try await harness.call(.post, "/api/v1/tool-runs", token: token, json: """
                    {"tool": "mtr", "mtr": {"target": "127.99.3.4", "rounds": 600, "interval_ms": 100, "max_hops": 4}}
                    """)
                let id = try #require(created.string("id"))
                for _ in 0..<100 {
                    if try await harness.call(.get, "/api/v1/tool-runs/\(id)", token: token).string("status") == "running" { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                let cancel = try await harness.call(.post, "/api/v1/tool-runs/\(id)/cancel", token: token)
                #expect(cancel.status == .ok && cancel["cancel_requested"] == .bool(true))
                let finished = try await Self.waitFinished(harness, id, token: token, within: 10)
                #expect(finished.string("status") == "cancelled")
                guard case .object(let result)? = finished["result"], case .object(let output)? = result["output"],
                      case .number(let round)? = output["round"] else {
                    Issue.record("no partial result: \(String(describing: finished.json))")
                    return
                }
                #expect(round >= 1 && round < 600)
                // A finished run cannot be cancelled again.
                #expect(try await harness.call(.post, "/api/v1/tool-runs/\(id)/cancel", token: token).status == .conflict)
                group.cancelAll()
            }
        }
    }

    @Test func theProviderLimitsAnswer429() async throws {
        try await APIHarness.with(jobs: { Self.postgres($0) }) { harness in
            let provider = try await harness.stack.makeProvider("alfa").id
            try await harness.stack.makeUser("noc@alfa.test", role: .noc, provider: provider)
            let token = try await harness.login("noc@alfa.test")
            try await harness.stack.database.withTenant(provider) { tx in
                try await tx.query("INSERT INTO tool_target_ranges (provider_id, cidr, created_at) VALUES (\(provider), '127.99.0.0/16', now())")
            }
            // No worker: runs stay queued, so the fifth is over the default of four at once.
            for index in 0..<4 {
                let response = try await harness.call(.post, "/api/v1/tool-runs", token: token,
                                                      json: #"{"tool": "ping", "ping": {"target": "127.99.0.\#(index + 2)"}}"#)
                #expect(response.status == .created)
            }
            let refused = try await harness.call(.post, "/api/v1/tool-runs", token: token, json: #"{"tool": "ping", "ping": {"target": "127.99.0.9"}}"#)
            #expect(refused.status == .tooManyRequests)
            #expect(try await harness.call(.get, "/api/v1/tool-runs?status=queued", token: token)["total"] == .number(4))
        }
    }

    @Test func aGlobalAdminSetsAProvidersOwnLimits() async throws {
        try await APIHarness.with(jobs: { Self.postgres($0) }) { harness in
            let provider = try await harness.stack.makeProvider("alfa").id
            let other = try await harness.stack.makeProvider("beta").id
            try await harness.stack.makeUser("noc@alfa.test", role: .noc, provider: provider)
            try await harness.stack.makeUser("admin@alfa.test", role: .providerAdmin, provider: provider)
            try await harness.stack.makeUser("root@octoisp.test", role: .globalAdmin, provider: nil)
            let noc = try await harness.login("noc@alfa.test")
            let admin = try await harness.login("admin@alfa.test")
            let root = try await harness.login("root@octoisp.test")
            try await harness.stack.database.withTenant(provider) { tx in
                try await tx.query("INSERT INTO tool_target_ranges (provider_id, cidr, created_at) VALUES (\(provider), '127.99.0.0/16', now())")
            }
            let defaults = try await harness.call(.get, "/api/v1/tool-limits", token: noc)
            #expect(defaults["max_active"] == .number(4) && defaults["source"] == .string("default"), "\(String(describing: defaults.json))")
            // A provider admin may not widen the guard rails of its own provider.
            let own = try await harness.call(.put, "/api/v1/tool-limits", token: admin, json: #"{"max_active": 50, "max_per_minute": 500}"#)
            #expect(own.status == .forbidden)
            for (body, field) in [(#"{"max_active": 0, "max_per_minute": 5}"#, "max_active"), (#"{"max_active": 1, "max_per_minute": 1001}"#, "max_per_minute")] {
                let bad = try await harness.call(.put, "/api/v1/tool-limits", token: root, provider: provider, json: body)
                #expect(bad.status == .badRequest && bad.errorField == field, "\(body): \(String(describing: bad.json))")
            }
            #expect(try await harness.call(.get, "/api/v1/tool-limits", token: noc)["source"] == .string("default"), "refused input changed nothing")
            let set = try await harness.call(.put, "/api/v1/tool-limits", token: root, provider: provider, json: #"{"max_active": 1, "max_per_minute": 5}"#)
            #expect(set.status == .ok && set["max_active"] == .number(1) && set["source"] == .string("provider"), "\(String(describing: set.json))")
            #expect(try await harness.call(.get, "/api/v1/tool-limits", token: root, provider: other)["source"] == .string("default"))
            // No worker: the first run stays queued and is the one run the provider may have at once.
            let first = try await harness.call(.post, "/api/v1/tool-runs", token: noc, json: #"{"tool": "ping", "ping": {"target": "127.99.0.2"}}"#)
            #expect(first.status == .created)
            let second = try await harness.call(.post, "/api/v1/tool-runs", token: noc, json: #"{"tool": "ping", "ping": {"target": "127.99.0.3"}}"#)
            #expect(second.status == .tooManyRequests, "\(String(describing: second.json))")
            let audited = try await harness.stack.database.withTenant(provider) { tx in
                try await tx.query("SELECT count(*)::int FROM audit_log WHERE action = 'tool_limits.update'").values(Int.self)
            }
            #expect(audited == [1])
        }
    }

    @Test func aPopRunIsExecutedByThatPopsAgentProcess() async throws {
        let binary = try TestEnvironment.octoispBinary()
        try await APIHarness.with(jobs: { Self.postgres($0) }) { harness in
            let provider = try await harness.stack.makeProvider("edge")
            try await harness.stack.makeUser("noc@edge.test", role: .noc, provider: provider.id)
            let token = try await harness.login("noc@edge.test")
            let pop = try await harness.stack.database.withTenant(provider.id) { tx in
                try await tx.query("INSERT INTO tool_target_ranges (provider_id, cidr, created_at) VALUES (\(provider.id), '127.99.0.0/16', now())")
                return try await tx.query("INSERT INTO pops (provider_id, name, code) VALUES (\(provider.id), 'Centro', 'centro') RETURNING id")
                    .values(UUID.self)[0]
            }
            func url(_ url: DatabaseURL) -> String { "postgres://\(url.username):\(url.password ?? "")@\(url.host):\(url.port)/\(url.database)" }
            var environment = ProcessInfo.processInfo.environment
            environment["REDIS_URL"] = nil
            environment["DATABASE_URL"] = url(harness.stack.appURL)
            environment["OCTOISP_GLOBAL_DATABASE_URL"] = url(harness.stack.globalURL)
            environment["OCTOISP_DB_POOL"] = "4"
            environment["OCTOISP_SECRET_KEY"] = SecretBox.generateKeyring()
            let agent = try ChildProcess.start([binary, "agent", "--pop", "centro", "--provider", "edge"], environment: environment)
            defer { agent.send(SIGKILL) }
            let created = try await harness.call(.post, "/api/v1/tool-runs", token: token, json: """
                {"tool": "traceroute", "origin": "pop", "pop_id": "\(pop.lowercased)", "traceroute": {"target": "127.99.7.7", "max_hops": 4}}
                """)
            #expect(created.status == .created, "\(String(describing: created.json))")
            let id = try #require(created.string("id"))
            let finished = try await Self.waitFinished(harness, id, token: token, within: 60)
            #expect(finished.string("status") == "succeeded", "agent log: \(agent.errors().suffix(2000))")
            #expect(finished.string("executed_by")?.hasPrefix("agent ") == true)
            guard case .object(let result)? = finished["result"], case .object(let output)? = result["output"],
                  case .array(let hops)? = output["hops"] else {
                Issue.record("no result: \(String(describing: finished.json))")
                return
            }
            // Loopback: the target is the first hop.
            #expect(hops.count == 1 && output["reached_destination"] == .bool(true))
            #expect(try await harness.call(.get, "/api/v1/tool-runs?pop_id=\(pop.lowercased)", token: token)["total"] == .number(1))
            agent.send(SIGTERM)
            _ = await agent.termination(within: .seconds(20))
        }
    }
}
