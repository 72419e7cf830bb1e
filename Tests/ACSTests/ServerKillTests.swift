import ACS
import CPESimulator
import CWMP
import Foundation
import Logging
import Monitoring
import OctoMetrics
import OctoCore
import OctoJobs
import OctoStore
import OctoTestSupport
import PostgresNIO
import Synchronization
import Testing

/// What the simulated fleet saw from the ACS.
final class FleetLedger: Sendable {
    /// InformResponses received, per serial number.
    let acknowledged = Mutex<[String: Int]>([:])
    /// The CPEs as they are now, per serial number (applied changes included).
    let cpes = Mutex<[String: SimulatedCPE]>([:])
    /// Whether the server is up (sessions that fail while it is down are expected).
    let stop = Mutex(false)
}

/// `kill -9` of `octoisp serve` (every role) during an Inform storm, a provisioning rollout, a
/// stream of device tasks and SNMP polling of the snmpd peer, then a restart on the same database:
/// nothing the server acknowledged is lost, and nothing it recorded as done runs again.
@Suite struct ServerKillTests {
    static let model = "device-eg8145v5-no-voip.csv"
    static let ssid = "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.SSID"
    static let cpePassword = "cpe-secret-123"
    static let fleet = 30
    /// Where the server listens: not the snmpd peer's 127.0.0.1, which the poller would otherwise
    /// refuse as one of the platform's own addresses (`OCTOISP_OUTBOUND_DENY` plus the listen hosts).
    static let host = "127.0.0.2"

    /// The job driver the server runs: PostgreSQL, or Redis (`REDIS_URL`, the redis peer `make test` starts).
    enum Driver: String, CaseIterable, Sendable, CustomStringConvertible {
        case postgres, redis
        var description: String { rawValue }
    }

