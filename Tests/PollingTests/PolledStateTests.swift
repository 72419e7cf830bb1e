import Foundation
@testable import Monitoring
import OctoCore
import OctoJobs
import OctoMetrics
import OctoStore
import OctoTestSupport
import PostgresNIO
import SNMP
import Testing

extension PollingIntegrationTests {
    /// Polls that change nothing but their readings write their device rows many to a statement, and
    /// read their plans many to a transaction; what they write is what a poll's own transaction writes.
    @Suite struct PolledStateTests {
        static let identity = DeviceIdentity(profile: "net-snmp", vendor: "net-snmp", os: "Linux", kind: "server", model: "x86_64",
                                             version: nil, serial: nil, sysObjectID: "1.3.6.1.4.1.8072.3.2.10", sysDescr: "Linux edge 6.1")
        static let health = [HealthReading(kind: .cpu, label: "", value: 12), HealthReading(kind: .temperature, label: "board", value: 41)]
        static let collectors: Set<CollectorKind> = [.system, .health]
        static let start = Date(timeIntervalSince1970: 1_800_000_000)

        /// `snmp_devices` without what differs by device by construction, and the keys of its series.
        static func row(_ stack: TestStack, _ provider: UUID, _ device: UUID) async throws -> (state: String, seriesKeys: [String], device: String) {
            try await stack.database.withTenant(provider) { tx in
                let state = try await tx.query("""
                    SELECT (to_jsonb(s) - ARRAY['device_id', 'address', 'created_at', 'series'])::text,
                           ARRAY(SELECT jsonb_object_keys(s.series) ORDER BY 1)
                    FROM snmp_devices s WHERE device_id = \(device)
                    """).decode((String, [String]).self).reduce(into: [(String, [String])]()) { $0.append($1) }
                let row = try await tx.query("""
                    SELECT jsonb_build_object('status', status, 'last_seen_at', last_seen_at, 'vendor', vendor, 'model', model,
                                              'kind', kind)::text FROM devices WHERE id = \(device)
                    """).values(String.self)
                let (text, keys) = try #require(state.first)
                return (text, keys, try #require(row.first))
            }
        }

        @Test func aBatchWritesTheRowsAPollsOwnTransactionWrites() async throws {
            let start = Self.start
            try await TestDatabase.with(clock: ManualWallClock(start)) { stack in
                let fixture = try await PollingFixture.make(stack)
                let credential = try await fixture.credential("public", community: "public", priority: 1)
                let alone = try await fixture.device("127.0.0.21", port: 161, credential: credential.id).deviceId
                let batched = try await fixture.device("127.0.0.22", port: 161, credential: credential.id).deviceId
                let first = PollResult(system: SystemInfo(name: "edge", location: "rack 1", contact: "noc", uptimeTicks: 1_000),
                                       health: Self.health, varbinds: 30)
                // The first poll of each registers its series and brings it up, in its own transaction.
                for device in [alone, batched] {
                    try await stack.database.withTenant(fixture.provider) { tx in
                        let plan = try #require(try await tx.snmpDevices.pollPlan(device))
                        #expect(try SNMPDeviceRepository.polledWithoutChanges(plan, provider: fixture.provider, identity: Self.identity,
                                                                           credentialId: credential.id, result: first, collectors: Self.collectors,
                                                                           durationMs: 40, latency: nil, interfaces: nil, at: start) == nil)
                        _ = try await tx.snmpDevices.recordSuccess(plan, identity: Self.identity, credentialId: credential.id, result: first,
                                                                   collectors: Self.collectors, durationMs: 40,
                                                                   latency: LatencyMeasurement(method: .icmp, rttMs: 1.5, lossPercent: 0))
                    }
                }
                stack.clock.advance(by: 60)
                // The next poll: sysName and sysContact no longer answered (kept), the uptime moved, a collector
                // failed, the echo got no answer.
                let second = PollResult(system: SystemInfo(name: nil, location: "rack 2", contact: nil, uptimeTicks: 7_000),
                                        health: Self.health, errors: [.health: "timeout"], varbinds: 25)
                let lost = LatencyMeasurement(method: .icmp, rttMs: nil, lossPercent: 100)
                let plans = try await stack.database.withTenant(fixture.provider) { tx in
                    let plans = try await tx.snmpDevices.pollPlans([alone, batched, UUID()])
                    for device in [alone, batched] { #expect(plans[device] == (try await tx.snmpDevices.pollPlan(device))) }
                    return plans
                }
                #expect(plans.count == 2)
                let aloneSamples = try await stack.database.withTenant(fixture.provider) { tx in
                    try await tx.snmpDevices.recordSuccess(try #require(plans[alone]), identity: Self.identity, credentialId: credential.id,
                                                           result: second, collectors: Self.collectors, durationMs: 55, latency: lost)
                }
                let batchedPlan = try #require(plans[batched])
                let polled = try #require(try SNMPDeviceRepository.polledWithoutChanges(
                    batchedPlan, provider: fixture.provider, identity: Self.identity, credentialId: credential.id,
                    result: second, collectors: Self.collectors, durationMs: 55, latency: lost, interfaces: nil, at: stack.clock.now))
                try await stack.database.withTenant(fixture.provider) { tx in try await tx.snmpDevices.recordPolled([polled.state]) }

