import Foundation
import Monitoring
import OctoCore
import OctoJobs
import OctoMetrics
import OctoStore
import OctoTestSupport
import PostgresNIO
import SNMP
import Synchronization
import Testing

extension PollingIntegrationTests {
    @Suite struct PollTests {
        @Test func pollOfTheTestAgentWritesIdentityInterfacesAndSamples() async throws {
            let agent = try PollingPeers.snmpd()
            // 10 s into a five-minute bucket, so one minute later only the one-minute collector is due again.
            let start = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 300).rounded(.down) * 300 + 10)
            try await TestDatabase.with(clock: ManualWallClock(start)) { stack in
                let fixture = try await PollingFixture.make(stack)
                let credential = try await fixture.credential("public", community: "public", priority: 1)
                let device = try await fixture.device(agent.host, port: agent.port, credential: credential.id)
                let queue = PostgresJobQueue(database: stack.database, clock: stack.clock, logger: PollingPeers.logger)
                let pipeline = MetricsIngestPipeline(database: stack.database, clock: stack.clock, logger: PollingPeers.logger)
                try await withSNMPClient { client in
                    let service = try fixture.service(client: client, queue: queue, pipeline: pipeline)
                    async let writers: Void = pipeline.writers()
                    let planned = try await service.plan(provider: fixture.provider, period: 1_000)
                    #expect(planned.count == 1)
                    let request = try #require(planned.first)
                    #expect(request.queue == "snmp" && request.orderingKey == device.deviceId.lowercased)
                    #expect(request.dedupKey == "snmp.poll:\(device.deviceId.lowercased):1000")
                    let job = try JSONDecoder().decode(SNMPPollJob.self, from: request.payload)
                    #expect(Set(job.collectors) == Set(CollectorKind.allCases))
                    try await service.poll(job, provider: fixture.provider)
                    pipeline.close()
                    await writers
                }
                let state = try await fixture.state(device.deviceId)
                #expect(state.reachability == "up" && state.consecutiveFailures == 0 && state.polls == 1)
                #expect(state.sysName == "octo-test" && state.sysDescr == "OctoISP test agent")
                #expect(state.vendor == "net-snmp" && state.sysObjectId?.hasPrefix("1.3.6.1.4.1.8072") == true)
                #expect((state.uptimeTicks ?? 0) > 0 && (state.lastPollVarbinds ?? 0) > 4)
                #expect(state.collectedAt.keys.contains("interfaces") && state.series["sysUpTime"] != nil)
                let interfaces = try await stack.database.withTenant(fixture.provider) { tx in try await tx.snmpDevices.interfaces(device.deviceId) }
                let loopback = try #require(interfaces.first { $0.name == "lo" })
                #expect(loopback.status == "up" && loopback.inSeriesId != nil && loopback.outSeriesId != nil)
                let stored = try await stack.database.withGlobal { tx in
                    try await tx.query("SELECT count(*)::int FROM metric_ingest WHERE provider_id = \(fixture.provider)").values(Int.self)
                }
                // Octets in and out per interface, and errors in and out where the agent reports them (net-snmp does).
                #expect(interfaces.allSatisfy { $0.inErrorsSeriesId != nil && $0.outErrorsSeriesId != nil })
                #expect(stored.first ?? 0 == state.series.count + 4 * interfaces.count)
                let online = try await stack.database.withTenant(fixture.provider) { tx in try await tx.devices.get(device.deviceId) }
                #expect(online.status == .online && online.vendor == "net-snmp")

                // The next cycle in the same minute plans nothing: every collector ran in its bucket.
                try await withSNMPClient { client in
                    let service = try fixture.service(client: client, queue: queue)
                    #expect(try await service.plan(provider: fixture.provider, period: 1_000).isEmpty)
                    stack.clock.advance(by: 60)
                    let next = try await service.plan(provider: fixture.provider, period: 1_060)
                    let job = try JSONDecoder().decode(SNMPPollJob.self, from: try #require(next.first).payload)
                    #expect(job.collectors == [.interfaces])
                }
            }
        }

