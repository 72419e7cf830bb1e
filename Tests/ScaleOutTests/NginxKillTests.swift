import ACS
import CPESimulator
import CWMP
import Foundation
import HummingbirdWSClient
import Logging
import NIOHTTP1
import OctoCore
import OctoStore
import OctoTestSupport
import PostgresNIO
import Synchronization
import Testing

/// What the clients behind nginx saw.
final class Ledger: Sendable {
    /// InformResponses received, per serial number, and those received after the kill.
    let acknowledged = Mutex<[String: Int]>([:])
    let acknowledgedAfterKill = Mutex<[String: Int]>([:])
    /// The CPEs as they are now, per serial number.
    let cpes = Mutex<[String: SimulatedCPE]>([:])
    /// Whether the kill happened.
    let killed = Mutex(false)
    /// Whether the clients stop.
    let stop = Mutex(false)
    /// Statuses of the API GETs through nginx, and how many were sent after the kill.
    let gets = Mutex<[Int]>([])
    let getsAfterKill = Mutex(0)
    /// POSTs sent, and the task ids of those acknowledged with 201.
    let postsSent = Mutex(0)
    let postsAcknowledged = Mutex<[UUID]>([])
    /// Per WebSocket client: messages received, and how many times its socket ended.
    let messages = Mutex<[Int: [String]]>([:])
    let socketEnds = Mutex<[Int: Int]>([:])

    var stopped: Bool { stop.withLock { $0 } }
}

/// The processes of each role behind nginx (deploy/nginx/octoisp.conf): two ACS and two API processes
/// and a worker on one database. One ACS and one API process are killed with SIGKILL in the middle of a
/// storm of simulated CPEs, API requests and WebSocket clients, all going through nginx.
@Suite(.serialized) struct NginxKillTests {
    static let model = "device-eg8145v5-no-voip.csv"
    static let ssid = "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.SSID"
    static let cpePassword = "cpe-secret-123"
    static let fleet = 24

    /// CPE `index`'s own address (each CPE connects to nginx from its own, as CPEs do).
    static func address(_ index: Int) -> String { "127.20.\(index / 250).\(index % 250 + 1)" }

    static func runner(_ index: Int, acs: URL) -> CPESessionRunner {
        var runner = CPESessionRunner(acs: acs, username: "cpe", password: cpePassword, mode: .basic)
        runner.sourceAddress = address(index)
        return runner
    }

    /// One CPE: sessions every `every` until told to stop; a failed session (its process died, the
    /// lease of its old session not yet expired) is retried with the same events, as a CPE does.
    static func cpe(_ index: Int, _ start: SimulatedCPE, acs: URL, ledger: Ledger, every: Duration) async {
        var runner = Self.runner(index, acs: acs)
        runner.onInformAcknowledged = { cpe in
            let serial = cpe.model.identity.serialNumber
            ledger.acknowledged.withLock { $0[serial, default: 0] += 1 }
            if ledger.killed.withLock({ $0 }) { ledger.acknowledgedAfterKill.withLock { $0[serial, default: 0] += 1 } }
        }
        var cpe = start
        while !ledger.stopped, !Task.isCancelled {
            do {
                _ = try await runner.run(&cpe)
            } catch {
                // The Inform goes again with the same events.
            }
            ledger.cpes.withLock { $0[cpe.model.identity.serialNumber] = cpe }
            try? await Task.sleep(for: every)
        }
    }