                let (aloneRow, batchedRow) = (try await Self.row(stack, fixture.provider, alone), try await Self.row(stack, fixture.provider, batched))
                #expect(aloneRow.state == batchedRow.state)
                #expect(aloneRow.seriesKeys == batchedRow.seriesKeys && aloneRow.seriesKeys.count == 5, "\(aloneRow.seriesKeys)")
                #expect(aloneRow.device == batchedRow.device)
                #expect(aloneSamples.map(\.value).sorted() == polled.samples.map(\.value).sorted())
                #expect(Set(aloneSamples.map(\.at)) == [stack.clock.now] && Set(polled.samples.map(\.at)) == [stack.clock.now])
                // And what both wrote is the poll: kept names, counters, the lost echo, the failed collector.
                let state = try await fixture.state(batched)
                #expect(state.sysName == "edge" && state.sysLocation == "rack 2" && state.sysContact == "noc")
                #expect(state.uptimeTicks == 7_000 && state.polls == 2 && state.consecutiveFailures == 0)
                #expect(state.lastError == "health: timeout" && state.lastPollAt == stack.clock.now && state.reachabilitySince == start)
                #expect(state.icmpRttMs == nil && state.icmpLossPercent == 100 && state.icmpCheckedAt == stack.clock.now)
            }
        }

        @Test func aDevicePolledTwiceInOneRoundCountsBothPollsInOrder() async throws {
            let start = Self.start
            try await TestDatabase.with(clock: ManualWallClock(start)) { stack in
                let fixture = try await PollingFixture.make(stack)
                let credential = try await fixture.credential("public", community: "public", priority: 1)
                let device = try await fixture.device("127.0.0.23", port: 161, credential: credential.id).deviceId
                let plan = try #require(try await stack.database.withTenant(fixture.provider) { tx in try await tx.snmpDevices.pollPlan(device) })
                func state(uptime: UInt32, at: Date) throws -> PolledState {
                    try SNMPDeviceRepository.polledState(plan, identity: Self.identity, credentialId: credential.id,
                                                         result: PollResult(system: SystemInfo(uptimeTicks: uptime), varbinds: 3),
                                                         collectors: [.system], durationMs: 9, latency: nil, series: [:],
                                                         interfacesDigest: nil, at: at)
                }
                let later = start.addingTimeInterval(60)
                try await stack.database.withTenant(fixture.provider) { tx in
                    try await tx.snmpDevices.recordPolled([try state(uptime: 100, at: start), try state(uptime: 6_100, at: later)])
                }
                let stored = try await fixture.state(device)
                #expect(stored.polls == 2 && stored.uptimeTicks == 6_100 && stored.lastPollAt == later)
                #expect(stored.reachability == "up" && stored.reachabilitySince == start)
            }
        }

        /// Only a poll that needs nothing but its device rows is written in a batch.
        @Test func aPollThatRegistersOrPublishesKeepsItsOwnTransaction() throws {
            let device = UUID()
            let series = ["sysUpTime": Int64(1), "cpu/": 2, "temperature/board": 3]
            let plan = SNMPPollPlan(deviceId: device, popId: nil, address: "127.0.0.24", port: 161, credentialId: nil, enabled: true,
                                    identity: Self.identity, reachability: "up", series: series, interfacesDigest: nil)
            let result = PollResult(system: SystemInfo(uptimeTicks: 500), health: Self.health, varbinds: 10)
            func fast(_ plan: SNMPPollPlan, result: PollResult = result, collectors: Set<CollectorKind> = Self.collectors,
                      latency: LatencyMeasurement? = nil, cache: InterfaceStateCache? = nil) throws -> Bool {
                try SNMPDeviceRepository.polledWithoutChanges(plan, provider: UUID(), identity: Self.identity, credentialId: nil, result: result,
                                                              collectors: collectors, durationMs: 5, latency: latency, interfaces: cache,
                                                              at: Date()) != nil
            }
            #expect(try fast(plan))
            var down = plan
            down.reachability = "down"
            #expect(try !fast(down), "coming back up publishes an event")
            var unregistered = plan
            unregistered.series["temperature/board"] = nil
            #expect(try !fast(unregistered), "a new series is registered first")
            #expect(try !fast(plan, latency: LatencyMeasurement(method: .icmp, rttMs: 2, lossPercent: 0)), "the echo's series are new")
            #expect(try !fast(plan, collectors: Self.collectors.union([.optics])), "optics rows are upserted")
            #expect(try fast(plan, result: PollResult(system: SystemInfo(uptimeTicks: 500), health: Self.health, errors: [.optics: "timeout"]),
                             collectors: Self.collectors.union([.optics])), "a failed optics collector writes no rows")
            let interfaces = [InterfaceReading(ifIndex: 1, name: "lo", inOctets: 10, outOctets: 20)]
            let withInterfaces = PollResult(system: SystemInfo(uptimeTicks: 500), health: Self.health, interfaces: interfaces)
            var known = plan
            known.interfacesDigest = InterfaceStateCache.digest(interfaces)
            #expect(try !fast(known, result: withInterfaces, collectors: Self.collectors.union([.interfaces])),
                    "interface rows this process did not store are compared first")
        }

        /// Eight devices polled together twice through the service: the second time every poll's plan,
        /// credential and device rows travel with the others'.
        @Test func pollsThatRunTogetherShareTheirRounds() async throws {
            let agents = try await LoopbackAgents.start(count: 8)
            defer { agents.stop() }
            try await TestDatabase.with(clock: ManualWallClock(Self.start)) { stack in
                let fixture = try await PollingFixture.make(stack)
                let credential = try await fixture.credential("public", community: "public", priority: 1)
                var devices: [UUID] = []
                for address in agents.addresses {
                    devices.append(try await fixture.device(address, port: agents.port, credential: credential.id).deviceId)
                }
                let queue = PostgresJobQueue(database: stack.database, clock: stack.clock, logger: PollingPeers.logger)
                try await withSNMPClient { client in
                    let service = try fixture.service(client: client, queue: queue)
                    for round in 1...2 {
                        stack.clock.advance(by: 60)
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            for device in devices {
                                group.addTask {
                                    try await service.poll(SNMPPollJob(deviceId: device, collectors: [.system, .interfaces], period: Int64(round)),
                                                           provider: fixture.provider)
                                }
                            }
                            try await group.waitForAll()
                        }
                    }
                    #expect(service.plans.statistics.requests == 16)
                    #expect(service.polledStates.statistics.requests == 8, "the second round's writes are batched")
                    #expect(service.polledStates.statistics.rounds <= 8)
                }
                for device in devices {
                    let state = try await fixture.state(device)
                    #expect(state.polls == 2 && state.reachability == "up" && state.lastPollAt == stack.clock.now, "\(state)")
                    #expect(state.sysName == "loopback-fleet" && state.lastError == nil)
                }
            }
        }
    }
}