        @Test(arguments: [("SHA-256", "AES"), ("SHA", "DES"), ("MD5", nil)] as [(String, String?)])
        func aV3CredentialIsSealedOpenedAndPolls(auth: String, priv: String?) async throws {
            let agent = try PollingPeers.snmpd()
            let environment = ProcessInfo.processInfo.environment
            let authKey = environment["SNMP_TEST_AUTH_PASS"] ?? "authpass-octo1"
            let privKey = environment["SNMP_TEST_PRIV_PASS"] ?? "privpass-octo1"
            let user = "u_\(auth.replacingOccurrences(of: "-", with: "").lowercased())_\((priv ?? "none").lowercased())"
            try await TestDatabase.with { stack in
                let fixture = try await PollingFixture.make(stack)
                let credential = try await stack.database.withTenant(fixture.provider) { tx in
                    try await tx.snmpCredentials.create(SNMPCredentialInput(name: user, version: "v3", v3User: user, authProtocol: auth,
                                                                            authKey: authKey, privProtocol: priv, privKey: priv == nil ? nil : privKey),
                                                        secrets: fixture.secrets, by: .system)
                }
                #expect(credential.v3User == user && credential.authProtocol != nil && (credential.privProtocol != nil) == (priv != nil))
                let device = try await fixture.device(agent.host, port: agent.port, credential: credential.id)
                let queue = PostgresJobQueue(database: stack.database, clock: stack.clock, logger: PollingPeers.logger)
                try await withSNMPClient { client in
                    try await fixture.service(client: client, queue: queue)
                        .poll(SNMPPollJob(deviceId: device.deviceId, collectors: [.system], period: 0), provider: fixture.provider)
                }
                let state = try await fixture.state(device.deviceId)
                #expect(state.reachability == "up" && state.sysName == "octo-test", "\(state.lastError ?? "")")
                let stored = try await stack.database.withTenant(fixture.provider) { tx in
                    try await tx.query("SELECT coalesce(auth_key_sealed, '') || coalesce(priv_key_sealed, '') FROM snmp_credentials").values(String.self)
                }
                #expect(stored.count == 1 && !stored[0].contains(authKey) && !stored[0].contains(privKey))
            }
        }

        /// A device row in a range `OCTOISP_OUTBOUND_DENY` denies (written straight to the database, as
        /// before the API refused such addresses) is not polled: no packet reaches its address, and its
        /// state says why. The same device outside the list is sent packets (the check is what stops them).
        @Test func aDeviceInADeniedRangeIsNotPolledAndSaysWhy() async throws {
            let deny = DenyListPolicy(environment: ["OCTOISP_OUTBOUND_DENY": "127.1.5.0/24"])
            let listener = try UDPListener(host: "127.1.5.9")
            defer { listener.close() }
            try await TestDatabase.with { stack in
                let fixture = try await PollingFixture.make(stack)
                let credential = try await fixture.credential("public", community: "public", priority: 1)
                let device = try await fixture.device("127.1.5.9", port: listener.port, credential: credential.id)
                let queue = PostgresJobQueue(database: stack.database, clock: stack.clock, logger: PollingPeers.logger)
                let job = SNMPPollJob(deviceId: device.deviceId, collectors: [.system], period: 0)
                try await withSNMPClient { client in
                    try await fixture.service(client: client, queue: queue, deny: deny).poll(job, provider: fixture.provider)
                }
                #expect(listener.datagrams(within: 1.5) == 0, "a packet was sent to a denied address")
                let state = try await fixture.state(device.deviceId)
                #expect(state.reachability == "unknown")
                #expect(state.lastError?.contains("address denied by OCTOISP_OUTBOUND_DENY") == true, "\(state.lastError ?? "")")
                #expect(state.lastPollAt != nil)

                // Without the address in the list the same row is polled: the listener hears it.
                try await withSNMPClient { client in
                    try await fixture.service(client: client, queue: queue, deny: DenyListPolicy(deny: [])).poll(job, provider: fixture.provider)
                }
                #expect(listener.datagrams(within: 1.5) > 0)
            }
        }

