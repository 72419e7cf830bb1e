import ACS
import Foundation
import Logging
import OctoHTTP
import OctoTestSupport
import Testing

/// Port 7547 faces the Internet: a CPE (or anyone) that opens connections and trickles bytes is cut off.
@Suite struct ConnectionDeadlineTests {
    @Test func theCWMPEndpointClosesTricklingAndIdleConnections() async throws {
        try await TestDatabase.with { stack in
            var logger = Logger(label: "acs-deadline-test")
            logger.logLevel = .critical
            let engine = ACSEngine(database: stack.database, clock: stack.clock, logger: logger)
            var server = CWMPServer(engine: engine, host: "127.0.0.1", port: 0)
            server.deadlines = ConnectionDeadlines(idle: .seconds(5), read: .seconds(3))
            // (Read deadline 3 s: a connection opened and left silent is closed then; the 5 s idle deadline runs after an answer.
            // Not shorter: the first answer of a fresh process waits for its first database connection.)
            let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
            let app = try server.application(logger: logger) { port in continuation.yield(port) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await app.runService() }
                var port = 0
                for await bound in ports { port = bound; break }
                // Headers complete, then a body announced as 2000 bytes trickled: closed at the read deadline.
                let request = Array("POST /cwmp/acme HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\nContent-Length: 2000\r\n\r\n".utf8)
                    + Array(repeating: UInt8(ascii: " "), count: 2000)
                let trickled = try await SlowClient.secondsUntilClosed(port: port, trickle: request, interval: 0.05, limit: 15)
                #expect(trickled.map { $0 >= 2.9 && $0 < 8 } == true, "\(String(describing: trickled))")
                let silent = try await SlowClient.secondsUntilClosed(port: port, trickle: [], interval: 0.1, limit: 15)
                #expect(silent.map { $0 >= 2.9 && $0 < 8 } == true, "\(String(describing: silent))")
                // A request sent at once is answered (404: no such file) and the connection then waits for the next one.
                let whole = Array("GET /cwmp-files/acme/none/none HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
                let answered = try await SlowClient.secondsUntilClosed(port: port, trickle: whole, interval: 0, limit: 1.5)
                #expect(answered == nil, "\(String(describing: answered))")
                group.cancelAll()
            }
        }
    }

    /// A kept-alive connection silent after an answer is closed at `OCTOISP_HTTP_IDLE_TIMEOUT` (2 s
    /// here, the read deadline 10 s so it cannot be the cause), and not before: at half the timeout
    /// it still carries a request.
    @Test func aKeptAliveConnectionSilentAfterAnAnswerIsClosedAtTheIdleDeadline() async throws {
        try await TestDatabase.with { stack in
            var logger = Logger(label: "acs-deadline-test")
            logger.logLevel = .critical
            let engine = ACSEngine(database: stack.database, clock: stack.clock, logger: logger)
            var server = CWMPServer(engine: engine, host: "127.0.0.1", port: 0)
            server.deadlines = ConnectionDeadlines(environment: ["OCTOISP_HTTP_IDLE_TIMEOUT": "2", "OCTOISP_HTTP_READ_TIMEOUT": "10"])
            let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
            let app = try server.application(logger: logger) { port in continuation.yield(port) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await app.runService() }
                var port = 0
                for await bound in ports { port = bound; break }
                let request = Array("GET /cwmp-files/acme/none/none HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
                let outcome = try await KeepAliveClient.idle(port: port, request: request, pause: 1, limit: 8)
                #expect(outcome.firstAnswered, "\(outcome.trace)")
                #expect(outcome.secondAnswered, "the connection was closed before the idle deadline: \(outcome.trace)")
                #expect(outcome.closedAfter.map { $0 >= 1.9 && $0 < 4 } == true, "\(String(describing: outcome.closedAfter))")
                group.cancelAll()
            }
        }
    }
}
