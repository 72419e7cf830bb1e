import ACS
import CPESimulator
import CWMP
import Foundation
import Logging
import OctoCore
import OctoHTTP
import OctoStore
import OctoTestSupport
import ServiceLifecycle

/// The fixtures directory `../shared/fixtures/tr069/devices/`, relative to the repository root.
enum Fixtures {
    static var directory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("../shared/fixtures/tr069/devices").standardizedFileURL
    }

    static func files() throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".csv") }.sorted()
        guard !names.isEmpty else { throw TestSetupError("no CSV fixtures in \(directory.path)") }
        return names
    }

    static func model(_ name: String) throws -> DataModel {
        try DataModel(csv: String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8))
    }
}

/// ACS servers (one or more "processes" sharing the database) on free ports over a fresh database.
struct ACSHarness: Sendable {
    static let password = "cpe-secret-123"
    let stack: TestStack
    let provider: Provider
    let engines: [ACSEngine]
    let ports: [Int]
    /// Seals the credentials the engines hand to devices.
    let secrets: SecretBox

    var engine: ACSEngine { engines[0] }

    func url(_ index: Int = 0, slug: String? = nil) -> URL {
        URL(string: "http://127.0.0.1:\(ports[index])/cwmp/\(slug ?? provider.slug)")!
    }

    func runner(_ mode: CPESessionRunner.AuthMode = .basic, index: Int = 0, username: String = "cpe", password: String = ACSHarness.password) -> CPESessionRunner {
        CPESessionRunner(acs: url(index), username: username, password: password, mode: mode)
    }

    /// Starts `servers` ACS processes for provider `acme` (credential `cpe`) and runs `body`.
    static func with(servers: Int = 1, configuration: ACSConfiguration = ACSConfiguration(),
                     _ body: @Sendable @escaping (ACSHarness) async throws -> Void) async throws {
        try await TestDatabase.with { stack in
            let provider = try await stack.makeProvider("acme")
            _ = try await stack.database.withTenant(provider.id) { tx in
                try await tx.cwmpCredentials.create(username: "cpe", password: password, realm: configuration.realm, by: .system)
            }
            var logger = Logger(label: "acs-test")
            logger.logLevel = .warning
            let secrets = try SecretBox(keyring: SecretBox.generateKeyring())
            let engines = (0..<servers).map { _ in
                ACSEngine(database: stack.database, configuration: configuration, clock: stack.clock, logger: logger, secrets: secrets)
            }
            let (stream, continuation) = AsyncStream.makeStream(of: (Int, Int).self)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, engine) in engines.enumerated() {
                    let server = CWMPServer(engine: engine, host: "127.0.0.1", port: 0, maximumBodyBytes: configuration.maximumBodyBytes)
                    var quiet = logger
                    quiet.logLevel = .critical
                    let app = try server.application(logger: quiet) { port in continuation.yield((index, port)) }
                    group.addTask { try await app.runService() }
                }
                var ports = Array(repeating: 0, count: servers)
                var started = 0
                for await (index, port) in stream {
                    ports[index] = port
                    started += 1
                    if started == servers { break }
                }
                try await body(ACSHarness(stack: stack, provider: provider, engines: engines, ports: ports, secrets: secrets))
                group.cancelAll()
            }
        }
    }

    /// Rows of `sql` counted under the provider (RLS on).
    func count(_ table: String, provider: UUID? = nil) async throws -> Int {
        try await stack.database.withTenant(provider ?? self.provider.id) { tx in
            try await tx.query(PostgresQueryText.count(table)).values(Int.self).first ?? 0
        }
    }
}

import PostgresNIO

enum PostgresQueryText {
    static func count(_ table: String) -> PostgresQuery {
        PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(table)")
    }

    /// What ``count(_:)`` counts for the session leases held: an ended session's row stays, marked
    /// released (`expires_at = -infinity`, migration 0158), for the device's next session to take over.
    static let heldLeases = "cwmp_sessions WHERE expires_at > '-infinity'"
}

/// A raw HTTP exchange on a fresh connection each time (as after a dropped TCP connection).
struct RawHTTP {
    struct Answer {
        let status: Int
        let headers: [String: String]
        let body: String
    }

    static func post(_ url: URL, body: String, cookie: String? = nil, authorization: String? = nil, headers: [String: String] = [:]) async throws -> Answer {
        var fields: [(String, String)] = headers.map { ($0.key, $0.value) }
        if let cookie { fields.append(("Cookie", cookie)) }
        if let authorization { fields.append(("Authorization", authorization)) }
        let answer = try await HTTPExchange.post(host: url.host ?? "127.0.0.1", port: url.port ?? 80, path: url.path, headers: fields,
                                                 body: Array(body.utf8))
        var lowered: [String: String] = [:]
        for (name, value) in answer.headers where lowered[name.lowercased()] == nil { lowered[name.lowercased()] = value }
        return Answer(status: answer.status, headers: lowered, body: String(decoding: answer.body, as: UTF8.self))
    }

    /// Ends a session by answering every RPC with a fault until the ACS says 204.
    static func finish(_ url: URL, cookie: String) async throws {
        var body = ""
        for _ in 0..<100 {
            let answer = try await post(url, body: body, cookie: cookie)
            if answer.status == 204 { return }
            guard answer.status == 200 else { throw TestSetupError("session ended with \(answer.status)") }
            let request = try CWMPDecoder().decodeACS(Array(answer.body.utf8))
            body = CWMPEncoder().encode(Envelope(version: request.version, id: request.id,
                                                 message: CPEMessage.fault(CWMPFault(code: .internalError, string: "declined"))))
        }
        throw TestSetupError("session did not end")
    }

    static func basic(_ user: String = "cpe", _ password: String = ACSHarness.password) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    static func inform(oui: String = "ABCDEF", serial: String = "SN1", events: [String] = ["1 BOOT"]) -> String {
        let inform = Inform(device: DeviceIdentity(manufacturer: "Acme", oui: oui, productClass: "Box", serialNumber: serial),
                            events: events.map { InformEvent(code: $0) },
                            parameters: [ParameterValue(name: "Device.DeviceInfo.SoftwareVersion", value: "1.0")])
        return CWMPEncoder().encode(Envelope(version: .v1_0, id: "1", message: CPEMessage.inform(inform)))
    }
}
