import Foundation
import Logging
import OctoCore
import OctoStore
import OctoTestSupport
import PostgresNIO
import Testing

/// The restore drill: data written through a running server, `octoisp backup`, the database dropped,
/// `octoisp restore` into a fresh one, the audit chains verified and the data read back through the API.
@Suite(.serialized) struct BackupRestoreTests {
    static func admin(_ owner: DatabaseURL, _ sql: String) async throws {
        let logger = Logger(label: "drill")
        let connection = try await PostgresConnection.connect(configuration: owner.with(database: "postgres").connectionConfiguration(), id: 1, logger: logger)
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }

    @Test(.timeLimit(.minutes(3))) func backupDropRestoreVerifyAndReadBack() async throws {
        let archive = NSTemporaryDirectory() + "octoisp-drill-\(UUID().uuidString.prefix(8)).dump"
        defer { try? FileManager.default.removeItem(atPath: archive) }
        let restoredName = "drill_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        try await TestDatabase.with { stack in
            let fixture = try await OpsFixture.make(stack, slug: "drill-isp")
            // Data: the provider, its POP, credential and SNMP device (with their audit rows), and the
            // samples of a real poll of the snmpd peer by the server's poller.
            let server = try await OpsServer(stack, keyring: fixture.keyring, roles: "api,worker,poller")
            let token: String
            var latest = ""
            do {
                token = try await server.adminToken()
                let deadline = ContinuousClock.now + .seconds(45)
                while ContinuousClock.now < deadline {
                    let answer = try await server.call("/api/v1/metrics/latest?device_id=\(fixture.device.lowercased)", token: token, provider: fixture.provider)
                    if answer.0 == 200, answer.1.contains("\"value\"") { latest = answer.1; break }
                    try await Task.sleep(for: .milliseconds(500))
                }
            } catch {
                await server.stop()
                throw error
            }
            await server.stop()
            try #require(!latest.isEmpty, "the poller stored no samples for the device")
            let auditRows = try await stack.connect(stack.globalURL) { connection in
                try await connection.query("SELECT count(*)::int FROM audit_log", logger: .init(label: "t")).values(Int.self)
            }.first ?? 0
            #expect(auditRows >= 3)

            var environment = OpsServer.environment(stack, keyring: fixture.keyring)
            let backup = try await ChildProcess.octoisp(["backup", "--output", archive], environment: environment)
            try #require(backup.succeeded, "\(backup.text)")
            #expect(backup.text.contains("written to \(archive)"))
            #expect(!backup.text.contains(stack.ownerURL.password ?? "\u{0}"))

            // The database is gone; a fresh one is created and restored into.
            try await Self.admin(stack.ownerURL, "DROP DATABASE \(stack.ownerURL.database) WITH (FORCE)")
            try await Self.admin(stack.ownerURL, "CREATE DATABASE \(restoredName) OWNER octoisp_owner")
            let restored = (owner: stack.ownerURL.with(database: String(restoredName)), app: stack.appURL.with(database: String(restoredName)),
                            global: stack.globalURL.with(database: String(restoredName)))
            environment["OCTOISP_OWNER_DATABASE_URL"] = restored.owner.connectionString
            environment["DATABASE_URL"] = restored.app.connectionString
            environment["OCTOISP_GLOBAL_DATABASE_URL"] = restored.global.connectionString
            let restore = try await ChildProcess.octoisp(["restore", "--input", archive], environment: environment)
            try #require(restore.succeeded, "\(restore.text)")

            let verify = try await ChildProcess.octoisp(["audit", "verify"], environment: environment)
            #expect(verify.succeeded && verify.text.contains("intact: \(auditRows) rows"), "\(verify.text)")

            // A restore into the now non-empty database is refused, and changes nothing.
            let again = try await ChildProcess.octoisp(["restore", "--input", archive], environment: environment)
            #expect(!again.succeeded)
            #expect(again.text.contains("refusing to restore") && again.text.contains("not empty"), "\(again.text)")

            // The data reads back through the API of a server on the restored database, as the app role (RLS).
            let back = try await OpsServer(restored: restored, keyring: fixture.keyring)
            do {
                let token = try await back.adminToken()
                let devices = try await back.call("/api/v1/devices", token: token, provider: fixture.provider)
                #expect(devices.0 == 200 && devices.1.contains(fixture.device.lowercased), "\(devices.1)")
                let samples = try await back.call("/api/v1/metrics/latest?device_id=\(fixture.device.lowercased)", token: token, provider: fixture.provider)
                #expect(samples.0 == 200 && samples.1 == latest, "\(samples.1)")
                let audit = try await back.call("/api/v1/audit", token: token, provider: fixture.provider)
                #expect(audit.0 == 200 && audit.1.contains("snmp"), "\(audit.1.prefix(500))")
            } catch {
                await back.stop()
                throw error
            }
            await back.stop()
            try? await Self.admin(stack.ownerURL, "DROP DATABASE IF EXISTS \(restoredName) WITH (FORCE)")
        }
    }

    @Test func restoreRefusesAMissingArchiveAndNeedsTheOwnerURL() async throws {
        var environment = ProcessInfo.processInfo.environment
        environment["OCTOISP_OWNER_DATABASE_URL"] = nil
        let noURL = try await ChildProcess.octoisp(["backup", "--output", "/tmp/x.dump"], environment: environment)
        #expect(!noURL.succeeded && noURL.text.contains("OCTOISP_OWNER_DATABASE_URL"), "\(noURL.text)")
        environment["OCTOISP_OWNER_DATABASE_URL"] = try TestEnvironment.url("OCTOISP_TEST_OWNER_URL").connectionString
        let missing = try await ChildProcess.octoisp(["restore", "--input", "/nonexistent/archive.dump"], environment: environment)
        #expect(!missing.succeeded && missing.text.contains("cannot read the archive"), "\(missing.text)")
    }
}
