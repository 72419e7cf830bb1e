import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Monitoring
import OctoCore
import OctoStore
import OctoTestSupport
import Testing

/// The repository (the tests read deploy/ from it) and the shared fixtures beside it.
enum Repo {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
    static let fixtures = root.appendingPathComponent("../shared/fixtures").standardizedFileURL
}

/// A real `octoisp serve` on a test database, every role by default, on free loopback ports.
final class OpsServer: Sendable {
    let process: ChildProcess
    let environment: [String: String]
    let httpPort: Int
    let cwmpPort: Int
    let metricsPort: Int
    static let adminEmail = "ops-admin@octoisp.test"
    static let adminPassword = "ops admin password 0123"

    /// The server listens here, not on 127.0.0.1: its own listen address is never polled
    /// (`OCTOISP_OUTBOUND_DENY` plus the listen hosts), and the snmpd peer answers on 127.0.0.1.
    static let host = "127.0.0.2"

    var base: String { "http://\(Self.host):\(httpPort)" }

    typealias URLs = (owner: DatabaseURL, app: DatabaseURL, global: DatabaseURL)

    static func environment(_ stack: TestStack, keyring: String) -> [String: String] {
        environment((stack.ownerURL, stack.appURL, stack.globalURL), keyring: keyring)
    }

