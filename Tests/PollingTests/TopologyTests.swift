import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Monitoring
import NIOCore
import OctoAuth
import OctoCore
import OctoJobs
import OctoMetrics
import OctoStore
import OctoTestSupport
import Prometheus
import SNMP
import Testing
@testable import OctoHTTP

extension PollingIntegrationTests {
    /// LLDP neighbours and BGP peers read from the recordings, stored under RLS, matched to known devices
    /// and interfaces, and served by `GET /devices/{id}/neighbors`, `/devices/{id}/bgp-peers` and
    /// `/pops/{id}/topology`.
    @Suite struct TopologyTests {
        /// snmpsimd (scripts/peers/snmp.sh), community = recording name.
        static func snmpsim(_ community: String) throws -> SNMPTarget {
            let spec = try #require(ProcessInfo.processInfo.environment["SNMP_TEST_SNMPSIM"],
                                    "SNMP_TEST_SNMPSIM is not set: run the tests with scripts/test.sh, which starts snmpsimd")
            return SNMPTarget(address: try SNMPTarget.parseAddress(spec), credentials: .v2c(community: community),
                              timeout: .seconds(3), retries: 3)
        }

        static let collectors: Set<CollectorKind> = [.system, .interfaces, .neighbors, .bgp]

        func record(_ fixture: PollingFixture, _ device: UUID, _ identity: DeviceIdentity, _ result: PollResult) async throws -> [MetricSample] {
            try await fixture.stack.database.withTenant(fixture.provider) { tx in
                let plan = try #require(try await tx.snmpDevices.pollPlan(device))
                return try await tx.snmpDevices.recordSuccess(plan, identity: identity, credentialId: nil, result: result,
                                                             collectors: Self.collectors, durationMs: 5)
            }
        }

