import Foundation
import Logging
import OctoCore
import OctoStore
import OctoTestSupport
import Testing

/// libpq-style database URLs: one or several servers, `target_session_attrs`, clear errors.
@Suite struct DatabaseURLTests {
    @Test func parsesOneServerAsBefore() throws {
        let url = try DatabaseURL("postgres://app:p%40ss@db.example:6543/octoisp?sslmode=require")
        #expect(url.endpoints == [.init(host: "db.example", port: 6543)])
        #expect(url.host == "db.example" && url.port == 6543)
        #expect(url.username == "app" && url.password == "p@ss" && url.database == "octoisp")
        #expect(url.requireTLS)
        #expect(url.targetSessionAttributes == .any && !url.needsServerSelection)
        #expect(try DatabaseURL("postgresql://app@localhost/octoisp").port == 5432)
        #expect(try DatabaseURL(url.connectionString) == url)
    }

    @Test func parsesSeveralServersWithTargetSessionAttributes() throws {
        let text = "postgres://u:p@127.0.0.1:5433,127.0.0.1:5434,[::1]:5435,db/octoisp?target_session_attrs=read-write&connect_timeout=3"
        let url = try DatabaseURL(text)
        #expect(url.endpoints == [.init(host: "127.0.0.1", port: 5433), .init(host: "127.0.0.1", port: 5434), .init(host: "::1", port: 5435),
                                  .init(host: "db", port: 5432)])
        #expect(url.targetSessionAttributes == .readWrite && url.needsServerSelection)
        #expect(url.connectTimeout == .seconds(3))
        #expect(try DatabaseURL(url.connectionString) == url)
        #expect(url.description == "postgres://u@127.0.0.1:5433,127.0.0.1:5434,[::1]:5435,db:5432/octoisp?target_session_attrs=read-write")
        #expect(!url.description.contains(":p@"))
        for value in ["any", "read-write", "read-only", "primary", "standby", "prefer-standby"] {
            #expect(try DatabaseURL("postgres://u@h/d?target_session_attrs=\(value)").targetSessionAttributes.rawValue == value)
        }
        #expect(try DatabaseURL("postgres://u@h/d?target_session_attrs=standby").needsServerSelection)
    }

    @Test(arguments: [
        ("mysql://u@h/d", "not a postgres:// URL"),
        ("postgres://h/d", "missing user"),
        ("postgres://u@/d", "missing host"),
        ("postgres://u@h:5432", "missing database name"),
        ("postgres://u@h1:5432,,h2/d", "host 2 of the list is empty"),
        ("postgres://u@h1:5432,h2:99999/d", "host 2: port must be a number from 1 to 65535"),
        ("postgres://u@h1:abc/d", "host 1: port must be a number"),
        ("postgres://u@h1,h1/d", "a host is listed twice"),
        ("postgres://u@h/d?target_session_attrs=writable", "target_session_attrs must be one of any, read-write, read-only, primary, standby, prefer-standby"),
        ("postgres://u@h/d?sslmode=verify-full", "sslmode must be disable, allow, prefer or require"),
        ("postgres://u@h/d?connect_timeout=0", "connect_timeout must be whole seconds"),
        ("postgres://u@h/d?pool=3", "unknown parameter 'pool'"),
        ("postgres://u@[::1/d", "unclosed '['"),
        ("postgres://u@bad host/d", "is not a host name or address"),
    ])
    func refusesBadURLsNamingTheProblem(_ text: String, _ problem: String) {
        do {
            _ = try DatabaseURL(text)
            Issue.record("\(text) was accepted")
        } catch {
            #expect(error.code == .invalidInput)
            #expect(error.field == "database_url")
            #expect(error.message.contains(problem), "\(error.message)")
        }
    }

    /// Against the test run's PostgreSQL: a URL whose first server does not answer connects to the
    /// next one; `standby` finds none (the server is a primary) and says what each server is.
    @Test func connectsToTheFirstServerThatFits() async throws {
        let app = try TestEnvironment.url("OCTOISP_TEST_APP_URL")
        let dead = DatabaseURL.Endpoint(host: "127.0.0.1", port: TestEnvironment.freeTCPPort())
        var url = app
        url.endpoints = [dead, app.endpoints[0]]
        url.targetSessionAttributes = .readWrite
        var logger = Logger(label: "url-test")
        logger.logLevel = .critical
        let (connection, endpoint, state) = try await url.connect(id: 1, logger: logger)
        try await connection.close()
        #expect(endpoint == app.endpoints[0] && !state.inRecovery && !state.readOnly)
        url.targetSessionAttributes = .standby
        await #expect(throws: OctoError.self) { _ = try await url.connect(id: 2, logger: logger) }
        do {
            _ = try await url.connect(id: 3, logger: logger)
        } catch let error as OctoError {
            #expect(error.code == .unavailable)
            #expect(error.message.contains("\(app.endpoints[0]): primary"), "\(error.message)")
        }
        // A pool on such a URL works through the second server.
        url.targetSessionAttributes = .primary
        let database = Database(configuration: .init(app: url, global: url, maximumConnections: 2), logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await database.run() }
            defer { group.cancelAll() }
            #expect(await database.ping())
            #expect(database.servers["app"]?.endpoint == app.endpoints[0])
        }
    }
}