        @Test func aDeadDeviceIsMarkedDownAfterItsTimeoutWithoutDelayingAnother() async throws {
            let agent = try PollingPeers.snmpd()
            try await TestDatabase.with { stack in
                let fixture = try await PollingFixture.make(stack)
                let credential = try await fixture.credential("public", community: "public", priority: 1)
                let dead = try await fixture.device("127.0.0.1", port: TestEnvironment.freeTCPPort(), credential: credential.id)
                let live = try await fixture.device(agent.host, port: agent.port, credential: credential.id)
                let queue = PostgresJobQueue(database: stack.database, clock: stack.clock, logger: PollingPeers.logger)
                try await withSNMPClient { client in
                    // The dead device takes two 1-s timeouts; the live one is answered well within the first.
                    let service = try fixture.service(client: client, queue: queue,
                                                      settings: PollSettings(requestTimeout: .seconds(1), retries: 1, pollTimeout: .seconds(4),
                                                                             discoveryConcurrency: 32, discoveryTimeout: .milliseconds(500)))
                    var handlers = JobHandlers()
                    service.register(in: &handlers)
                    let worker = JobWorker(queue: queue, handlers: handlers,
                                           configuration: .init(queues: ["snmp"], concurrency: 4, pollInterval: .milliseconds(20)),
                                           clock: stack.clock, logger: PollingPeers.logger)
                    // The dead device's poll is enqueued first.
                    for device in [dead, live] {
                        _ = try await queue.enqueue(SNMPPollJob(deviceId: device.deviceId, collectors: [.system, .interfaces], period: 0),
                                                    provider: fixture.provider, queue: "snmp", orderingKey: device.deviceId.lowercased)
                    }
                    let events = Mutex<[RealtimeEvent]>([])
                    let listener = EventListener(url: stack.appURL, logger: PollingPeers.logger) { event in events.withLock { $0.append(event) } }
                    var liveUpAfter: Duration?
                    var deadDownAfter: Duration?
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { try await listener.run() }
                        // Publish until the listener hears it, so no reachability event is missed.
                        for _ in 0..<100 where !events.withLock({ $0.contains { $0.topic == "probe" } }) {
                            try await stack.database.withTenant(fixture.provider) { tx in try await tx.publish(topic: "probe", data: .null) }
                            try await Task.sleep(for: .milliseconds(50))
                        }
                        let started = ContinuousClock.now
                        group.addTask { try await worker.run() }
                        while deadDownAfter == nil && ContinuousClock.now - started < .seconds(30) {
                            if liveUpAfter == nil, try await fixture.state(live.deviceId).reachability == "up" { liveUpAfter = ContinuousClock.now - started }
                            if try await fixture.state(dead.deviceId).reachability == "down" { deadDownAfter = ContinuousClock.now - started }
                            try await Task.sleep(for: .milliseconds(25))
                        }
                        for _ in 0..<40 where events.withLock({ $0.filter { $0.topic == "devices" }.count }) < 2 {
                            try await Task.sleep(for: .milliseconds(50))
                        }
                        group.cancelAll()
                    }
                    let liveUp = try #require(liveUpAfter)
                    let deadDown = try #require(deadDownAfter)
                    #expect(liveUp < .milliseconds(1500), "the live device waited for the dead one")
                    #expect(deadDown >= .seconds(2) && liveUp < deadDown)
                    let reachability = events.withLock { $0 }.filter { $0.topic == "devices" && $0.providerId == fixture.provider }
                        .compactMap { event -> String? in
                            guard case .object(let data) = event.data, data["event"] == .string("reachability"),
                                  case .string(let id)? = data["id"], case .string(let state)? = data["reachability"] else { return nil }
                            return "\(id)=\(state)"
                        }
                    #expect(Set(reachability) == ["\(live.deviceId.lowercased)=up", "\(dead.deviceId.lowercased)=down"])
                }
                let state = try await fixture.state(dead.deviceId)
                #expect(state.consecutiveFailures == 1 && state.failures == 1 && state.timeouts == 1)
                #expect((state.lastPollMs ?? 0) >= 900 && state.lastError?.isEmpty == false)
                let offline = try await stack.database.withTenant(fixture.provider) { tx in try await tx.devices.get(dead.deviceId) }
                #expect(offline.status == .offline)
            }
        }

        @Test func aDeviceWithoutACredentialTriesItsOwnThenThePopsThenTheProviders() async throws {
            let agent = try PollingPeers.snmpd()
            try await TestDatabase.with { stack in
                let fixture = try await PollingFixture.make(stack)
                try await fixture.credential("provider-wide", community: "wrong-provider", priority: 1)
                let device = try await fixture.device(agent.host, port: agent.port, credential: nil)
                let own = try await stack.database.withTenant(fixture.provider) { tx in
                    try await tx.snmpCredentials.create(SNMPCredentialInput(name: "own", priority: 500, deviceId: device.deviceId,
                                                                            community: "public"), secrets: fixture.secrets, by: .system)
                }
                let order = try await stack.database.withTenant(fixture.provider) { tx in
                    try await tx.snmpCredentials.candidates(pop: fixture.pop, device: device.deviceId, secrets: fixture.secrets).map(\.id)
                }
                #expect(order.first == own.id && order.count == 2)
                let queue = PostgresJobQueue(database: stack.database, clock: stack.clock, logger: PollingPeers.logger)
                try await withSNMPClient { client in
                    try await fixture.service(client: client, queue: queue)
                        .poll(SNMPPollJob(deviceId: device.deviceId, collectors: [.system], period: 0), provider: fixture.provider)
                }
                let state = try await fixture.state(device.deviceId)
                #expect(state.reachability == "up" && state.credentialId == own.id)
            }
        }

        @Test func devicesOfAPopWithALiveAgentGoToItsQueue() async throws {
            try await TestDatabase.with { stack in
                let fixture = try await PollingFixture.make(stack)
                let device = try await fixture.device("127.1.0.9", port: 161, credential: nil)
                let queue = PostgresJobQueue(database: stack.database, clock: stack.clock, logger: PollingPeers.logger)
                let heartbeat = PopAgentHeartbeat(database: stack.database, provider: fixture.provider, pop: fixture.pop, agent: "edge-1",
                                                  logger: PollingPeers.logger)
                try await heartbeat.beat()
                let range = try await stack.database.withTenant(fixture.provider) { tx in
                    try await tx.snmpDiscoveryRanges.create(DiscoveryRangeInput(popId: fixture.pop, cidr: "127.1.2.0/30", port: 1,
                                                                                everySeconds: 300), by: .system)
                }
                try await withSNMPClient { client in
                    let service = try fixture.service(client: client, queue: queue)
                    let planned = try await service.plan(provider: fixture.provider, period: 0)
                    #expect(planned.map(\.queue) == [SNMPQueues.pop(fixture.pop), SNMPQueues.pop(fixture.pop)])
                    #expect(planned.map(\.type) == ["snmp.poll", "snmp.discover"])
                    // The sweep runs (nothing answers on port 1) and is not due again before its interval.
                    let outcome = try await service.discover(range: range.id, provider: fixture.provider)
                    #expect(outcome.probed == 2 && outcome.found == 0)
                    stack.clock.advance(by: SNMPQueues.agentFreshness + 1)
                    // The agent went quiet: the POP's devices fall back to the shared pollers.
                    let later = try await service.plan(provider: fixture.provider, period: 120)
                    #expect(later.map(\.queue) == ["snmp"] && later.map(\.type) == ["snmp.poll"])
                    stack.clock.advance(by: 300)
                    #expect(try await service.plan(provider: fixture.provider, period: 480).map(\.type) == ["snmp.poll", "snmp.discover"])
                }
                _ = device
            }
        }
    }
}

/// A UDP socket that counts what reaches it.
final class UDPListener: Sendable {
    let fd: Int32
    let port: Int

    init(host: String) throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw TestSetupError("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr(host)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0 else { _ = Glibc.close(fd); throw TestSetupError("bind to \(host) failed") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Datagrams that arrived (or arrive within `seconds`), read and dropped.
    func datagrams(within seconds: Double) -> Int {
        var count = 0
        let until = Date().addingTimeInterval(seconds)
        while Date() < until {
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 50) == 1 else { continue }
            var buffer = [UInt8](repeating: 0, count: 2048)
            if recv(fd, &buffer, buffer.count, 0) > 0 { count += 1 }
        }
        return count
    }

    func close() { _ = Glibc.close(fd) }
}
