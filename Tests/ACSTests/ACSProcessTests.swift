import CPESimulator
import Foundation
import OctoCore
import OctoStore
import OctoTestSupport
import PostgresNIO
import Testing

/// The `octoisp` executable end to end: `serve --roles acs`, `acs add-credential`, `cpe-sim`.
@Suite struct ACSProcessTests {
    static func binary() throws -> String {
        guard let path = ProcessInfo.processInfo.environment["OCTOISP_TEST_BINARY"], FileManager.default.isExecutableFile(atPath: path) else {
            throw TestSetupError("OCTOISP_TEST_BINARY does not name the built octoisp executable; run the tests with `make test`")
        }
        return path
    }

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func run(_ arguments: [String], environment: [String: String]) async throws -> (Int32, String) {
        let run = try await ChildProcess.run([try binary()] + arguments, environment: environment)
        return (run.status, run.text)
    }

    @Test func serveRegisterAndSimulate() async throws {
        try await TestDatabase.with { stack in
            _ = try await stack.makeProvider("proc-isp")
            let cwmpPort = Self.freePort()
            var environment = ProcessInfo.processInfo.environment
            environment["DATABASE_URL"] = stack.appURL.connectionString
            environment["OCTOISP_GLOBAL_DATABASE_URL"] = stack.globalURL.connectionString
            environment["OCTOISP_OWNER_DATABASE_URL"] = stack.ownerURL.connectionString
            environment["OCTOISP_SECRET_KEY"] = SecretBox.generateKeyring()
            environment["OCTOISP_JWT_SECRET"] = "process-test-secret-0123456789abcdef"
            environment["OCTOISP_CWMP_PORT"] = String(cwmpPort)
            environment["OCTOISP_CPE_PASSWORD"] = "process-cpe-pass"

            let added = try await Self.run(["acs", "add-credential", "--provider", "proc-isp", "--username", "cpe"], environment: environment)
            #expect(added.0 == 0, "\(added.1)")

            let server = try ChildProcess.start([try Self.binary(), "serve", "--roles", "acs", "--skip-migrations"], environment: environment)
            var up = false
            for _ in 0..<100 where !up {
                up = (try? await HTTPExchange.post(host: "127.0.0.1", port: cwmpPort, path: "/cwmp/proc-isp", headers: [], body: [])) != nil
                if !up { try await Task.sleep(for: .milliseconds(200)) }
            }
            try #require(up, "the ACS did not start listening")

            let fixture = Fixtures.directory.appendingPathComponent("device-eg8145v5-no-voip.csv").path
            let sim = try await Self.run(["cpe-sim", "--acs", "http://127.0.0.1:\(cwmpPort)/cwmp/proc-isp", "--model", fixture, "--count", "3",
                                    "--username", "cpe", "--auth", "digest", "--sessions", "2"], environment: environment)
            #expect(sim.0 == 0, "\(sim.1)")
            #expect(sim.1.contains("6 sessions"), "\(sim.1)")

            server.send(SIGTERM)
            let termination = await server.termination(within: .seconds(10))
            #expect(termination == .exited(0), "\(server.errors())")
            let devices = try await stack.connect(stack.globalURL) { connection in
                try await connection.query("SELECT count(*)::int FROM devices", logger: .init(label: "t")).values(Int.self)
            }
            #expect(devices == [3])
        }
    }
}
