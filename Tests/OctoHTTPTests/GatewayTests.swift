import Foundation
import HTTPTypes
import HummingbirdTesting
import HummingbirdWSClient
import Logging
import NIOCore
import OctoCore
import OctoHTTP
import OctoStore
import OctoTestSupport
import Prometheus
import Synchronization
import Testing

/// Health, readiness, metrics, request ids, the OpenAPI document and the realtime hub.
@Suite struct GatewayTests {
    @Test func healthReadinessAndMetrics() async throws {
        try await APIHarness.with(configure: { $0.metricsToken = "scrape-token-0123456789" }) { harness in
            #expect(try await harness.call(.get, "/health").status == .ok)
            #expect(try await harness.call(.get, "/ready").status == .ok)
            _ = try await harness.call(.get, "/api/v1/devices")
            // Metrics need the scrape token: not anonymously, not with a wrong one, not with a user's.
            #expect(try await harness.call(.get, "/metrics").status == .unauthorized)
            #expect(try await harness.call(.get, "/metrics", headers: [.authorization: "Bearer wrong-token"]).status == .unauthorized)
            let metrics = try await harness.client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer scrape-token-0123456789"])
            #expect(metrics.status == .ok)
            let text = String(buffer: metrics.body)
            #expect(text.contains("octoisp_http_requests_total{method=\"GET\",route=\"/api/v1/devices\",status=\"4xx\"}"))
            #expect(text.contains("octoisp_http_request_duration_seconds_count{method=\"GET\",route=\"/api/v1/devices\"}"))
            // A path no route matches counts under one label, never its raw path.
            _ = try await harness.call(.get, "/api/v1/no-such-thing/123")
            let after = String(buffer: try await harness.client.execute(uri: "/metrics", method: .get,
                                                                         headers: [.authorization: "Bearer scrape-token-0123456789"]).body)
            #expect(!after.contains("no-such-thing"))
        }
    }

    /// A process is not ready until its start-up work is done: a client that waits for `/ready` (a load
    /// balancer, a test) can sign in as the first Global Admin at once.
    @Test func readinessWaitsForTheStartUpWork() async throws {
        let startup = StartupGate(waitingFor: ["first Global Admin", "other step"])
        try await APIHarness.with(startup: startup) { harness in
            let starting = try await harness.call(.get, "/ready")
            #expect(starting.status == .serviceUnavailable)
            #expect(starting.errorCode == "unavailable")
            #expect(starting.headers[.retryAfter] == "1")
            guard case .object(let error)? = starting["error"], case .string(let message)? = error["message"] else {
                Issue.record("no error message: \(String(describing: starting.json))"); return
            }
            #expect(message.contains("first Global Admin") && message.contains("other step"), "\(message)")
            startup.finish("first Global Admin")
            #expect(try await harness.call(.get, "/ready").status == .serviceUnavailable)
            #expect(startup.waiting == ["other step"])
            startup.finish("other step")
            #expect(try await harness.call(.get, "/ready").status == .ok)
            // Liveness never waited.
            #expect(try await harness.call(.get, "/health").status == .ok)
        }
    }

    @Test func metricsAreNotAnonymousOnTheAPIPortByDefault() async throws {
        try await APIHarness.with { harness in
            let response = try await harness.call(.get, "/metrics")
            #expect(response.status == .notFound)
            #expect(response.errorCode == "not_found")
        }
    }

