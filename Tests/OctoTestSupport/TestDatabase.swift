import Foundation
import Logging
import OctoAuth
import OctoCore
import OctoStore
import PostgresNIO

/// What a test needs from the servers `make test` starts; a missing variable fails the test.
public enum TestEnvironment {
    /// The `octoisp` executable `make test` built (`OCTOISP_TEST_BINARY`).
    public static func octoispBinary() throws -> String {
        guard let path = ProcessInfo.processInfo.environment["OCTOISP_TEST_BINARY"], FileManager.default.isExecutableFile(atPath: path) else {
            throw TestSetupError("OCTOISP_TEST_BINARY does not name the built octoisp executable; run the tests with `make test`")
        }
        return path
    }

    /// A TCP port on 127.0.0.1 that nothing listened on a moment ago, below the kernel's ephemeral range
    /// (as `scripts/free-port.sh` picks): a port the kernel chose for a bind to port 0 can be handed out
    /// again to another test's server or outgoing connection before this test's server binds it.
    public static func freeTCPPort() -> Int {
        let range = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        let ephemeral = Int(range.split(whereSeparator: \.isWhitespace).first ?? "") ?? 32_768
        let low = max(1_024, ephemeral - 12_000)
        for _ in 0..<1_000 {
            let port = Int.random(in: low..<ephemeral)
            if canBind(port) { return port }
        }
        preconditionFailure("no free TCP port in \(low)-\(ephemeral) on 127.0.0.1")
    }

    static func canBind(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        return withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } } == 0
    }

    /// The URL in `name`, or an error telling how to run the tests.
    public static func url(_ name: String) throws -> DatabaseURL {
        guard let text = ProcessInfo.processInfo.environment[name], !text.isEmpty else {
            throw TestSetupError("\(name) is not set: integration tests need the PostgreSQL that `make test` starts")
        }
        return try DatabaseURL(text)
    }
}

/// A failure to set up a test's servers.
public struct TestSetupError: Error, CustomStringConvertible {
    /// What is missing.
    public let description: String
    /// Creates the error.
    public init(_ description: String) { self.description = description }
}

/// A fresh database per test, cloned from a template that was migrated once per test process.
public struct TestDatabase: Sendable {
    /// The owner role on this database.
    public let ownerURL: DatabaseURL
    /// The app role on this database.
    public let appURL: DatabaseURL
    /// The global role on this database.
    public let globalURL: DatabaseURL

    static let template = TemplateDatabase()

    /// Creates a database, runs `body` with the platform's services started on it, then drops it.
    public static func with<T: Sendable>(clock: ManualWallClock = ManualWallClock(Date()),
                                         _ body: @Sendable (TestStack) async throws -> T) async throws -> T {
        let owner = try TestEnvironment.url("OCTOISP_TEST_OWNER_URL")
        let app = try TestEnvironment.url("OCTOISP_TEST_APP_URL")
        let global = try TestEnvironment.url("OCTOISP_TEST_GLOBAL_URL")
        let templateName = try await template.name(owner: owner)
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
        try await template.create(name, from: templateName, owner: owner)
        let database = TestDatabase(ownerURL: owner.with(database: String(name)), appURL: app.with(database: String(name)),
                                    globalURL: global.with(database: String(name)))
        do {
            let result = try await database.run(clock: clock, body)
            database.dropLater(name: String(name), owner: owner)
            return result
        } catch {
            database.dropLater(name: String(name), owner: owner)
            throw error
        }
    }

    static var logger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }

    func run<T: Sendable>(clock: ManualWallClock, _ body: @Sendable (TestStack) async throws -> T) async throws -> T {
        // Statements of tests that seed large fleets on a loaded machine may take longer than the 30 s default.
        let database = Database(configuration: .init(app: appURL, global: globalURL, maximumConnections: 8, statementTimeout: .seconds(300)),
                                clock: clock, logger: Self.logger)
        let tokens = try await AccessTokens(secret: "test-secret-that-is-long-enough-0123456789", clock: clock)
        let secrets = try SecretBox(keyring: SecretBox.generateKeyring())
        let auth = AuthService(database: database, hasher: PasswordHasher(cost: 4), tokens: tokens, secrets: secrets)
        let stack = TestStack(database: database, auth: auth, clock: clock, ownerURL: ownerURL, appURL: appURL, globalURL: globalURL)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await database.run(); return nil }
            let result = try await body(stack)
            group.cancelAll()
            return result
        }
    }

    /// Drops the database in the background: the test's result never waits on clean-up, and the
    /// cluster is thrown away at the end of the run anyway.
    func dropLater(name: String, owner: DatabaseURL) {
        Task.detached { try? await self.drop(name: name, owner: owner) }
    }

    /// Drops the database, ending connections the pools have not closed yet (`make test` lets the
    /// owner role signal backends for this). A database that cannot be dropped is left to the
    /// throwaway cluster rather than failing a test that already ran.
    func drop(name: String, owner: DatabaseURL) async throws {
        for _ in 0..<3 {
            do {
                try await Self.template.admin(owner) { connection in
                    try await connection.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: Self.logger)
                }
                return
            } catch {
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }
}