        @Test func neighboursAreMatchedToKnownDevicesAndServedAsTopology() async throws {
            try await TestDatabase.with { stack in
                let a = try await PollingFixture.make(stack, slug: "alpha")
                let b = try await PollingFixture.make(stack, slug: "beta")
                let (olt, oltResult, vrp, vrpResult) = try await withSNMPClient { client in
                    let poller = SNMPDevicePoller(client: client, catalog: try ProfileCatalog.bundled())
                    let oltIdentity = try await poller.identify(try Self.snmpsim("smartax"))
                    let oltResult = try await poller.poll(try Self.snmpsim("smartax"), identity: oltIdentity, collectors: Self.collectors)
                    let vrpIdentity = try await poller.identify(try Self.snmpsim("vrp_ne8000"))
                    let vrpResult = try await poller.poll(try Self.snmpsim("vrp_ne8000"), identity: vrpIdentity, collectors: Self.collectors)
                    return (oltIdentity, oltResult, vrpIdentity, vrpResult)
                }
                #expect(oltResult.neighbors.count == 1 && vrpResult.bgpPeers.count == 18)
                let oltDevice = try await a.device("127.3.0.1", port: 161, credential: nil).deviceId
                let switchDevice = try await a.device("127.3.0.2", port: 161, credential: nil).deviceId
                let router = try await a.device("127.3.0.3", port: 161, credential: nil).deviceId
                let foreign = try await b.device("127.3.0.2", port: 161, credential: nil).deviceId

                _ = try await record(a, oltDevice, olt, oltResult)
                // The switch the OLT sees (sysName HW01-UZ, port XGigabitEthernet0/0/17), reporting the OLT back by
                // its management address. The other provider has a device with the same name and address.
                let switchIdentity = DeviceIdentity(profile: "huawei-vrp", vendor: "Huawei", os: "VRP", kind: "switch",
                                                    sysObjectID: "1.3.6.1.4.1.2011.2.23.1", sysDescr: "S6720")
                let switchResult = PollResult(
                    system: SystemInfo(name: "HW01-UZ"),
                    interfaces: [InterfaceReading(ifIndex: 16, name: "XGigabitEthernet0/0/16"),
                                 InterfaceReading(ifIndex: 17, name: "XGigabitEthernet0/0/17")],
                    neighbors: [NeighborReading(discovery: .lldp, index: "0.17.1", localIfIndex: 17, localPort: "XGigabitEthernet0/0/17",
                                                remotePortId: "ethernet0/8/0", remoteSysName: "<private>", remoteAddress: "127.3.0.1")])
                _ = try await record(b, foreign, switchIdentity, switchResult)
                let beforeSwitch = try await stack.database.withTenant(a.provider) { tx in
                    try await tx.topology.neighbors(device: oltDevice, page: PageRequest(limit: 10, offset: 0))
                }
                #expect(beforeSwitch.items.first?.remoteDeviceId == nil, "another provider's device is never a neighbour")
                _ = try await record(a, switchDevice, switchIdentity, switchResult)
                let samples = try await record(a, router, vrp, vrpResult)

                let neighbors = try await stack.database.withTenant(a.provider) { tx in
                    try await tx.topology.neighbors(device: oltDevice, page: PageRequest(limit: 10, offset: 0))
                }
                let seen = try #require(neighbors.items.first)
                #expect(neighbors.total == 1)
                #expect(seen.remoteDeviceId == switchDevice && seen.remoteIfIndex == 17 && seen.remotePort == "XGigabitEthernet0/0/17")
                #expect(seen.localIfIndex == 234_946_560 && seen.localPort == "ethernet0/8/0" && seen.remoteSysName == "HW01-UZ")
                let back = try await stack.database.withTenant(a.provider) { tx in
                    try await tx.topology.neighbors(device: switchDevice, page: PageRequest(limit: 10, offset: 0))
                }
                #expect(back.items.first?.remoteDeviceId == oltDevice && back.items.first?.remoteIfIndex == 234_946_560)

                let topology = try await stack.database.withTenant(a.provider) { tx in try await tx.topology.topology(pop: a.pop) }
                #expect(Set(topology.nodes.compactMap(\.deviceId)) == [oltDevice, switchDevice, router])
                #expect(topology.links.count == 1)
                let link = try #require(topology.links.first)
                #expect(Set([link.source, link.target]) == [oltDevice.lowercased, switchDevice.lowercased])
                #expect(link.confirmed && link.protocols == ["lldp"])

                let peers = try await stack.database.withTenant(a.provider) { tx in
                    try await tx.topology.bgpPeers(device: router, page: PageRequest(limit: 100, offset: 0))
                }
                #expect(peers.total == 18)
                let peer = try #require(peers.items.first { $0.peerAddress == "10.45.2.2" })
                #expect(peer.state == "established" && peer.prefixesReceived == 13_970 && peer.source == "bgp4+huawei")
                // Every peer's state, time in state and (when known) prefixes become samples.
                let withPrefixes = vrpResult.bgpPeers.filter { $0.prefixesReceived != nil }.count
                let withTime = vrpResult.bgpPeers.filter { $0.establishedSeconds != nil }.count
                #expect(samples.count >= 18 + withTime + withPrefixes)

                // The same through the API, with tenant isolation and paging checks.
                let jobs = PostgresJobQueue(database: stack.database, clock: stack.clock, logger: PollingPeers.logger)
                let api = API(database: stack.database, auth: stack.auth, hub: RealtimeHub(), configuration: APIConfiguration(),
                              metrics: PrometheusCollectorRegistry(), jobs: jobs, secrets: a.secrets)
                try await stack.makeUser("noc@alpha.test", role: .noc, provider: a.provider)
                try await stack.makeUser("noc@beta.test", role: .noc, provider: b.provider)
                let tokenA = try await stack.auth.login(email: "noc@alpha.test", password: "correct horse battery", totpCode: nil,
                                                        client: ClientInfo(ip: "127.0.0.1")).accessToken
                let tokenB = try await stack.auth.login(email: "noc@beta.test", password: "correct horse battery", totpCode: nil,
                                                        client: ClientInfo(ip: "127.0.0.1")).accessToken
                let app = Application(responder: EdgeResponder(inner: api.buildRouter().0.buildResponder()))
                try await app.test(.router) { client in
                    func get(_ uri: String, _ token: String) async throws -> (HTTPResponse.Status, [String: Any]) {
                        let response = try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(token)"])
                        let json = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
                        return (response.status, json ?? [:])
                    }
                    let (status, page) = try await get("/api/v1/devices/\(oltDevice.lowercased)/neighbors", tokenA)
                    #expect(status == .ok && page["total"] as? Int == 1)
                    let item = try #require((page["items"] as? [[String: Any]])?.first)
                    #expect(item["remote_device_id"] as? String == switchDevice.lowercased && item["remote_port"] as? String == "XGigabitEthernet0/0/17")
                    #expect(item["protocol"] as? String == "lldp" && item["remote_chassis_id"] as? String == "f4:4c:7f:24:1a:f0")
                    #expect(try await get("/api/v1/devices/\(oltDevice.lowercased)/neighbors", tokenB).0 == .notFound)
                    let (topologyStatus, graph) = try await get("/api/v1/pops/\(a.pop.lowercased)/topology", tokenA)
                    #expect(topologyStatus == .ok && (graph["links"] as? [Any])?.count == 1 && (graph["nodes"] as? [Any])?.count == 3)
                    #expect(try await get("/api/v1/pops/\(a.pop.lowercased)/topology", tokenB).0 == .notFound)
                    let (peersStatus, peersPage) = try await get("/api/v1/devices/\(router.lowercased)/bgp-peers?limit=5", tokenA)
                    #expect(peersStatus == .ok && peersPage["total"] as? Int == 18 && (peersPage["items"] as? [Any])?.count == 5)
                    let (badStatus, bad) = try await get("/api/v1/devices/\(router.lowercased)/bgp-peers?limit=0", tokenA)
                    #expect(badStatus == .badRequest && (bad["error"] as? [String: Any])?["field"] as? String == "limit")
                    #expect(try await get("/api/v1/pops/\(a.pop.lowercased)/topology?bogus=1", tokenA).0 == .badRequest)
                }

                // A poll that no longer sees the neighbour removes it (and the link).
                var gone = oltResult
                gone.neighbors = []
                _ = try await record(a, oltDevice, olt, gone)
                let after = try await stack.database.withTenant(a.provider) { tx in try await tx.topology.topology(pop: a.pop) }
                #expect(after.links.count == 1 && after.links.first?.source == switchDevice.lowercased && after.links.first?.confirmed == false)
            }
        }
    }
}