    /// A WebSocket client through nginx subscribed to `devices`; when its socket ends it connects
    /// again, as the dashboard does.
    static func socket(_ number: Int, port: Int, token: String, ledger: Ledger) async {
        while !ledger.stopped, !Task.isCancelled {
            try? await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/api/v1/ws?access_token=\(token)", logger: Self.quiet) { inbound, outbound, _ in
                try await outbound.write(.text(#"{"action": "subscribe", "topics": ["devices"]}"#))
                for try await message in inbound.messages(maxSize: 1 << 16) {
                    if case .text(let text) = message { ledger.messages.withLock { $0[number, default: []].append(text) } }
                    if ledger.stopped { break }
                }
            }
            ledger.socketEnds.withLock { $0[number, default: 0] += 1 }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    static let quiet = { var logger = Logger(label: "ws"); logger.logLevel = .critical; return logger }()

    static func count(_ stack: TestStack, _ provider: UUID, _ sql: String) async throws -> Int {
        try await stack.database.withTenant(provider) { tx in try await tx.query(PostgresQuery(unsafeSQL: sql)).values(Int.self).first ?? 0 }
    }

    /// Whether `condition` held within `limit`.
    static func eventually(within limit: Duration, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    static func wait(_ what: String, within limit: Duration, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestSetupError("timed out waiting for \(what)")
    }

    @Test(.timeLimit(.minutes(2)))
    func oneACSAndOneAPIProcessKilledMidStorm() async throws {
        try await TestDatabase.with { stack in
            let started = ContinuousClock.now
            let provider = try await stack.makeProvider("scale-isp")
            _ = try await stack.database.withTenant(provider.id) { tx in
                try await tx.cwmpCredentials.create(username: "cpe", password: Self.cpePassword, realm: "OctoISP ACS", by: .system)
            }
            try await stack.makeUser("noc@scale.test", role: .providerAdmin, provider: provider.id)
            var environment = Instances.environment(stack, secretKey: SecretBox.generateKeyring())
            // One test client makes all the API calls; the limits have their own test.
            environment["OCTOISP_RATE_LIMIT_IP"] = "1000"
            environment["OCTOISP_RATE_LIMIT_CREDENTIAL"] = "1000"
            let acsPorts = [TestEnvironment.freeTCPPort(), TestEnvironment.freeTCPPort()]
            let apiPorts = [TestEnvironment.freeTCPPort(), TestEnvironment.freeTCPPort()]
            async let acs1 = Instances.acs(environment, port: acsPorts[0])
            async let acs2 = Instances.acs(environment, port: acsPorts[1])
            async let api1 = Instances.api(environment, port: apiPorts[0])
            async let api2 = Instances.api(environment, port: apiPorts[1])
            let worker = try Instances.worker(environment)
            let (acs, api) = (try await [acs1, acs2], try await [api1, api2])
            let nginx = try await NginxFront.start(acs: acsPorts, api: apiPorts)
            let processes = acs + api + [worker]
            defer { for process in processes { process.send(SIGKILL) } }

            // The client's own address reaches the API through the trusted proxy; an X-Forwarded-For
            // the client made up itself is not believed.
            let token = try await Through.login(port: nginx.apiPort, email: "noc@scale.test", source: "127.0.9.9",
                                                headers: [("X-Forwarded-For", "203.0.113.7")])
            #expect(try await Through.auditedAddress(stack, provider: provider.id, email: "noc@scale.test") == "127.0.9.9")

            // The fleet registers and is discovered through nginx, spread over both ACS processes.
            let model = try Repository.model(Self.model)
            let acsURL = URL(string: "http://127.0.0.1:\(nginx.cwmpPort)/cwmp/scale-isp")!
            var fleet: [SimulatedCPE] = []
            try await withThrowingTaskGroup(of: SimulatedCPE.self) { group in
                for index in 0..<Self.fleet {
                    group.addTask {
                        var cpe = SimulatedCPE(model: model, index: index)
                        // On a busy box a discovery session can outlive the short idle timeout; the CPE tries again.
                        for attempt in 1...5 {
                            do {
                                _ = try await Self.runner(index, acs: acsURL).run(&cpe)
                                return cpe
                            } catch where attempt < 5 {
                                try await Task.sleep(for: .milliseconds(500))
                            }
                        }
                        return cpe
                    }
                }
                for try await cpe in group { fleet.append(cpe) }
            }
            fleet.sort { $0.model.identity.serialNumber < $1.model.identity.serialNumber }
            #expect(try await Self.count(stack, provider.id, "SELECT count(*)::int FROM cwmp_devices WHERE discovered_at IS NOT NULL") == Self.fleet)
            // Each Inform is stored with the CPE's own address, not nginx's.
            let addresses = Set(try await stack.database.withTenant(provider.id) { tx in
                try await tx.query("SELECT DISTINCT host(remote_ip) FROM cwmp_informs").values(String.self)
            })
            #expect(addresses == Set((0..<Self.fleet).map(Self.address)), "\(addresses.sorted())")

            // A task per device, queued through nginx before the storm: each 201 stored once.
            let devices = try await stack.database.withTenant(provider.id) { tx in
                try await tx.query("SELECT d.serial_number, d.id FROM devices d ORDER BY d.serial_number").decode((String, UUID).self)
                    .reduce(into: [(String, UUID)]()) { $0.append($1) }
            }
            try #require(devices.count == Self.fleet)
            var setTasks: [UUID: String] = [:]
            for (serial, device) in devices {
                let (status, task) = try await Through.call(.POST, port: nginx.apiPort, "/api/v1/devices/\(device.lowercased)/tasks", token: token, json: """
                    {"type": "setParameterValues", "parameter_values": [{"name": "\(Self.ssid)", "value": "scale-\(serial.suffix(6))"}]}
                    """)
                try #require(status == 201, "\(task)")
                setTasks[try #require((task["id"] as? String).flatMap(UUID.init(uuidString:)))] = serial
            }
            #expect(try await Self.count(stack, provider.id, "SELECT count(*)::int FROM acs_tasks") == Self.fleet)

            let ledger = Ledger()
            var tasksRunningAtKill: Set<UUID> = []
            var tasksDoneAtKill: Set<UUID> = []
            try await withThrowingTaskGroup(of: Void.self) { clients in
                defer { ledger.stop.withLock { $0 = true } }
                // WebSocket clients, opened one after another so nginx's round robin puts them on both API processes.
                for number in 0..<4 {
                    clients.addTask { await Self.socket(number, port: nginx.apiPort, token: token, ledger: ledger) }
                    try await Self.wait("socket \(number) subscribed", within: .seconds(10)) {
                        ledger.messages.withLock { $0[number]?.contains { $0.contains("subscribed") } ?? false }
                    }
                }
                for (index, cpe) in fleet.enumerated() {
                    clients.addTask { await Self.cpe(index, cpe, acs: acsURL, ledger: ledger, every: .milliseconds(300)) }
                }
                // Idempotent GETs and task POSTs through nginx all along.
                clients.addTask {
                    while !ledger.stopped {
                        let status = (try? await Through.call(.GET, port: nginx.apiPort, "/api/v1/devices?limit=5", token: token).0) ?? 0
                        // The clients are cancelled once the storm settles: a GET cut off by that is no answer of nginx's.
                        if Task.isCancelled { break }
                        ledger.gets.withLock { $0.append(status) }
                        if ledger.killed.withLock({ $0 }) { ledger.getsAfterKill.withLock { $0 += 1 } }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                clients.addTask {
                    var round = 0
                    while !ledger.stopped {
                        let device = devices[round % devices.count].1
                        round += 1
                        ledger.postsSent.withLock { $0 += 1 }
                        if let (status, task) = try? await Through.call(.POST, port: nginx.apiPort, "/api/v1/devices/\(device.lowercased)/tasks", token: token,
                                                                        json: #"{"type": "getParameterValues", "parameter_names": ["InternetGatewayDevice.DeviceInfo.UpTime"]}"#),
                           status == 201, let id = (task["id"] as? String).flatMap(UUID.init(uuidString:)) {
                            ledger.postsAcknowledged.withLock { $0.append(id) }
                        }
                        try await Task.sleep(for: .milliseconds(120))
                    }
                }

                // Kill one ACS and one API process once a third of the queued changes are done.
                try await Self.wait("a third of the changes done", within: .seconds(30)) {
                    try await Self.count(stack, provider.id, "SELECT count(*)::int FROM acs_tasks WHERE type = 'setParameterValues' AND status = 'done'")
                        >= Self.fleet / 3
                }
                let states = try await stack.database.withTenant(provider.id) { tx in
                    try await tx.query("SELECT id, status FROM acs_tasks WHERE type = 'setParameterValues'").decode((UUID, String).self)
                        .reduce(into: [(UUID, String)]()) { $0.append($1) }
                }
                acs[0].send(SIGKILL)
                api[0].send(SIGKILL)
                ledger.killed.withLock { $0 = true }
                #expect(await acs[0].termination(within: .seconds(10)) == .signalled(SIGKILL))
                #expect(await api[0].termination(within: .seconds(10)) == .signalled(SIGKILL))
                // A task whose session was open at the kill may be running in the dead process, or just
                // done there but not yet recorded: requeued, it is confirmed from the CPE's next Inform
                // (its ParameterKey) instead of being sent again. Every change runs once.
                tasksRunningAtKill = Set(states.filter { $0.1 != "done" }.map(\.0))
                tasksDoneAtKill = Set(states.filter { $0.1 == "done" }.map(\.0))

                // Every socket (those on the killed process reconnect through nginx to the other one)
                // receives an event published after the kill.
                let marker = "after-kill-\(UUID().uuidString.prefix(8))"
                let delivered = try await Self.eventually(within: .seconds(20)) {
                    try await stack.database.withTenant(provider.id) { tx in try await tx.publish(topic: "devices", data: .object(["marker": .string(marker)])) }
                    try await Task.sleep(for: .milliseconds(200))
                    return ledger.messages.withLock { messages in (0..<4).allSatisfy { messages[$0]?.contains { $0.contains(marker) } ?? false } }
                }
                #expect(delivered, "sockets after the kill: ends \(ledger.socketEnds.withLock { $0 }); last messages \(ledger.messages.withLock { $0.mapValues { $0.suffix(2) } })")

                // Every change done and every CPE back in a session after the kill.
                let settled = try await Self.eventually(within: .seconds(40)) {
                    let open = try await Self.count(stack, provider.id, "SELECT count(*)::int FROM acs_tasks WHERE type = 'setParameterValues' AND status <> 'done'")
                    return open == 0 && ledger.acknowledgedAfterKill.withLock { $0.count } == Self.fleet
                }
                if !settled {
                    let open = try await stack.database.withTenant(provider.id) { tx in
                        try await tx.query("SELECT d.serial_number || ' ' || t.status FROM acs_tasks t JOIN devices d ON d.id = t.device_id WHERE t.type = 'setParameterValues' AND t.status <> 'done'").values(String.self)
                    }
                    let after = ledger.acknowledgedAfterKill.withLock { Set($0.keys) }
                    Issue.record("""
                        not settled 40 s after the kill: open changes \(open); CPEs without an Inform since: \(Set(fleet.map(\.model.identity.serialNumber)).subtracting(after).sorted())
                        nginx: \(nginx.errors().suffix(1500))
                        ACS 2: \(acs[1].errors().suffix(1500))
                        """)
                }
                ledger.stop.withLock { $0 = true }
                clients.cancelAll()
            }

            // Sockets: at least one was on the killed process and came back.
            let ends = ledger.socketEnds.withLock { $0 }
            #expect(ends.values.reduce(0, +) >= 1, "no WebSocket was on the killed API process: \(ends)")
            // Every change ran exactly once, those in flight in the dead process at the kill included.
            let cpes = ledger.cpes.withLock { $0 }
            var repeated = 0
            for (id, serial) in setTasks {
                let sets = cpes[serial]?.setCounts[Self.ssid] ?? 0
                #expect(cpes[serial]?.model.nodes[Self.ssid]?.value == "scale-\(serial.suffix(6))", "\(serial)")
                let inFlight = !tasksDoneAtKill.contains(id) && tasksRunningAtKill.contains(id)
                #expect(sets == 1, "\(serial): the change ran \(sets) times\(inFlight ? " (in flight at the kill)" : "")")
                if sets > 1 { repeated += 1 }
            }
            let confirmed = try await Self.count(stack, provider.id, "SELECT count(*)::int FROM acs_tasks WHERE result ? 'confirmed_from_inform'")
            #expect(try await Self.count(stack, provider.id, "SELECT count(*)::int FROM acs_tasks WHERE type = 'setParameterValues' AND status = 'done'")
                    == Self.fleet)
            // Every acknowledged Inform is counted.
            let stored = Dictionary(uniqueKeysWithValues: try await stack.database.withTenant(provider.id) { tx in
                try await tx.query("SELECT d.serial_number, c.informs FROM cwmp_devices c JOIN devices d ON d.id = c.device_id")
                    .decode((String, Int).self).reduce(into: [(String, Int)]()) { $0.append($1) }
            })
            let acknowledged = ledger.acknowledged.withLock { $0 }
            for (serial, count) in acknowledged {
                #expect((stored[serial] ?? 0) >= count + 1, "\(serial): \(count) Informs acknowledged in the storm, \(stored[serial] ?? 0) stored")
            }
            // API: every GET answered 200 (nginx took the failed ones to the other process); every
            // acknowledged POST is stored, and no POST was stored twice.
            // How many GETs fit in the storm depends on its speed; what counts is that some were sent
            // after the kill (round robin also aims them at the dead process) and every one got 200.
            let gets = ledger.gets.withLock { $0 }
            let getsAfterKill = ledger.getsAfterKill.withLock { $0 }
            #expect(getsAfterKill >= 4 && gets.allSatisfy { $0 == 200 },
                    "\(getsAfterKill) GETs after the kill; statuses: \(Dictionary(grouping: gets, by: { $0 }).mapValues(\.count))")
            let promised = ledger.postsAcknowledged.withLock { $0 }
            let sent = ledger.postsSent.withLock { $0 }
            let storedPosts = try await Self.count(stack, provider.id, "SELECT count(*)::int FROM acs_tasks WHERE type = 'getParameterValues'")
            let storedIDs = Set(try await stack.database.withTenant(provider.id) { tx in
                try await tx.query("SELECT id FROM acs_tasks WHERE type = 'getParameterValues'").values(UUID.self)
            })
            #expect(promised.count >= 5 && Set(promised).isSubset(of: storedIDs))
            #expect(storedPosts <= sent, "\(storedPosts) tasks stored from \(sent) POSTs")
            let total = acknowledged.values.reduce(0, +)
            print("nginx, 2 ACS + 2 API + worker, one of each killed: \(total) Informs acknowledged, \(tasksDoneAtKill.count)/\(Self.fleet) changes done "
                  + "at the kill, \(repeated) ran again, \(confirmed) confirmed from an Inform after it; \(gets.count) GETs all 200; \(promised.count)/\(sent) POSTs acknowledged, \(storedPosts) stored; "
                  + "socket ends \(ends.values.reduce(0, +)); \(String(format: "%.1f", Double((ContinuousClock.now - started).components.seconds))) s")
            await Instances.stop([acs[1], api[1], worker])
            await nginx.stop()
        }
    }

    /// Without OCTOISP_TRUSTED_PROXIES the API sees nginx, not the client; and a POST that reaches no
    /// process (the first upstream is down) is passed to the next one.
    @Test(.timeLimit(.minutes(1)))
    func untrustedProxyIsTheClient() async throws {
        try await TestDatabase.with { stack in
            let provider = try await stack.makeProvider("plain-isp")
            try await stack.makeUser("noc@plain.test", role: .providerAdmin, provider: provider.id)
            let environment = Instances.environment(stack, secretKey: SecretBox.generateKeyring(), trusted: false)
            let apiPort = TestEnvironment.freeTCPPort()
            let api = try await Instances.api(environment, port: apiPort)
            defer { api.send(SIGKILL) }
            let down = TestEnvironment.freeTCPPort()
            let nginx = try await NginxFront.start(acs: [down, down], api: [down, apiPort])
            for _ in 0..<3 {
                _ = try await Through.login(port: nginx.apiPort, email: "noc@plain.test", source: "127.0.9.9", headers: [("X-Forwarded-For", "203.0.113.7")])
                #expect(try await Through.auditedAddress(stack, provider: provider.id, email: "noc@plain.test") == "127.0.0.1")
            }
            await Instances.stop([api])
            await nginx.stop()
        }
    }

    /// The TLS variant (deploy/nginx/octoisp-tls.conf) terminates TLS and tells the API so: answers
    /// carry Strict-Transport-Security, believed from the trusted proxy only.
    @Test(.timeLimit(.minutes(1)))
    func tlsVariantTerminatesTLS() async throws {
        try await TestDatabase.with { stack in
            let directory = NSTemporaryDirectory() + "octoisp-tls-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            try await ChildProcess.shell("""
                openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout \(directory)/key.pem -out \(directory)/cert.pem \
                  -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>&1
                """)
            let environment = Instances.environment(stack, secretKey: SecretBox.generateKeyring())
            let apiPort = TestEnvironment.freeTCPPort()
            let api = try await Instances.api(environment, port: apiPort)
            defer { api.send(SIGKILL) }
            let acsPort = TestEnvironment.freeTCPPort()
            let nginx = try await NginxFront.start("octoisp-tls.conf", acs: [acsPort, acsPort], api: [apiPort, apiPort],
                                                   certificate: (directory + "/cert.pem", directory + "/key.pem"))
            let tls = try HTTPExchange.clientContext(caFile: directory + "/cert.pem")
            let secure = try await HTTPExchange.get(host: "127.0.0.1", port: nginx.apiPort, path: "/health", tls: tls)
            #expect(secure.status == 200)
            #expect(secure.headers.first(name: "Strict-Transport-Security") != nil)
            // Straight to the process, a client's own X-Forwarded-Proto is not believed.
            let direct = try await HTTPExchange.get(host: "127.0.0.1", port: apiPort, path: "/health", headers: [("X-Forwarded-Proto", "https")],
                                                    source: "127.0.9.9")
            #expect(direct.status == 200)
            #expect(direct.headers.first(name: "Strict-Transport-Security") == nil)
            await Instances.stop([api])
            await nginx.stop()
        }
    }
}