/// The migrated template, created once per process.
actor TemplateDatabase {
    private var creation: Task<String, any Error>?

    func name(owner: DatabaseURL) async throws -> String {
        if let creation { return try await creation.value }
        let task = Task { try await Self.createTemplate(owner: owner) }
        creation = task
        return try await task.value
    }

    private static func createTemplate(owner: DatabaseURL) async throws -> String {
        let name = "octoisp_tpl_\(ProcessInfo.processInfo.processIdentifier)"
        try await TestDatabase.template.admin(owner) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: TestDatabase.logger)
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name) OWNER octoisp_owner"), logger: TestDatabase.logger)
        }
        try await Migrator(ownerURL: owner.with(database: name), logger: TestDatabase.logger).migrate()
        return name
    }

    /// Clones the template. PostgreSQL refuses to copy a template while a backend is still connected
    /// to it (SQLSTATE 55006: the migrator's connection may take a moment to end), so that is retried.
    func create(_ name: String, from template: String, owner: DatabaseURL) async throws {
        var attempt = 0
        while true {
            do {
                try await admin(owner) { connection in
                    try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name) TEMPLATE \(template) OWNER octoisp_owner"),
                                               logger: TestDatabase.logger)
                }
                return
            } catch let error as TestSetupError where error.description.contains("55006") && attempt < 20 {
                attempt += 1
                try await Task.sleep(for: .milliseconds(250))
            }
        }
    }

    /// Runs `body` on a connection to the maintenance database as the owner role (which has CREATEDB).
    nonisolated func admin(_ owner: DatabaseURL, _ body: (PostgresConnection) async throws -> Void) async throws {
        let connection = try await PostgresConnection.connect(configuration: owner.with(database: "postgres").connectionConfiguration(),
                                                              id: 1, logger: TestDatabase.logger)
        do {
            try await body(connection)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw TestSetupError("database set-up failed: \(String(reflecting: error))")
        }
    }
}

/// The platform's services on a test database.
public struct TestStack: Sendable {
    /// The pools.
    public let database: Database
    /// Authentication.
    public let auth: AuthService
    /// The clock the services read.
    public let clock: ManualWallClock
    /// The owner role on the test database.
    public let ownerURL: DatabaseURL
    /// The app role.
    public let appURL: DatabaseURL
    /// The global role.
    public let globalURL: DatabaseURL

    /// Runs `body` on a single connection as `url`'s role.
    public func connect<T: Sendable>(_ url: DatabaseURL, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await PostgresConnection.connect(configuration: url.connectionConfiguration(), id: 2, logger: TestDatabase.logger)
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Creates a provider on the global path.
    public func makeProvider(_ slug: String) async throws -> Provider {
        try await database.withGlobal { tx in try await tx.providers.create(ProviderInput(slug: slug, name: slug.capitalized), by: .system) }
    }

    /// Creates a user with a predefined role in `provider` (a Global Admin when `nil`).
    @discardableResult
    public func makeUser(_ email: String, role: PredefinedRole, provider: UUID?, password: String = "correct horse battery") async throws -> User {
        let input = try await auth.prepareNewUser(UserInput(email: email, name: email, password: password, roleKey: role.key))
        if let provider {
            return try await database.withTenant(provider) { tx in try await auth.createUser(input, in: tx, by: .system) }
        }
        return try await database.withGlobal { tx in try await auth.createUser(input, in: tx, by: .system) }
    }
}

extension PostgresRowSequence {
    /// The first column of every row.
    public func values<T: PostgresDecodable>(_ type: T.Type) async throws -> [T] {
        var values: [T] = []
        for try await value in decode(T.self) { values.append(value) }
        return values
    }
}
