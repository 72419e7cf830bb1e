import ACS
import CPEReach
import CPESimulator
import CWMP
import Foundation
import Logging
import OctoCore
import OctoStore
import OctoTestSupport
import PostgresNIO
import Prometheus
import Testing

/// Connection requests to CPEs behind NAT, end to end with simulated CPEs: UDP through our STUN
/// server (TR-111), XMPP through the Prosody that `make test` starts (Annex K), the fallback to the
/// next Inform, and interoperability with Debian's `stund` and `stun`. Every test that runs servers
/// in a task group cancels them on every way out of the group and runs under a ``Deadline``, so a
/// failure is reported as one instead of hanging the run.
@Suite(.serialized)
struct NATReachTests {
    static let model = "device-1C61B4-EX220-2226469000523.csv"
    static let parameter = "Device.ManagementServer.PeriodicInformInterval"

    static var quiet: Logger {
        var logger = Logger(label: "nat-test")
        logger.logLevel = .critical
        return logger
    }

    static func randomHost() -> String { "127.3.\(Int.random(in: 0...255)).\(Int.random(in: 1...254))" }

    /// Polls `condition` every 50 ms for up to `seconds`.
    static func eventually(_ seconds: Double = 10, _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    /// The task once its connection request is recorded (or as it is after 5 s).
    static func recorded(_ task: UUID, device: UUID, _ harness: TaskHarness) async throws -> DeviceTask {
        var current = try await harness.stack.database.withTenant(harness.provider.id) { tx in try await tx.deviceTasks.get(task, device: device) }
        _ = try await eventually(5) {
            current = try await harness.stack.database.withTenant(harness.provider.id) { tx in try await tx.deviceTasks.get(task, device: device) }
            return current.connectionRequest != nil
        }
        return current
    }

    static func runner(_ harness: TaskHarness) -> CPESessionRunner {
        CPESessionRunner(acs: harness.acsURL, username: "cpe", password: ACSHarness.password, mode: .digest)
    }

    @Test func udpConnectionRequestThroughSTUNRunsTheTaskAtOnce() async throws {
        try await Deadline.run(120, "the UDP connection-request test") { try await Self.udpConnectionRequestThroughSTUN() }
    }

    static func udpConnectionRequestThroughSTUN() async throws {
        try await TaskHarness.with { harness in
            let (ports, bound) = AsyncStream.makeStream(of: Int.self)
            let stun = STUNServer(database: harness.stack.database, host: "127.0.0.1", port: 0, clock: harness.stack.clock, logger: Self.quiet,
                                  metrics: PrometheusMetricsFactory(registry: harness.metrics)) { port in
                bound.yield(port)
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                defer { group.cancelAll() }
                group.addTask { defer { bound.finish() }; try await stun.run() }
                let stunPort = try await Deadline.first(ports, within: 20, "the STUN server")
                var cpe = SimulatedCPE(model: try Fixtures.model(Self.model))
                let identity = cpe.model.identity
                // What the ACS would set with SetParameterValues (ManagementServer.STUN*).
                cpe.enableSTUN(server: "127.0.0.1", port: stunPort,
                               username: STUNServer.username(providerSlug: harness.provider.slug, oui: identity.oui, serial: identity.serialNumber),
                               keepAlive: 1)
                let host = Self.randomHost()
                let device = SimulatedDevice(cpe: cpe, runner: Self.runner(harness),
                                             udpListener: UDPConnectionRequestListener(host: host, username: "acs", password: TaskHarness.connectionRequestPassword))
                let (ready, signal) = AsyncStream.makeStream(of: String.self)
                group.addTask { defer { signal.finish() }; try await device.serve { url in signal.yield(url) } }
                let udpURL = try await Deadline.first(ready, within: 20, "the simulated CPE's UDP port")
                #expect(udpURL.hasPrefix("udp://\(host):"))
                let learned = await Self.eventually(5) { await device.cpe.udpConnectionRequestAddress != nil }
                #expect(learned, "the CPE learned its binding from our STUN server")
                let address = await device.cpe.udpConnectionRequestAddress
                #expect(address == String(udpURL.dropFirst("udp://".count)), "on loopback the mapped address is the local one")
                let id = try await harness.register(device)
                // The binding is stored at the next keep-alive once the device exists (1 s here).
                let stored = try await Self.eventually(5) {
                    let row = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                        try await tx.query("SELECT host(stun_address) AS h, stun_port FROM cwmp_devices WHERE device_id = \(id)")
                            .decode((String?, Int32?).self).first { _ in true }
                    }
                    return row.map { "\($0.0 ?? ""):\($0.1 ?? 0)" } == address
                }
                #expect(stored, "the STUN server stored the binding for the device its USERNAME names")
                let parameters = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                    try await tx.query("""
                        SELECT value FROM device_parameters WHERE device_id = \(id) AND path = 'Device.ManagementServer.NATDetected'
                        """).values(String.self)
                }
                #expect(parameters == ["true"], "the Inform reported NATDetected with the UDP address")

                let queued = ContinuousClock.now
                let task = try await harness.queue(#"{"type": "getParameterValues", "parameter_names": ["\#(Self.parameter)"]}"#, device: id)
                let settled = try await harness.wait(for: task.id, device: id)
                let elapsed = ContinuousClock.now - queued
                #expect(settled.status == .done, "the UDP connection request made the CPE open a session")
                // The simulated CPE informs only when told to: the task can only have run through the request.
                #expect(elapsed < .seconds(10), "the task ran at once, not at the next Inform")
                // The request is recorded once its last copy is out (100 ms apart), which can be after
                // the session it caused has already run the task.
                let recorded = try await Self.recorded(task.id, device: id, harness)
                #expect(recorded.connectionRequest?.path == "udp")
                #expect(recorded.connectionRequest?.outcome == "sent (3 datagrams)")
                #expect(await device.udpRequests == 1, "three copies, one session")
                #expect(try await harness.count("cwmp_informs WHERE events = ARRAY['6 CONNECTION REQUEST']") == 1)
                print("UDP connection request: task done \(elapsed) after it was queued; request took \(recorded.connectionRequest?.milliseconds ?? -1) ms")
                let events = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                    try await tx.query("SELECT events FROM cwmp_informs ORDER BY id DESC LIMIT 1").values([String].self)
                }
                #expect(events.first == ["6 CONNECTION REQUEST"])
                // The API shows the path and the time on the task.
                let answer = try await harness.call(.get, "/api/v1/devices/\(id.lowercased)/tasks/\(task.id.lowercased)")
                #expect(answer.json?["connection_request"]?.string("path") == "udp")
                guard case .number(let ms)? = answer.json?["connection_request"]?["milliseconds"] else {
                    Issue.record("no milliseconds in \(answer.text)")
                    return
                }
                #expect(ms >= 0 && ms < 5000)
                // /metrics counts the request by path and outcome, times it, and counts the Binding requests.
                let metrics = try await harness.call(.get, "/metrics", token: TaskHarness.metricsToken).text
                #expect(metrics.contains(#"octoisp_acs_connection_requests_total{path="udp",outcome="ok"} 1"#), "\(metrics)")
                #expect(metrics.contains(#"octoisp_acs_connection_request_seconds_count{path="udp"} 1"#), "\(metrics)")
                #expect(metrics.contains(#"octoisp_stun_binding_requests_total{kind="connection_request"}"#), "\(metrics)")
            }
        }
    }

    /// The operator turns STUN on through the ACS (SetParameterValues at the device's periodic Inform);
    /// the CPE binds against our STUN server, informs its new UDPConnectionRequestAddress with a VALUE
    /// CHANGE, and from then on a task reaches it over UDP and reads those parameters back.
    @Test func stunTurnedOnThroughTheACSOpensTheUDPPath() async throws {
        try await Deadline.run(120, "the STUN-through-the-ACS test") { try await Self.stunThroughTheACS() }
    }

    static func stunThroughTheACS() async throws {
        try await TaskHarness.with { harness in
            let (ports, bound) = AsyncStream.makeStream(of: Int.self)
            let stun = STUNServer(database: harness.stack.database, host: "127.0.0.1", port: 0, clock: harness.stack.clock, logger: Self.quiet) { port in
                bound.yield(port)
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                defer { group.cancelAll() }
                group.addTask { defer { bound.finish() }; try await stun.run() }
                let stunPort = try await Deadline.first(ports, within: 20, "the STUN server")
                let cpe = SimulatedCPE(model: try Fixtures.model(Self.model))
                let identity = cpe.model.identity
                let device = SimulatedDevice(cpe: cpe, runner: Self.runner(harness),
                                             udpListener: UDPConnectionRequestListener(host: Self.randomHost(), username: "acs",
                                                                                       password: TaskHarness.connectionRequestPassword))
                let (ready, signal) = AsyncStream.makeStream(of: String.self)
                group.addTask { defer { signal.finish() }; try await device.serve { url in signal.yield(url) } }
                _ = try await Deadline.first(ready, within: 20, "the simulated CPE's UDP port")
                let id = try await harness.register(device)
                #expect(await device.cpe.stunSettings == nil, "STUN is off in the fixture")

                let base = "Device.ManagementServer."
                let username = STUNServer.username(providerSlug: harness.provider.slug, oui: identity.oui, serial: identity.serialNumber)
                let set = try await harness.queue("""
                    {"type": "setParameterValues", "parameter_values": [
                        {"name": "\(base)STUNEnable", "value": "true", "type": "xsd:boolean"},
                        {"name": "\(base)STUNServerAddress", "value": "127.0.0.1", "type": "xsd:string"},
                        {"name": "\(base)STUNServerPort", "value": "\(stunPort)", "type": "xsd:unsignedInt"},
                        {"name": "\(base)STUNUsername", "value": "\(username)", "type": "xsd:string"},
                        {"name": "\(base)STUNMinimumKeepAlivePeriod", "value": "1", "type": "xsd:unsignedInt"}]}
                    """, device: id)
                // Not reachable yet (its TCP URL answers nobody): the task runs at the periodic Inform.
                try await device.runSession(events: [InformEvent(code: InformEvent.periodic)])
                #expect(try await harness.wait(for: set.id, device: id, seconds: 10).status == .done)
                let learned = try await Self.eventually(10) {
                    try await harness.stack.database.withTenant(harness.provider.id) { tx in
                        try await tx.query("""
                            SELECT value FROM device_parameters WHERE device_id = \(id) AND path = 'Device.ManagementServer.NATDetected'
                            """).values(String.self)
                    } == ["true"]
                }
                #expect(learned, "the CPE informed its binding (VALUE CHANGE) once STUN was on")
                let bindingStored = try await Self.eventually(10) {
                    try await harness.count("cwmp_devices WHERE stun_address IS NOT NULL") == 1
                }
                #expect(bindingStored)

                harness.stack.clock.advance(by: 11)
                let queued = ContinuousClock.now
                let read = try await harness.queue("""
                    {"type": "getParameterValues", "parameter_names": ["\(base)STUNEnable", "\(base)UDPConnectionRequestAddress", "\(base)NATDetected"]}
                    """, device: id)
                let settled = try await harness.wait(for: read.id, device: id)
                #expect(settled.status == .done)
                #expect(ContinuousClock.now - queued < .seconds(5), "the UDP connection request ran it at once")
                let recorded = try await Self.recorded(read.id, device: id, harness)
                #expect(recorded.connectionRequest?.path == "udp", "\(String(describing: recorded.connectionRequest))")
                var values: [String: String] = [:]
                if case .array(let items)? = settled.result?["values"] {
                    for case .object(let item) in items {
                        if case .string(let name)? = item["name"], case .string(let text)? = item["value"] { values[name] = text }
                    }
                }
                let address = await device.cpe.udpConnectionRequestAddress
                #expect(values["\(base)STUNEnable"] == "true")
                #expect(values["\(base)NATDetected"] == "true")
                #expect(address != nil && values["\(base)UDPConnectionRequestAddress"] == address, "\(values)")
            }
        }
    }

    @Test func udpAddressOutsideTheInformSourceIsRefused() async throws {
        try await TaskHarness.with(worker: false) { harness in
            // A device that claims a UDP address it does not inform from: nothing is sent there.
            var cpe = SimulatedCPE(model: try Fixtures.model(Self.model))
            cpe.setUDPBinding("127.3.200.1:9", natDetected: true)
            let device = SimulatedDevice(cpe: cpe, runner: Self.runner(harness))
            let id = try await harness.register(device)
            let attempt = await harness.requester.attempt(device: id, provider: harness.provider.id)
            #expect(attempt.path == .udp)
            guard case .failed(let reason) = attempt.outcome else {
                Issue.record("expected a refusal, got \(attempt.outcome)")
                return
            }
            #expect(reason.contains("outbound policy"), "\(reason)")
        }
    }

    /// The requester records its outcome on the task row while the session it caused may be claiming
    /// that task: the claim waits for the record instead of skipping the task until the next Inform.
    @Test func aTaskWhoseRequestIsBeingRecordedRunsInTheSessionItCaused() async throws {
        try await Deadline.run(120, "the record-and-claim test") { try await Self.recordWhileClaiming() }
    }

    static func recordWhileClaiming() async throws {
        try await TaskHarness.with(worker: false) { harness in
            let device = SimulatedDevice(cpe: SimulatedCPE(model: try Fixtures.model(Self.model)), runner: Self.runner(harness))
            let id = try await harness.register(device)
            let task = try await harness.queue(#"{"type": "getParameterValues", "parameter_names": ["\#(Self.parameter)"]}"#, device: id)
            let (locked, signal) = AsyncStream.makeStream(of: Void.self)
            try await withThrowingTaskGroup(of: Void.self) { group in
                defer { group.cancelAll() }
                group.addTask {
                    defer { signal.finish() }
                    // What ConnectionRequester.attempt writes, held open for 2 s.
                    try await harness.stack.database.withTenant(harness.provider.id) { tx in
                        try await tx.query("""
                            UPDATE acs_tasks SET connection_request_path = 'udp', connection_request_outcome = 'sent (3 datagrams)',
                                connection_request_ms = 200, connection_request_at = now()
                            WHERE id = \(task.id)
                            """)
                        signal.yield()
                        try await tx.query("SELECT pg_sleep(2)")
                    }
                }
                try await Deadline.first(locked, within: 20, "the record's row lock")
                try await device.runSession(events: [InformEvent(code: InformEvent.connectionRequest)])
                try await group.waitForAll()
            }
            let settled = try await harness.stack.database.withTenant(harness.provider.id) { tx in try await tx.deviceTasks.get(task.id, device: id) }
            #expect(settled.status == .done, "the session the request caused ran the task")
            #expect(settled.connectionRequest?.path == "udp")
        }
    }

    @Test func withNeitherPathTheTaskWaitsForTheNextInform() async throws {
        try await Deadline.run(120, "the fallback test") { try await Self.withNeitherPath() }
    }

    static func withNeitherPath() async throws {
        try await TaskHarness.with { harness in
            let device = SimulatedDevice(cpe: SimulatedCPE(model: try Fixtures.model(Self.model)), runner: Self.runner(harness))
            let id = try await harness.register(device)
            let task = try await harness.queue(#"{"type": "getParameterValues", "parameter_names": ["\#(Self.parameter)"]}"#, device: id)
            let recorded = try await Self.eventually(10) {
                try await harness.stack.database.withTenant(harness.provider.id) { tx in try await tx.deviceTasks.get(task.id, device: id) }
                    .connectionRequest != nil
            }
            #expect(recorded)
            let waiting = try await harness.stack.database.withTenant(harness.provider.id) { tx in try await tx.deviceTasks.get(task.id, device: id) }
            #expect(waiting.status == .queued)
            #expect(waiting.connectionRequest?.path == "none" && waiting.connectionRequest?.outcome == "unreachable")
            let metrics = try await harness.call(.get, "/metrics", token: TaskHarness.metricsToken).text
            #expect(metrics.contains(#"octoisp_acs_connection_requests_total{path="none",outcome="unreachable"} 1"#), "\(metrics)")
            // Its next periodic Inform runs it.
            try await device.runSession(events: [InformEvent(code: InformEvent.periodic)])
            let settled = try await harness.wait(for: task.id, device: id, seconds: 5)
            #expect(settled.status == .done)
            #expect(await device.connectionRequests == 0)
        }
    }

    // MARK: XMPP

    /// The Prosody that `make test` starts (scripts/peers/xmpp.sh).
    struct Prosody {
        let host: String
        let port: Int
        let domain: String
        let ctl: String

        init() throws {
            let environment = ProcessInfo.processInfo.environment
            guard let host = environment["OCTOISP_TEST_XMPP_HOST"], let port = environment["OCTOISP_TEST_XMPP_PORT"].flatMap(Int.init),
                  let domain = environment["OCTOISP_TEST_XMPP_DOMAIN"], let ctl = environment["OCTOISP_TEST_PROSODYCTL"] else {
                throw TestSetupError("OCTOISP_TEST_XMPP_* are not set: the XMPP tests need the Prosody that `make test` starts")
            }
            self.host = host
            self.port = port
            self.domain = domain
            self.ctl = ctl
        }

        /// Creates an account and returns it.
        func account(_ user: String, password: String, resource: String) async throws -> XMPPConnection.Account {
            try await ChildProcess.shell("/usr/bin/timeout 30 \(ctl) register \(user) \(domain) \(password)")
            return XMPPConnection.Account(host: host, port: port, jid: "\(user)@\(domain)", password: password, resource: resource)
        }
    }

    @Test func xmppConnectionRequestRunsTheTaskAtOnce() async throws {
        try await Deadline.run(120, "the XMPP connection-request test") { try await Self.xmppConnectionRequest() }
    }

    static func xmppConnectionRequest() async throws {
        let prosody = try Prosody()
        let suffix = UUID().lowercased.prefix(8)
        let acs = try await prosody.account("acs-\(suffix)", password: "acs-xmpp-pass", resource: "acs")
        let cpeAccount = try await prosody.account("cpe-\(suffix)", password: "cpe-xmpp-pass", resource: "cwmp")
        try await TaskHarness.with { harness in
            // A NOC reads the account but may not change it; the password is never shown and sealed at rest.
            let denied = try await harness.call(.put, "/api/v1/acs/xmpp-account",
                                                json: #"{"host": "\#(acs.host)", "port": \#(acs.port), "jid": "\#(acs.jid)", "password": "x"}"#)
            #expect(denied.status == .forbidden)
            try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.xmppAccount.set(XMPPAccountInput(host: acs.host, port: acs.port, jid: acs.jid, password: acs.password, resource: "acs"),
                                             secrets: harness.secrets, by: .system)
            }
            let shown = try await harness.call(.get, "/api/v1/acs/xmpp-account")
            #expect(shown.status == .ok && shown.string("jid") == acs.jid && !shown.text.contains(acs.password))
            let sealed = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT password_sealed FROM cwmp_xmpp_accounts").values(String.self)
            }
            #expect(sealed.count == 1 && !(sealed.first ?? "").contains(acs.password))

            let device = SimulatedDevice(cpe: SimulatedCPE(model: try Fixtures.model(Self.model)), runner: Self.runner(harness),
                                         xmpp: .init(account: cpeAccount, username: "acs", password: TaskHarness.connectionRequestPassword))
            try await withThrowingTaskGroup(of: Void.self) { group in
                defer { group.cancelAll() }
                let (ready, signal) = AsyncStream.makeStream(of: String.self)
                group.addTask { defer { signal.finish() }; try await device.serve { url in signal.yield(url) } }
                let jid = try await Deadline.first(ready, within: 20, "the simulated CPE's XMPP session")
                #expect(jid == "xmpp:\(cpeAccount.jid)/cwmp")
                let id = try await harness.register(device)
                let queued = ContinuousClock.now
                let task = try await harness.queue(#"{"type": "getParameterValues", "parameter_names": ["\#(Self.parameter)"]}"#, device: id)
                let settled = try await harness.wait(for: task.id, device: id)
                let elapsed = ContinuousClock.now - queued
                #expect(settled.status == .done, "the XMPP connection request made the CPE open a session")
                // The simulated CPE informs only when told to: the task can only have run through the request.
                #expect(elapsed < .seconds(10), "the task ran at once, not at the next Inform")
                // Recorded when the CPE's result IQ is in, which can be after its session ran the task.
                let recorded = try await Self.recorded(task.id, device: id, harness)
                #expect(recorded.connectionRequest?.path == "xmpp")
                #expect(recorded.connectionRequest?.outcome == "acknowledged")
                #expect(await device.xmppRequests == 1)
                print("XMPP connection request: task done \(elapsed) after it was queued; request took \(recorded.connectionRequest?.milliseconds ?? -1) ms")
                #expect(await harness.xmpp.isOpen(acs), "the ACS keeps its XMPP session")
                let metrics = try await harness.call(.get, "/metrics", token: TaskHarness.metricsToken).text
                #expect(metrics.contains(#"octoisp_acs_connection_requests_total{path="xmpp",outcome="ok"} 1"#), "\(metrics)")
                #expect(metrics.contains(#"octoisp_acs_connection_request_seconds_count{path="xmpp"} 1"#), "\(metrics)")

                // Wrong credentials: the CPE answers not-authorized, and the ACS says so.
                try await harness.stack.database.withTenant(harness.provider.id) { tx in
                    try await tx.connectionRequestCredentials.set(username: "acs", password: "not-the-password", device: id,
                                                                  secrets: harness.secrets, by: .system)
                }
                harness.stack.clock.advance(by: 11)
                let refused = await harness.requester.attempt(device: id, provider: harness.provider.id)
                #expect(refused.path == .xmpp && refused.outcome == .rejected("not-authorized"))
                #expect(await device.xmppRequests == 1)
            }
        }
    }

    @Test func xmppLoginWithAWrongPasswordFails() async throws {
        let prosody = try Prosody()
        var account = try await prosody.account("bad-\(UUID().lowercased.prefix(8))", password: "right-pass", resource: "x")
        account.password = "wrong-pass"
        await #expect(throws: XMPPConnection.Failure.self) { _ = try await XMPPConnection.connect(account, timeout: 5) }
    }

    // MARK: Interoperability with Debian's STUN server and client

    @Test func simulatorBindsAgainstDebianStund() async throws {
        try await Deadline.run(60, "the stund interoperability test") { try await Self.simulatorBindsAgainstStund() }
    }

    static func simulatorBindsAgainstStund() async throws {
        guard let target = ProcessInfo.processInfo.environment["OCTOISP_TEST_STUND"], let colon = target.lastIndex(of: ":"),
              let port = Int(target[target.index(after: colon)...]) else {
            throw TestSetupError("OCTOISP_TEST_STUND is not set: this test needs the stund that `make test` starts (scripts/peers/stun.sh)")
        }
        let host = Self.randomHost()
        let listener = UDPConnectionRequestListener(host: host, username: "acs", password: "p")
        let settings = STUNSettings(server: String(target[..<colon]), port: port, username: "acme:1C61B4-1", keepAlive: 1)
        let (addresses, learned) = AsyncStream.makeStream(of: String.self)
        let (ports, bound) = AsyncStream.makeStream(of: Int.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            defer { group.cancelAll() }
            group.addTask {
                defer {
                    bound.finish()
                    learned.finish()
                }
                try await listener.run(settings: { settings }, bound: { bound.yield($0) }, learned: { address, _ in learned.yield(address) },
                                       onRequest: {})
            }
            let localPort = try await Deadline.first(ports, within: 20, "the simulated CPE's UDP port")
            let mapped = try await Deadline.first(addresses, within: 15, "stund's answer to our Binding request")
            #expect(mapped == "\(host):\(localPort)", "stund answered our TR-111 Binding request with our address")
        }
    }

    @Test func debianStunClientGetsItsAddressFromOurServer() async throws {
        try await Deadline.run(60, "the stun-client interoperability test") { try await Self.debianStunClient() }
    }

    static func debianStunClient() async throws {
        let client = ProcessInfo.processInfo.environment["OCTOISP_TEST_STUN_CLIENT"] ?? "/usr/bin/stun"
        guard FileManager.default.isExecutableFile(atPath: client) else {
            throw TestSetupError("\(client) is missing: scripts/setup.sh installs stun-client")
        }
        try await TestDatabase.with { stack in
            let (ports, bound) = AsyncStream.makeStream(of: Int.self)
            let server = STUNServer(database: stack.database, host: "127.0.0.1", port: 0, clock: stack.clock, logger: Self.quiet) { bound.yield($0) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                defer { group.cancelAll() }
                group.addTask { defer { bound.finish() }; try await server.run() }
                let port = try await Deadline.first(ports, within: 20, "the STUN server")
                let run = try await ChildProcess.run(["/usr/bin/timeout", "20", client, "127.0.0.1:\(port)", "1", "-v"])
                let output = run.text
                #expect(output.contains("MappedAddress = 127.0.0.1:"), "\(output)")
                #expect(output.contains("ok=1"), "\(output)")
            }
        }
    }
}

extension NATReachTests {
    @Test func simulatorProcessAnswersUDPAndXMPPConnectionRequests() async throws {
        try await Deadline.run(120, "the cpe-sim process test") { try await Self.simulatorProcessAnswers() }
    }

    static func simulatorProcessAnswers() async throws {
        let prosody = try Prosody()
        let suffix = String(UUID().lowercased.prefix(8))
        let acs = try await prosody.account("acs-\(suffix)", password: "acs-xmpp-pass", resource: "acs")
        _ = try await prosody.account("sim-\(suffix)-0", password: "sim-xmpp-pass", resource: "cwmp")
        try await TaskHarness.with(worker: false) { harness in
            let (ports, bound) = AsyncStream.makeStream(of: Int.self)
            let stun = STUNServer(database: harness.stack.database, host: "127.0.0.1", port: 0, clock: harness.stack.clock, logger: Self.quiet) { port in
                bound.yield(port)
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                defer { group.cancelAll() }
                group.addTask { defer { bound.finish() }; try await stun.run() }
                let stunPort = try await Deadline.first(ports, within: 20, "the STUN server")
                var environment = ProcessInfo.processInfo.environment
                environment["OCTOISP_CPE_PASSWORD"] = ACSHarness.password
                environment["OCTOISP_CR_PASSWORD"] = TaskHarness.connectionRequestPassword
                environment["OCTOISP_CPE_XMPP_PASSWORD"] = "sim-xmpp-pass"
                let fixture = Fixtures.directory.appendingPathComponent(Self.model).path
                let arguments = ["cpe-sim", "--acs", harness.acsURL.absoluteString, "--model", fixture, "--username", "cpe", "--auth", "digest",
                                 "--listen", "--cr-port", String(TestEnvironment.freeTCPPort()), "--cr-username", "acs",
                                 "--udp", "--nat", "--stun", "127.0.0.1:\(stunPort)", "--stun-keep-alive", "1",
                                 "--xmpp", "\(prosody.host):\(prosody.port)", "--xmpp-domain", prosody.domain, "--xmpp-user", "sim-\(suffix)",
                                 "--duration", "8"]
                let simulator = try ChildProcess.start([try TestEnvironment.octoispBinary()] + arguments, environment: environment)
                // The simulator runs for 8 s; whatever happens below, it is stopped when the test leaves.
                defer { simulator.send(SIGKILL) }
                var device: UUID?
                let deadline = ContinuousClock.now + .seconds(30)
                while device == nil, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(100))
                    device = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                        try await tx.query("SELECT device_id FROM cwmp_devices WHERE stun_address IS NOT NULL AND discovered_at IS NOT NULL")
                            .values(UUID.self).first
                    }
                }
                let id = try #require(device, "the simulated CPE registered and its STUN binding was stored")
                let udp = await harness.requester.attempt(device: id, provider: harness.provider.id)
                #expect(udp.path == .udp && udp.outcome == .sent(copies: 3), "\(udp)")
                try await harness.stack.database.withTenant(harness.provider.id) { tx in
                    try await tx.xmppAccount.set(XMPPAccountInput(host: acs.host, port: acs.port, jid: acs.jid, password: acs.password),
                                                 secrets: harness.secrets, by: .system)
                }
                harness.stack.clock.advance(by: 11)
                let xmpp = await harness.requester.attempt(device: id, provider: harness.provider.id)
                #expect(xmpp.path == .xmpp && xmpp.outcome == .acknowledged, "\(xmpp)")
                var woken = 0
                while woken < 2, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(100))
                    woken = try await harness.count("cwmp_informs WHERE events = ARRAY['6 CONNECTION REQUEST']")
                }
                #expect(woken == 2)
                let termination = await simulator.termination(within: .seconds(30))
                let text = simulator.output() + simulator.errors()
                #expect(termination == .exited(0), "cpe-sim ended with \(termination.map(\.description) ?? "nothing within 30 s"): \(text)")
                #expect(text.contains("2 connection requests answered (1 over UDP, 1 over XMPP)"), "\(text)")
            }
        }
    }

    @Test func anotherProviderSeesNoXMPPAccount() async throws {
        try await TaskHarness.with(worker: false) { harness in
            try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.xmppAccount.set(XMPPAccountInput(host: "127.0.0.1", port: 5222, jid: "acs@octoisp.test", password: "p"),
                                             secrets: harness.secrets, by: .system)
            }
            let other = try await harness.stack.makeProvider("other")
            let theirs = try await harness.stack.database.withTenant(other.id) { tx in try await tx.xmppAccount.account(secrets: harness.secrets) }
            #expect(theirs == nil)
            await #expect(throws: OctoError.self) {
                _ = try await harness.stack.database.withTenant(other.id) { tx in try await tx.xmppAccount.info() }
            }
            // A bad body is a 400 naming the field, and nothing changes.
            await #expect(throws: OctoError.self) {
                try await harness.stack.database.withTenant(harness.provider.id) { tx in
                    try await tx.xmppAccount.set(XMPPAccountInput(host: "h", jid: "no-at-sign", password: "p"), secrets: harness.secrets, by: .system)
                }
            }
            let mine = try await harness.stack.database.withTenant(harness.provider.id) { tx in try await tx.xmppAccount.info() }
            #expect(mine.jid == "acs@octoisp.test")
        }
    }
}