    @Test func metricsOnTheirOwnInternalListener() async throws {
        let registry = PrometheusCollectorRegistry()
        registry.makeCounter(name: "octoisp_probe_total").increment()
        let endpoint = MetricsEndpoint(registry: registry, address: .init(host: "127.0.0.1", port: 0))
        let (ports, portSink) = AsyncStream<Int>.makeStream()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await endpoint.application(logger: .quiet, onListening: { portSink.yield($0) }).run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                let response = try await client.get("/metrics")
                #expect(response.status == .ok)
                #expect(String(buffer: response.body ?? ByteBuffer()).contains("octoisp_probe_total 1"))
                #expect(try await client.get("/api/v1/devices").status == .notFound)
            }
            group.cancelAll()
        }
    }

    @Test func requestIdsAreEchoedOrMinted() async throws {
        try await APIHarness.with { harness in
            let given = try await harness.call(.get, "/health", headers: [HTTPField.Name("X-Request-Id")!: "abc-123"])
            #expect(given.headers[HTTPField.Name("X-Request-Id")!] == "abc-123")
            let hostile = try await harness.call(.get, "/health", headers: [HTTPField.Name("X-Request-Id")!: "bad id\u{7}"])
            #expect(hostile.headers[HTTPField.Name("X-Request-Id")!] != "bad id\u{7}")
            let error = try await harness.call(.get, "/api/v1/devices", headers: [HTTPField.Name("X-Request-Id")!: "req-42"])
            guard case .object(let body) = error["error"] else { Issue.record("no error body"); return }
            #expect(body["request_id"] == .string("req-42"))
        }
    }

    @Test func openAPIDocumentDescribesExactlyTheServedEndpoints() async throws {
        try await APIHarness.with { harness in
            let response = try await harness.client.execute(uri: "/api/v1/openapi.json", method: .get)
            #expect(response.status == .ok)
            let document = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
            #expect(document?["openapi"] as? String == "3.1.0")
            let paths = document?["paths"] as? [String: [String: Any]] ?? [:]
            var documented = Set<String>()
            for (path, operations) in paths where path.hasPrefix("/api/v1/") && path != "/api/v1/openapi.json" && path != "/api/v1/ws" {
                for method in operations.keys where ["get", "post", "patch", "put", "delete"].contains(method) {
                    documented.insert("\(method) \(path)")
                }
            }
            let api = API(database: harness.stack.database, auth: harness.stack.auth, hub: RealtimeHub(), configuration: .init(), metrics: .init())
            let served = Set(api.endpoints().map { "\($0.method) \($0.path)" })
            #expect(served.subtracting(documented).isEmpty, "served but undocumented: \(served.subtracting(documented).sorted())")
            #expect(documented.subtracting(served).isEmpty, "documented but not served: \(documented.subtracting(served).sorted())")
        }
    }

    static func listen(port: Int, token: String, into box: Inbox, logger: Logger) async throws {
        try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/api/v1/ws?access_token=\(token)", logger: logger) { inbound, outbound, _ in
            try await outbound.write(.text(#"{"action": "subscribe", "topics": ["devices"]}"#))
            for try await message in inbound.messages(maxSize: 1 << 16) {
                if case .text(let text) = message { box.messages.withLock { $0.append(text) } }
            }
        }
    }

    @Test func realtimeEventsReachOnlyTheirProvidersSubscribers() async throws {
        try await APIHarness.with { harness in
            let a = try await harness.stack.makeProvider("alfa")
            let b = try await harness.stack.makeProvider("beta")
            try await harness.stack.makeUser("noc@alfa.test", role: .noc, provider: a.id)
            try await harness.stack.makeUser("noc@beta.test", role: .noc, provider: b.id)
            let tokenA = try await harness.login("noc@alfa.test")
            let tokenB = try await harness.login("noc@beta.test")
            let port = try #require(harness.client.port)
            let receivedA = Inbox()
            let receivedB = Inbox()
            let logger = Logger.quiet
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await Self.listen(port: port, token: tokenA, into: receivedA, logger: logger) }
                group.addTask { try await Self.listen(port: port, token: tokenB, into: receivedB, logger: logger) }
                // Wait until both clients confirmed their subscription.
                for _ in 0..<100 where !(receivedA.messages.withLock { $0.contains { $0.contains("subscribed") } }
                                         && receivedB.messages.withLock { $0.contains { $0.contains("subscribed") } }) {
                    try await Task.sleep(for: .milliseconds(50))
                }
                let created = try await harness.call(.post, "/api/v1/devices", token: tokenA, json: #"{"name": "ONT live"}"#)
                let id = try #require(created.string("id")).lowercased()
                for _ in 0..<100 where !(receivedA.messages.withLock { $0.contains { $0.contains(id) } }) {
                    try await Task.sleep(for: .milliseconds(50))
                }
                try await Task.sleep(for: .milliseconds(200))
                group.cancelAll()
            }
            #expect(receivedA.messages.withLock { $0.contains { $0.contains(#""topic":"devices""#) && $0.contains("created") } })
            #expect(!receivedB.messages.withLock { $0.contains { $0.contains(#""type":"event""#) } })
        }
    }

    @Test func websocketRefusesMissingOrBadTokens() async throws {
        try await APIHarness.with { harness in
            let port = try #require(harness.client.port)
            var logger = Logger(label: "ws-test")
            logger.logLevel = .critical
            await #expect(throws: (any Error).self) {
                try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/api/v1/ws?access_token=forged", logger: logger) { _, _, _ in }
            }
        }
    }
}

/// Messages a WebSocket client received.
final class Inbox: Sendable {
    let messages = Mutex<[String]>([])
}

extension Logger {
    /// A logger for test clients that only reports errors.
    static var quiet: Logger {
        var logger = Logger(label: "test-client")
        logger.logLevel = .error
        return logger
    }
}