    static func environment(_ stack: TestStack, apiPort: Int, cwmpPort: Int, secretKey: String, driver: Driver) throws -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = stack.appURL.connectionString
        environment["OCTOISP_GLOBAL_DATABASE_URL"] = stack.globalURL.connectionString
        environment["OCTOISP_OWNER_DATABASE_URL"] = stack.ownerURL.connectionString
        environment["OCTOISP_SECRET_KEY"] = secretKey
        environment["OCTOISP_JWT_SECRET"] = "process-test-secret-0123456789abcdef"
        environment["OCTOISP_HTTP_PORT"] = String(apiPort)
        environment["OCTOISP_CWMP_PORT"] = String(cwmpPort)
        environment["OCTOISP_HTTP_HOST"] = host
        environment["OCTOISP_CWMP_HOST"] = host
        // The defaults deny 127.0.0.0/24, where the snmpd peer listens; the listen host stays denied.
        environment["OCTOISP_OUTBOUND_DENY"] = "169.254.0.0/16,224.0.0.0/4"
        environment["OCTOISP_BCRYPT_COST"] = "4"
        environment["OCTOISP_ADMIN_PASSWORD"] = "first admin password"
        // Leases of the killed process expire quickly, so the test does not wait the production defaults.
        environment["OCTOISP_CWMP_IDLE_TIMEOUT"] = "6"
        environment["OCTOISP_JOB_LEASE"] = "4"
        environment["OCTOISP_ICMP"] = "off"
        // The test's CPEs (and the held one it drives by hand) sign in with the provider's credential
        // before and after the restart; per-device credentials have their own tests.
        environment["OCTOISP_CWMP_DEVICE_CREDENTIALS"] = "off"
        for name in ["REDIS_URL", "OCTOISP_TLS_CERT", "OCTOISP_TLS_KEY", "OCTOISP_CWMP_TLS_CERT", "OCTOISP_CWMP_TLS_KEY"] { environment[name] = nil }
        if driver == .redis {
            guard let url = ProcessInfo.processInfo.environment["OCTOISP_TEST_REDIS_URL"], !url.isEmpty else {
                throw TestSetupError("OCTOISP_TEST_REDIS_URL is not set: the Redis run needs the redis-server that `make test` starts")
            }
            environment["REDIS_URL"] = url
            environment["OCTOISP_REDIS_PREFIX"] = "kill:\(UUID().lowercased)"
        }
        return environment
    }

    static func start(_ environment: [String: String], apiPort: Int) async throws -> ChildProcess {
        let server = try ChildProcess.start([try TestEnvironment.octoispBinary(), "serve"], environment: environment)
        for _ in 0..<150 {
            if let answer = try? await HTTPExchange.get(host: Self.host, port: apiPort, path: "/ready"), answer.status == 200 { return server }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestSetupError("the server did not become ready: \(server.errors().suffix(2000))")
    }

    /// POSTs `json` to the API; the status and the JSON object answered.
    static func post(port: Int, _ path: String, token: String? = nil, json: String) async throws -> (Int, [String: Any]) {
        var headers = [("Content-Type", "application/json")]
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        let answer = try await HTTPExchange.post(host: Self.host, port: port, path: path, headers: headers, body: Array(json.utf8))
        let object = (try? JSONSerialization.jsonObject(with: Data(answer.body))) as? [String: Any] ?? [:]
        return (answer.status, object)
    }

    /// One CPE: periodic sessions every `every` until the ledger says stop; failures (the server is
    /// down, its lease not yet expired) are retried.
    static func run(_ start: SimulatedCPE, acs: URL, ledger: FleetLedger, every: Duration) async {
        var runner = CPESessionRunner(acs: acs, username: "cpe", password: Self.cpePassword, mode: .basic)
        runner.onInformAcknowledged = { cpe in ledger.acknowledged.withLock { $0[cpe.model.identity.serialNumber, default: 0] += 1 } }
        var cpe = start
        while !ledger.stop.withLock({ $0 }), !Task.isCancelled {
            do {
                _ = try await runner.run(&cpe)
            } catch {
                // The Inform is sent again with the same events, as a real CPE retries.
            }
            ledger.cpes.withLock { $0[cpe.model.identity.serialNumber] = cpe }
            try? await Task.sleep(for: every)
        }
    }

    static func query<T: PostgresDecodable & Sendable>(_ stack: TestStack, _ provider: Provider, _ sql: String, as type: T.Type) async throws -> [T] {
        try await stack.database.withTenant(provider.id) { tx in
            try await tx.query(PostgresQuery(unsafeSQL: sql)).values(T.self)
        }
    }

    /// The device's stored samples as `series:at_ms`, read as the API reads them (raw ingest rows and
    /// compacted chunks alike), one point per second and series.
    static func samples(_ stack: TestStack, _ provider: Provider, device: UUID) async throws -> Set<String> {
        let series = try await query(stack, provider, "SELECT id FROM metric_series WHERE device_id = '\(device.lowercased)'", as: Int64.self)
        guard !series.isEmpty else { return [] }
        let store = MetricsStore(database: stack.database)
        let now = Date()
        let result = try await stack.database.withTenant(provider.id) { tx in
            try await store.reader(tx).query(.init(seriesIds: series, from: now.addingTimeInterval(-3600), to: now.addingTimeInterval(60), step: 1,
                                                   resolution: .raw))
        }
        var samples = Set<String>()
        for entry in result.series {
            for point in entry.points { samples.insert("\(entry.series.id):\(Int64((point.lastAt.timeIntervalSince1970 * 1000).rounded()))") }
        }
        return samples
    }

    @Test(.timeLimit(.minutes(4)), arguments: Driver.allCases)
    func killNineMidStormLosesNoAcknowledgedInformTaskOrJob(driver: Driver) async throws {
        try await TestDatabase.with { stack in
            let provider = try await stack.makeProvider("kill-isp")
            _ = try await stack.database.withTenant(provider.id) { tx in
                try await tx.cwmpCredentials.create(username: "cpe", password: Self.cpePassword, realm: ACSConfiguration().realm, by: .system)
            }
            let apiPort = TestEnvironment.freeTCPPort()
            let cwmpPort = TestEnvironment.freeTCPPort()
            let keyring = SecretBox.generateKeyring()
            let environment = try Self.environment(stack, apiPort: apiPort, cwmpPort: cwmpPort, secretKey: keyring, driver: driver)
            // The net-snmp agent of the test peers, polled by the server's poller role from its first cycle.
            let snmpd = try #require(ProcessInfo.processInfo.environment["SNMP_TEST_SNMPD"]?.split(separator: ":"),
                                     "SNMP_TEST_SNMPD is not set: run the tests with scripts/test.sh, which starts the SNMP agents")
            let snmpDevice = try await stack.database.withTenant(provider.id) { tx in
                let pop = try await tx.pops.create(PopInput(name: "POP Centro", code: "centro"), by: .system)
                let credential = try await tx.snmpCredentials.create(SNMPCredentialInput(name: "public", version: "v2c", priority: 100, community: "public"),
                                                                     secrets: try SecretBox(keyring: keyring), by: .system)
                return try await tx.snmpDevices.create(SNMPDeviceInput(address: String(snmpd[0]), port: Int(snmpd[1]), popId: pop.id,
                                                                       credentialId: credential.id), by: .system)
            }
            let created = try await ChildProcess.octoisp(["admin", "create-user", "--email", "noc@kill.test", "--password", "correct horse battery",
                                                          "--role", "provider_admin", "--provider", "kill-isp"], environment: environment)
            try #require(created.status == 0, "\(created.text)")

            var server = try await Self.start(environment, apiPort: apiPort)
            let (loginStatus, login) = try await Self.post(port: apiPort, "/api/v1/auth/login",
                                                           json: #"{"email": "noc@kill.test", "password": "correct horse battery"}"#)
            try #require(loginStatus == 200)
            let token = try #require(login["access_token"] as? String)

            let model = try Fixtures.model(Self.model)
            let ledger = FleetLedger()
            let acs = URL(string: "http://\(Self.host):\(cwmpPort)/cwmp/kill-isp")!
            try await withThrowingTaskGroup(of: Void.self) { storm in
                // A failed expectation leaves the body early: the fleet stops with it, so a failure is a
                // failure and never a test that waits forever for its CPEs.
                defer { ledger.stop.withLock { $0 = true } }
                for index in 0..<Self.fleet {
                    storm.addTask { await Self.run(SimulatedCPE(model: model, index: index), acs: acs, ledger: ledger, every: .milliseconds(500)) }
                }
                // The whole fleet registered and discovered.
                let deadline = ContinuousClock.now + .seconds(60)
                while try await Self.query(stack, provider, "SELECT count(*)::int FROM cwmp_devices WHERE discovered_at IS NOT NULL", as: Int.self).first
                    ?? 0 < Self.fleet, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(200))
                }
                let devices = try await Self.query(stack, provider, "SELECT device_id FROM cwmp_devices ORDER BY device_id", as: UUID.self)
                try #require(devices.count == Self.fleet)

                // The poller's first cycle has stored samples of the snmpd peer (waited for before the rollout
                // starts: waiting once it runs, on a slow machine, let the rollout end before the kill).
                let samplesDeadline = ContinuousClock.now + .seconds(20)
                while try await Self.samples(stack, provider, device: snmpDevice.deviceId).isEmpty, ContinuousClock.now < samplesDeadline {
                    try await Task.sleep(for: .milliseconds(100))
                }
                // A rollout in waves of 5 with a pause between them, so the kill lands in the middle of it.
                let (rolloutStatus, rollout) = try await Self.post(port: apiPort, "/api/v1/provisioning/rollouts", token: token, json: """
                    {"name": "storm ssid", "target": {"manufacturer": "Huawei*"}, "action": {"type": "set_wifi", "band": "2.4GHz", "ssid": "Storm"},
                     "wave_size": 5, "pause_seconds": 1, "failure_threshold": 0.5}
                    """)
                try #require(rolloutStatus == 201, "\(rollout)")
                let rolloutID = try #require((rollout["id"] as? String).flatMap(UUID.init(uuidString:)))

                // One more CPE, outside the rollout, registers; later it stops answering in the middle of
                // a task when the server is killed, so that task is running in the dead process.
                var held = SimulatedCPE(model: model, index: 100)
                _ = try await CPESessionRunner(acs: acs, username: "cpe", password: Self.cpePassword, mode: .basic).run(&held)
                let heldID = try #require(try await Self.query(stack, provider, """
                    SELECT id FROM devices WHERE serial_number = '\(held.model.identity.serialNumber)'
                    """, as: UUID.self).first)

                // Device tasks asked for through the API while the storm runs: each 201 is a promise.
                let acknowledgedTasks = Mutex<[UUID]>([])
                storm.addTask {
                    for round in 0..<40 {
                        let device = devices[round % devices.count]
                        if let (status, task) = try? await Self.post(port: apiPort, "/api/v1/devices/\(device.lowercased)/tasks", token: token, json: """
                            {"type": "getParameterValues", "parameter_names": ["InternetGatewayDevice.DeviceInfo.UpTime"]}
                            """), status == 201, let id = (task["id"] as? String).flatMap(UUID.init(uuidString:)) {
                            acknowledgedTasks.withLock { $0.append(id) }
                        }
                        try await Task.sleep(for: .milliseconds(100))
                    }
                }

                // Kill once the first waves are done and the rollout is still running.
                let killDeadline = ContinuousClock.now + .seconds(60)
                while ContinuousClock.now < killDeadline {
                    let succeeded = try await Self.query(stack, provider, """
                        SELECT count(*)::int FROM provisioning_rollout_devices WHERE rollout_id = '\(rolloutID.lowercased)' AND status = 'succeeded'
                        """, as: Int.self).first ?? 0
                    if succeeded >= 10 { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
                // The held CPE: a task asked for through the API, a session that reaches it, no answer.
                let (heldStatus, heldTask) = try await Self.post(port: apiPort, "/api/v1/devices/\(heldID.lowercased)/tasks", token: token, json: """
                    {"type": "getParameterValues", "parameter_names": ["InternetGatewayDevice.DeviceInfo.UpTime"]}
                    """)
                try #require(heldStatus == 201)
                let heldTaskID = try #require((heldTask["id"] as? String).flatMap(UUID.init(uuidString:)))
                held.pendingEvents = [InformEvent(code: InformEvent.periodic)]
                let inform = CWMPEncoder().encode(Envelope(version: .v1_0, id: "1", message: CPEMessage.inform(held.inform(currentTime: XSD.format(Date())))))
                var headers = [("Content-Type", "text/xml; charset=\"utf-8\""),
                               ("Authorization", "Basic " + Data("cpe:\(Self.cpePassword)".utf8).base64EncodedString())]
                let opened = try await HTTPExchange.post(host: Self.host, port: cwmpPort, path: acs.path, headers: headers, body: Array(inform.utf8))
                try #require(opened.status == 200)
                if let cookie = opened.headers.first(name: "Set-Cookie")?.split(separator: ";").first { headers.append(("Cookie", String(cookie))) }
                let rpc = try await HTTPExchange.post(host: Self.host, port: cwmpPort, path: acs.path, headers: headers, body: [])
                try #require(rpc.status == 200 && String(decoding: rpc.body, as: UTF8.self).contains("GetParameterValues"))
                #expect(try await Self.query(stack, provider, "SELECT status FROM acs_tasks WHERE id = '\(heldTaskID.lowercased)'", as: String.self)
                        == ["running"])
                let tasksRunningAtKill = try await Self.query(stack, provider, "SELECT count(*)::int FROM acs_tasks WHERE status = 'running'",
                                                              as: Int.self).first ?? 0
                server.send(SIGKILL)
                #expect(await server.termination(within: .seconds(10)) == .signalled(SIGKILL))
                let informsAtKill = ledger.acknowledged.withLock { $0 }
                // What the database holds as done at the moment of the kill must never run again.
                let succeededAtKill = Set(try await Self.query(stack, provider, """
                    SELECT d.serial_number FROM provisioning_rollout_devices r JOIN devices d ON d.id = r.device_id
                    WHERE r.rollout_id = '\(rolloutID.lowercased)' AND r.status = 'succeeded'
                    """, as: String.self))
                let samplesAtKill = try await Self.samples(stack, provider, device: snmpDevice.deviceId)
                #expect(!samplesAtKill.isEmpty, "no SNMP sample was stored before the kill")
                let tasksDoneAtKill = Set(try await Self.query(stack, provider, "SELECT id FROM acs_tasks WHERE status = 'done'", as: UUID.self))
                #expect(succeededAtKill.count >= 10 && succeededAtKill.count < Self.fleet, "the kill did not land mid-rollout: \(succeededAtKill.count)")
                let storedInforms = Dictionary(uniqueKeysWithValues: try await stack.database.withTenant(provider.id) { tx in
                    try await tx.query("SELECT d.serial_number, c.informs FROM cwmp_devices c JOIN devices d ON d.id = c.device_id")
                        .decode((String, Int).self).reduce(into: [(String, Int)]()) { $0.append($1) }
                })
                for (serial, count) in informsAtKill {
                    #expect((storedInforms[serial] ?? 0) >= count, "\(serial): \(count) Informs acknowledged, \(storedInforms[serial] ?? 0) stored")
                }
                try await Task.sleep(for: .seconds(1))

                // Same database, new process.
                server = try await Self.start(environment, apiPort: apiPort)
                // The held CPE comes back like the others.
                held.pendingEvents = [InformEvent(code: InformEvent.boot)]
                storm.addTask { [held] in await Self.run(held, acs: acs, ledger: ledger, every: .milliseconds(500)) }
                let settleDeadline = ContinuousClock.now + .seconds(75)
                var rolloutState = ""
                var openTasks = 1
                while ContinuousClock.now < settleDeadline {
                    rolloutState = try await Self.query(stack, provider, "SELECT status FROM provisioning_rollouts WHERE id = '\(rolloutID.lowercased)'",
                                                        as: String.self).first ?? ""
                    openTasks = try await Self.query(stack, provider, "SELECT count(*)::int FROM acs_tasks WHERE status IN ('queued', 'running')",
                                                     as: Int.self).first ?? 0
                    if rolloutState != "running" && openTasks == 0 { break }
                    try await Task.sleep(for: .milliseconds(250))
                }
                ledger.stop.withLock { $0 = true }
                try await storm.waitForAll()
                #expect(rolloutState == "completed")
                #expect(openTasks == 0)

                // Every acknowledged task exists and ran to its end; none recorded done before the kill ran again.
                let tasks = Dictionary(uniqueKeysWithValues: try await stack.database.withTenant(provider.id) { tx in
                    try await tx.query("SELECT id, status FROM acs_tasks").decode((UUID, String).self).reduce(into: [(UUID, String)]()) { $0.append($1) }
                })
                let promised = acknowledgedTasks.withLock { $0 }
                #expect(promised.count >= 10)
                for id in promised { #expect(tasks[id] == "done", "task \(id.lowercased): \(tasks[id] ?? "missing")") }
                for id in tasksDoneAtKill { #expect(tasks[id] == "done") }
                // The task that was running in the killed process ran again in a new session.
                #expect(tasks[heldTaskID] == "done", "the task running at the kill ended \(tasks[heldTaskID] ?? "missing")")

                // The rollout: one task per device, every device changed exactly once: those done before the
                // kill were not changed again, and a change in flight at the kill that the CPE had applied
                // was confirmed from its next Inform instead of being sent again.
                let perDevice = try await Self.query(stack, provider, """
                    SELECT count(*)::int FROM provisioning_rollout_devices WHERE rollout_id = '\(rolloutID.lowercased)' GROUP BY device_id
                    """, as: Int.self)
                #expect(perDevice.count == Self.fleet && perDevice.allSatisfy { $0 == 1 })
                let cpes = ledger.cpes.withLock { $0 }
                for (serial, cpe) in cpes where serial != held.model.identity.serialNumber {
                    #expect(cpe.model.nodes[Self.ssid]?.value == "Storm", "\(serial)")
                    let sets = cpe.setCounts[Self.ssid] ?? 0
                    if succeededAtKill.contains(serial) {
                        #expect(sets == 1, "\(serial) was set \(sets) times although its change was recorded before the kill")
                    } else {
                        #expect(sets == 1, "\(serial) was set \(sets) times")
                    }
                }
                let confirmed = try await Self.query(stack, provider, "SELECT count(*)::int FROM acs_tasks WHERE result ? 'confirmed_from_inform'",
                                                     as: Int.self).first ?? 0
                // Every acknowledged Inform, before and after the restart, is counted in the database.
                let finalInforms = Dictionary(uniqueKeysWithValues: try await stack.database.withTenant(provider.id) { tx in
                    try await tx.query("SELECT d.serial_number, c.informs FROM cwmp_devices c JOIN devices d ON d.id = c.device_id")
                        .decode((String, Int).self).reduce(into: [(String, Int)]()) { $0.append($1) }
                })
                let acknowledged = ledger.acknowledged.withLock { $0 }
                #expect(acknowledged.count == Self.fleet + 1)
                for (serial, count) in acknowledged {
                    #expect((finalInforms[serial] ?? 0) >= count, "\(serial): \(count) Informs acknowledged, \(finalInforms[serial] ?? 0) stored")
                }
                // With Redis the jobs went through Redis: its keys under the server's prefix are there.
                if driver == .redis, let url = environment["REDIS_URL"], let prefix = environment["OCTOISP_REDIS_PREFIX"] {
                    let redis = RedisClient(url: try RedisURL(url), connections: 1, logger: Logger(label: "kill-test"))
                    let keys = try await redis.send(["KEYS", .string(prefix + ":*")])
                    await redis.close()
                    guard case .array(let found?) = keys else { Issue.record("KEYS answered \(keys)"); return }
                    #expect(!found.isEmpty, "no Redis key under \(prefix)")
                }
                // Every sample stored before the kill is still there.
                let samplesAfter = try await Self.samples(stack, provider, device: snmpDevice.deviceId)
                #expect(samplesAtKill.isSubset(of: samplesAfter), "\(samplesAtKill.subtracting(samplesAfter).count) samples lost")
                let total = acknowledged.values.reduce(0, +)
                print("kill -9: \(total) Informs acknowledged, \(succeededAtKill.count)/\(Self.fleet) rollout devices done at the kill, "
                      + "\(promised.count) API tasks acknowledged, \(tasksDoneAtKill.count) tasks done and \(tasksRunningAtKill) running at the kill, "
                      + "\(confirmed) confirmed from an Inform after it, "
                      + "\(samplesAtKill.count) SNMP samples stored at the kill")
            }
            server.send(SIGTERM)
            #expect(await server.termination(within: .seconds(15)) == .exited(0), "\(server.errors().suffix(2000))")
        }
    }
}
