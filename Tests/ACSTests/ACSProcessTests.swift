import CPESimulator
import Foundation
import OctoCore
import OctoStore
import OctoTestSupport
import PostgresNIO
import Testing

/// The `octoisp` executable end to end: `serve --roles acs`, `acs add-credential`, `cpe-sim`.
@Suite struct ACSProcessTests {
    @Test func serveRegisterAndSimulate() async throws {
        try await TestDatabase.with { stack in
            _ = try await stack.makeProvider("proc-isp")
            let cwmpPort = TestEnvironment.freeTCPPort()
            var environment = ProcessInfo.processInfo.environment
            environment["DATABASE_URL"] = stack.appURL.connectionString
            environment["OCTOISP_GLOBAL_DATABASE_URL"] = stack.globalURL.connectionString
            environment["OCTOISP_OWNER_DATABASE_URL"] = stack.ownerURL.connectionString
            environment["OCTOISP_SECRET_KEY"] = SecretBox.generateKeyring()
            environment["OCTOISP_JWT_SECRET"] = "process-test-secret-0123456789abcdef"
            environment["OCTOISP_CWMP_PORT"] = String(cwmpPort)
            environment["OCTOISP_CPE_PASSWORD"] = "process-cpe-pass"

            let added = try await ChildProcess.octoisp(["acs", "add-credential", "--provider", "proc-isp", "--username", "cpe"], environment: environment)
            #expect(added.status == 0, "\(added.text)")

            let server = try ChildProcess.start([try TestEnvironment.octoispBinary(), "serve", "--roles", "acs", "--skip-migrations"], environment: environment)
            var up = false
            for _ in 0..<100 where !up {
                up = (try? await HTTPExchange.post(host: "127.0.0.1", port: cwmpPort, path: "/cwmp/proc-isp", headers: [], body: [])) != nil
                if !up { try await Task.sleep(for: .milliseconds(200)) }
            }
            try #require(up, "the ACS did not start listening")

            let fixture = Fixtures.directory.appendingPathComponent("device-eg8145v5-no-voip.csv").path
            let kept = FileManager.default.temporaryDirectory.appendingPathComponent("cpe-credentials-\(UUID().uuidString).json").path
            defer { try? FileManager.default.removeItem(atPath: kept) }
            let simulate = ["cpe-sim", "--acs", "http://127.0.0.1:\(cwmpPort)/cwmp/proc-isp", "--model", fixture, "--count", "3",
                            "--username", "cpe", "--auth", "digest"]
            let sim = try await ChildProcess.octoisp(simulate + ["--sessions", "2", "--credentials-file", kept], environment: environment)
            #expect(sim.status == 0, "\(sim.text)")
            #expect(sim.text.contains("6 sessions"), "\(sim.text)")
            // Each CPE was given its own credential: a later run signs in with the kept ones; without
            // them the provider-wide credential is refused for these serials.
            let again = try await ChildProcess.octoisp(simulate + ["--first-event", "periodic", "--credentials-file", kept], environment: environment)
            #expect(again.status == 0 && again.text.contains("3 sessions"), "\(again.text)")
            let forgotten = try await ChildProcess.octoisp(simulate + ["--first-event", "periodic"], environment: environment)
            #expect(forgotten.status != 0 && forgotten.text.contains("3 failed CPEs"), "\(forgotten.text)")

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
