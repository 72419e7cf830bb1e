import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import OctoCore
import OctoStore
import OctoTestSupport
import Testing

/// deploy/prometheus and deploy/grafana: checked by promtool, then every recording rule, alert and
/// dashboard expression evaluated by a real Prometheus scraping a real server under traffic.
@Suite(.serialized) struct PrometheusTests {
    static let rules = Repo.path("deploy/prometheus/rules/octoisp.rules.yml")

    static func promtool(_ arguments: [String]) async throws -> ChildProcess.Run {
        try await ChildProcess.run(["/usr/bin/promtool"] + arguments)
    }

    @Test func promtoolAcceptsTheConfigTheRulesAndTheirUnitTests() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool"), "promtool is missing: scripts/setup.sh installs prometheus")
        let config = try await Self.promtool(["check", "config", Repo.path("deploy/prometheus/prometheus.yml")])
        #expect(config.succeeded, "\(config.text)")
        let rules = try await Self.promtool(["check", "rules", Self.rules])
        #expect(rules.succeeded, "\(rules.text)")
        let unit = try await Self.promtool(["test", "rules", Repo.path("deploy/prometheus/rules/octoisp.rules.test.yml")])
        #expect(unit.succeeded, "\(unit.text)")
        // A broken rule file is refused (the check can fail).
        let broken = NSTemporaryDirectory() + "broken-\(UUID().uuidString).yml"
        try "groups:\n  - name: x\n    rules:\n      - record: a:b\n        expr: sum(rate(x[5m]\n".write(toFile: broken, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: broken) }
        #expect(try await !Self.promtool(["check", "rules", broken]).succeeded)
    }

    /// The dashboards' expressions, by dashboard and panel title; Grafana's `$__rate_interval` becomes 1m.
    static func dashboardExpressions() throws -> [(name: String, expr: String)] {
        let directory = Repo.path("deploy/grafana/dashboards")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }.sorted()
        #expect(Set(files).isSuperset(of: ["overview.json", "acs.json", "polling.json", "queues.json", "database.json"]), "\(files)")
        var result: [(String, String)] = []
        for file in files {
            let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + file))
            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(file) is not a JSON object")
            #expect(object["uid"] is String && object["title"] is String, "\(file) lacks uid or title")
            let panels = try #require(object["panels"] as? [[String: Any]], "\(file) has no panels")
            #expect(!panels.isEmpty)
            for panel in panels {
                let title = panel["title"] as? String ?? "?"
                let targets = try #require(panel["targets"] as? [[String: Any]], "\(file): panel \(title) has no targets")
                for target in targets {
                    let expr = try #require(target["expr"] as? String, "\(file): panel \(title) has a target without expr")
                    result.append(("\(file) · \(title) · \(target["refId"] as? String ?? "?")", expr.replacingOccurrences(of: "$__rate_interval", with: "1m")))
                }
            }
        }
        return result
    }

    /// An alert's expression without its threshold (`x > 0.05` → `x`): the series it watches, which
    /// must exist whether or not the alert fires.
    static func withoutThreshold(_ query: String) -> String {
        let pattern = try! NSRegularExpression(pattern: #"\s*(==|!=|>=|<=|>|<)\s*-?[0-9.]+([eE][+-]?[0-9]+)?\s*$"#)
        let range = NSRange(query.startIndex..., in: query)
        return pattern.stringByReplacingMatches(in: query, range: range, withTemplate: "")
    }

    @Test func thresholdsAreStrippedFromAlertExpressions() {
        #expect(Self.withoutThreshold(#"up{job=~"octoisp.*"} == 0"#) == #"up{job=~"octoisp.*"}"#)
        #expect(Self.withoutThreshold("job:x:rate5m > 0.05") == "job:x:rate5m")
        #expect(Self.withoutThreshold("sum by (q) (x) > 300") == "sum by (q) (x)")
        #expect(Self.withoutThreshold("rate(x[5m]) > 1e-3") == "rate(x[5m])")
    }

    /// A Prometheus server (Debian's binary) on a free loopback port with its own storage, scraping
    /// `target` every second and evaluating the platform's rules every second.
    final class PrometheusServer: Sendable {
        let process: ChildProcess
        let port: Int
        let directory: String

        init(target: String) async throws {
            guard FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus") else {
                throw TestSetupError("/usr/bin/prometheus is missing: scripts/setup.sh installs the Debian package prometheus")
            }
            port = TestEnvironment.freeTCPPort()
            directory = NSTemporaryDirectory() + "octoisp-prometheus-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
            let config = """
                global: {scrape_interval: 1s, evaluation_interval: 1s}
                rule_files: ["\(PrometheusTests.rules)"]
                scrape_configs:
                  - job_name: octoisp-all
                    static_configs: [{targets: ["\(target)"], labels: {role: all}}]
                """
            try config.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
            process = try ChildProcess.start(["/usr/bin/prometheus", "--config.file=\(directory)/prometheus.yml",
                                              "--storage.tsdb.path=\(directory)/data", "--web.listen-address=127.0.0.1:\(port)",
                                              "--log.level=warn"])
            for _ in 0..<100 {
                if let (status, _, _) = await OpsServer.request("http://127.0.0.1:\(port)/-/ready"), status == 200 { return }
                if process.poll() != nil { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            process.send(SIGKILL)
            throw TestSetupError("prometheus did not become ready: \(process.errors().suffix(2000))")
        }

        func stop() async {
            process.send(SIGTERM)
            if await process.termination(within: .seconds(5)) == nil { process.send(SIGKILL); _ = await process.termination() }
            try? FileManager.default.removeItem(atPath: directory)
        }

        /// `data` of an API answer.
        func api(_ path: String) async throws -> [String: Any] {
            let answer = try #require(await OpsServer.request("http://127.0.0.1:\(port)\(path)"), "prometheus did not answer \(path)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(answer.1.utf8)) as? [String: Any], "\(answer.1)")
            try #require(object["status"] as? String == "success", "\(path): \(answer.1)")
            return object["data"] as? [String: Any] ?? [:]
        }

        /// How many series or samples `expr` returns now.
        func count(_ expr: String) async throws -> Int {
            var components = URLComponents()
            components.queryItems = [URLQueryItem(name: "query", value: expr)]
            let query = components.percentEncodedQuery!.replacingOccurrences(of: "+", with: "%2B")
            let data = try await api("/api/v1/query?\(query)")
            return (data["result"] as? [Any])?.count ?? 0
        }
    }

    @Test(.timeLimit(.minutes(3))) func everyRuleAlertAndPanelReturnsDataFromALiveServer() async throws {
        try await TestDatabase.with { stack in
            let fixture = try await OpsFixture.make(stack)
            var environment = OpsServer.environment(stack, keyring: fixture.keyring)
            environment["OCTOISP_CPE_PASSWORD"] = "ops-cpe-pass"
            let added = try await ChildProcess.octoisp(["acs", "add-credential", "--provider", fixture.slug, "--username", "cpe"], environment: environment)
            try #require(added.succeeded, "\(added.text)")

            let server = try await OpsServer(stack, keyring: fixture.keyring)
            let prometheus = try await PrometheusServer(target: "\(OpsServer.host):\(server.metricsPort)")
            do {
                // Traffic: API calls (2xx and 4xx), a report job, a CPE session, and the SNMP poll the
                // poller's first cycle makes of the snmpd peer.
                let token = try await server.adminToken()
                #expect(try await server.call("/api/v1/devices", token: token, provider: fixture.provider).0 == 200)
                #expect(try await server.call("/api/v1/devices/\(UUID().lowercased)", token: token, provider: fixture.provider).0 == 404)
                let report = try await server.call("/api/v1/reports", method: "POST", body: #"{"kind": "sla", "from": "2026-11-01", "to": "2026-11-01"}"#,
                                                   token: token, provider: fixture.provider)
                #expect(report.0 == 201 || report.0 == 202, "\(report.1)")
                let model = Repo.fixtures.appendingPathComponent("tr069/devices/device-eg8145v5-no-voip.csv").path
                let sim = try await ChildProcess.octoisp(["cpe-sim", "--acs", "http://\(OpsServer.host):\(server.cwmpPort)/cwmp/\(fixture.slug)", "--model", model,
                                                          "--count", "1", "--username", "cpe", "--auth", "digest"], environment: environment)
                #expect(sim.succeeded, "\(sim.text)")

                // Prometheus loaded every rule of the file.
                let groups = try await prometheus.api("/api/v1/rules")["groups"] as? [[String: Any]] ?? []
                let loaded = groups.flatMap { $0["rules"] as? [[String: Any]] ?? [] }
                var expressions: [(name: String, expr: String)] = []
                for rule in loaded {
                    let name = rule["name"] as? String ?? "?"
                    let query = rule["query"] as? String ?? ""
                    if rule["type"] as? String == "alerting" {
                        expressions.append(("alert \(name)", Self.withoutThreshold(query)))
                    } else {
                        expressions.append(("recording rule \(name) (expr)", query))
                        expressions.append(("recording rule \(name) (recorded)", name))
                    }
                }
                #expect(loaded.count >= 26, "prometheus loaded \(loaded.count) rules")
                expressions += try Self.dashboardExpressions()

                // Scrapes every second: wait until every expression has data, at most 60 s.
                let deadline = ContinuousClock.now + .seconds(60)
                var empty: [String] = []
                repeat {
                    empty = []
                    for (name, expr) in expressions where try await prometheus.count(expr) == 0 { empty.append("\(name): \(expr)") }
                    if empty.isEmpty { break }
                    try await Task.sleep(for: .seconds(2))
                } while ContinuousClock.now < deadline
                #expect(empty.isEmpty, "expressions that returned no data:\n\(empty.joined(separator: "\n"))")
                // And a typo would have been caught: an unknown metric returns nothing.
                #expect(try await prometheus.count("sum(rate(octoisp_no_such_metric_total[1m]))") == 0)
                #expect(try await prometheus.count(#"up{job="octoisp-all"} == 1"#) == 1)
            } catch {
                await prometheus.stop()
                await server.stop()
                throw error
            }
            await prometheus.stop()
            await server.stop()
        }
    }
}
