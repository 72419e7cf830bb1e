import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import OctoCore
import OctoStore
import OctoTestSupport
import PostgresNIO
import Testing

/// The `octoisp` executable as an operator runs it: migrate, create a user, serve, stop on SIGTERM,
/// verify the audit log.
@Suite struct ServerProcessTests {
    static func environment(_ stack: TestStack, port: Int) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = stack.appURL.connectionString
        environment["OCTOISP_GLOBAL_DATABASE_URL"] = stack.globalURL.connectionString
        environment["OCTOISP_OWNER_DATABASE_URL"] = stack.ownerURL.connectionString
        environment["OCTOISP_SECRET_KEY"] = SecretBox.generateKeyring()
        environment["OCTOISP_JWT_SECRET"] = "process-test-secret-0123456789abcdef"
        environment["OCTOISP_HTTP_PORT"] = String(port)
        environment["OCTOISP_BCRYPT_COST"] = "4"
        environment["OCTOISP_ADMIN_EMAIL"] = "first@octoisp.test"
        environment["OCTOISP_ADMIN_PASSWORD"] = "first admin password"
        return environment
    }

    static func run(_ arguments: [String], environment: [String: String]) async throws -> ChildProcess.Run {
        try await ChildProcess.octoisp(arguments, environment: environment)
    }

    static func request(_ url: String, method: String = "GET", body: String? = nil) async -> (Int, String)? {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.httpBody = body.map { Data($0.utf8) }
        request.timeoutInterval = 2
        guard let (data, response) = try? await URLSession.shared.data(for: request) else { return nil }
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    @Test func migrateCreateUserServeAndStopGracefully() async throws {
        try await TestDatabase.with { stack in
            let port = TestEnvironment.freeTCPPort()
            let environment = Self.environment(stack, port: port)
            let migrate = try await Self.run(["migrate"], environment: environment)
            #expect(migrate.status == 0)
            #expect(migrate.text.contains("up to date"))

            let provider = try await stack.makeProvider("alfa")
            let created = try await Self.run(["admin", "create-user", "--email", "noc@alfa.test", "--password", "correct horse battery",
                                              "--role", "noc", "--provider", "alfa"], environment: environment)
            #expect(created.status == 0, "\(created.text)")
            let refused = try await Self.run(["admin", "create-user", "--email", "x@alfa.test", "--password", "short", "--provider", "alfa"],
                                             environment: environment)
            #expect(refused.status != 0)
            #expect(refused.text.contains("10 characters"))

            let server = try ChildProcess.start([try TestEnvironment.octoispBinary(), "serve", "--roles", "api"], environment: environment)
            var ready = false
            for _ in 0..<100 {
                if let (status, _) = await Self.request("http://127.0.0.1:\(port)/ready"), status == 200 { ready = true; break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(ready)
            let login = await Self.request("http://127.0.0.1:\(port)/api/v1/auth/login", method: "POST",
                                           body: #"{"email": "noc@alfa.test", "password": "correct horse battery"}"#)
            #expect(login?.0 == 200)
            // The first Global Admin came from the environment.
            let admin = await Self.request("http://127.0.0.1:\(port)/api/v1/auth/login", method: "POST",
                                           body: #"{"email": "first@octoisp.test", "password": "first admin password"}"#)
            #expect(admin?.0 == 200)

            server.send(SIGTERM)
            let termination = await server.termination(within: .seconds(10))
            #expect(termination == .exited(0), "\(server.errors())")
            _ = provider
        }
    }

    @Test func auditVerifyNamesTheFirstBrokenLink() async throws {
        try await TestDatabase.with { stack in
            let environment = Self.environment(stack, port: 0)
            let provider = try await stack.makeProvider("alfa")
            try await stack.database.withTenant(provider.id) { tx in
                for index in 0..<3 { _ = try await tx.pops.create(PopInput(name: "POP \(index)"), by: .system) }
            }
            let intact = try await Self.run(["audit", "verify"], environment: environment)
            #expect(intact.status == 0)
            #expect(intact.text.contains("intact"))
            try await stack.connect(stack.ownerURL) { connection in
                let logger = Logger(label: "test")
                try await connection.query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update", logger: logger)
                try await connection.query("UPDATE audit_log SET after = '{\"name\": \"forged\"}' WHERE provider_id = \(provider.id) AND seq = 2", logger: logger)
                try await connection.query("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update", logger: logger)
            }
            let broken = try await Self.run(["audit", "verify"], environment: environment)
            #expect(broken.status == 1)
            #expect(broken.text.contains("chain \(provider.id.lowercased) seq 2"))
        }
    }
}