    static func environment(_ urls: URLs, keyring: String) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["REDIS_URL"] = nil
        environment["OCTOISP_OWNER_DATABASE_URL"] = urls.owner.connectionString
        environment["DATABASE_URL"] = urls.app.connectionString
        environment["OCTOISP_GLOBAL_DATABASE_URL"] = urls.global.connectionString
        environment["OCTOISP_SECRET_KEY"] = keyring
        environment["OCTOISP_JWT_SECRET"] = "ops-test-secret-that-is-long-enough-0123456789"
        environment["OCTOISP_BCRYPT_COST"] = "4"
        environment["OCTOISP_ADMIN_EMAIL"] = adminEmail
        environment["OCTOISP_ADMIN_PASSWORD"] = adminPassword
        environment["OCTOISP_DB_POOL"] = "6"
        environment["OCTOISP_ICMP"] = "off"
        environment["OCTOISP_SNMP_TIMEOUT"] = "1"
        environment["OCTOISP_SNMP_RETRIES"] = "0"
        environment["OCTOISP_OUTBOUND_DENY"] = "169.254.0.0/16,224.0.0.0/4"
        environment["OCTOISP_HTTP_HOST"] = host
        environment["OCTOISP_CWMP_HOST"] = host
        return environment
    }

    /// Starts the server and waits until `/ready` answers 200.
    convenience init(_ stack: TestStack, keyring: String, roles: String? = nil, extra: [String: String] = [:]) async throws {
        try await self.init(restored: (stack.ownerURL, stack.appURL, stack.globalURL), keyring: keyring, roles: roles, extra: extra)
    }

    init(restored urls: URLs, keyring: String, roles: String? = nil, extra: [String: String] = [:]) async throws {
        httpPort = TestEnvironment.freeTCPPort()
        cwmpPort = TestEnvironment.freeTCPPort()
        metricsPort = TestEnvironment.freeTCPPort()
        var environment = Self.environment(urls, keyring: keyring)
        environment["OCTOISP_HTTP_PORT"] = String(httpPort)
        environment["OCTOISP_CWMP_PORT"] = String(cwmpPort)
        environment["OCTOISP_METRICS_LISTEN"] = "\(Self.host):\(metricsPort)"
        environment["OCTOISP_LOG_LEVEL"] = "debug"
        environment.merge(extra) { $1 }
        self.environment = environment
        process = try ChildProcess.start([try TestEnvironment.octoispBinary(), "serve", "--skip-migrations"] + (roles.map { ["--roles", $0] } ?? []),
                                         environment: environment)
        for _ in 0..<150 {
            if let (status, _, _) = await Self.request("\(base)/ready"), status == 200 { return }
            if process.poll() != nil { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        process.send(SIGKILL)
        throw TestSetupError("octoisp serve did not become ready: \(process.errors().suffix(3000))")
    }

    /// Stops the server with SIGTERM (SIGKILL after 10 s).
    func stop() async {
        process.send(SIGTERM)
        if await process.termination(within: .seconds(10)) == nil { process.send(SIGKILL); _ = await process.termination() }
    }

    /// One HTTP request: status, body and headers; nil when nothing answered.
    static func request(_ url: String, method: String = "GET", body: String? = nil,
                        headers: [String: String] = [:]) async -> (Int, String, [String: String])? {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.httpBody = body.map { Data($0.utf8) }
        request.timeoutInterval = 10
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        guard let (data, response) = try? await URLSession.shared.data(for: request), let http = response as? HTTPURLResponse else { return nil }
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields { fields["\(name)".lowercased()] = "\(value)" }
        return (http.statusCode, String(decoding: data, as: UTF8.self), fields)
    }

    /// Signs the first Global Admin in; its bearer token.
    func adminToken() async throws -> String {
        // The first Global Admin is created just after the pools start: retry while it is not there yet.
        var answer: (Int, String, [String: String])?
        for _ in 0..<50 {
            answer = await Self.request(base + "/api/v1/auth/login", method: "POST",
                                        body: #"{"email": "\#(Self.adminEmail)", "password": "\#(Self.adminPassword)"}"#)
            if answer?.0 == 200 { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        let login = try #require(answer)
        try #require(login.0 == 200, "login: \(login.1)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(login.1.utf8)) as? [String: Any])
        return try #require(object["access_token"] as? String, "\(login.1)")
    }

    /// A call as the Global Admin acting in `provider`.
    func call(_ path: String, method: String = "GET", body: String? = nil, token: String, provider: UUID,
              requestId: String? = nil) async throws -> (Int, String, [String: String]) {
        var headers = ["Authorization": "Bearer \(token)", "X-Provider-Id": provider.lowercased]
        if let requestId { headers["X-Request-Id"] = requestId }
        return try #require(await Self.request(base + path, method: method, body: body, headers: headers), "\(method) \(path) got no answer")
    }

    /// The server's JSON log lines (stderr) as objects.
    func logLines() -> [[String: Any]] {
        process.errors().split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }
}

/// The net-snmp agent `make test` starts (scripts/peers/snmp.sh): community `public`.
enum SNMPPeer {
    static func snmpd() throws -> (host: String, port: Int) {
        let spec = try #require(ProcessInfo.processInfo.environment["SNMP_TEST_SNMPD"],
                                "SNMP_TEST_SNMPD is not set: run the tests with scripts/test.sh, which starts the SNMP agents")
        let parts = spec.split(separator: ":")
        return (String(parts[0]), try #require(Int(parts[1])))
    }
}

/// A provider with a POP, an SNMP device on the snmpd peer and a CWMP credential: traffic for every role.
struct OpsFixture: Sendable {
    let provider: UUID
    let slug: String
    let keyring: String
    let device: UUID

    static func make(_ stack: TestStack, slug: String = "ops-isp") async throws -> OpsFixture {
        let provider = try await stack.makeProvider(slug)
        let keyring = SecretBox.generateKeyring()
        let secrets = try SecretBox(keyring: keyring)
        let agent = try SNMPPeer.snmpd()
        let device = try await stack.database.withTenant(provider.id) { tx in
            let pop = try await tx.pops.create(PopInput(name: "POP Ops", code: "ops"), by: .system)
            let credential = try await tx.snmpCredentials.create(SNMPCredentialInput(name: "public", version: "v2c", priority: 1, community: "public"),
                                                                 secrets: secrets, by: .system)
            return try await tx.snmpDevices.create(SNMPDeviceInput(address: agent.host, port: agent.port, popId: pop.id, credentialId: credential.id),
                                                   by: .system).deviceId
        }
        return OpsFixture(provider: provider.id, slug: slug, keyring: keyring, device: device)
    }
}
