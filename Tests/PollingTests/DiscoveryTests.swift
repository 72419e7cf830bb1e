import Foundation
import Monitoring
import OctoCore
import OctoJobs
import OctoStore
import OctoTestSupport
import PostgresNIO
import SNMP
import Testing

extension PollingIntegrationTests {
    @Suite struct DiscoveryTests {
        @Test func sweepFindsTheAgentsOfALoopbackRangeWithTheSecondCredential() async throws {
            let agents = try await LoopbackAgents.start(count: 4)
            defer { agents.stop() }
            try await TestDatabase.with { stack in
                let fixture = try await PollingFixture.make(stack)
                try await fixture.credential("wrong", community: "not-this-one", priority: 1)
                let right = try await fixture.credential("public", community: "public", priority: 2)
                let range = try await stack.database.withTenant(fixture.provider) { tx in
                    try await tx.snmpDiscoveryRanges.create(DiscoveryRangeInput(popId: fixture.pop, cidr: "127.1.0.0/29", port: agents.port),
                                                            by: .system)
                }
                try await withSNMPClient { client in
                    let service = try fixture.service(client: client, queue: PostgresJobQueue(database: stack.database, clock: stack.clock,
                                                                                          logger: PollingPeers.logger))
                    let first = try await service.discover(range: range.id, provider: fixture.provider)
                    #expect(first.probed == 6)
                    #expect(first.found == 4 && first.created == 4 && first.updated == 0)
                    let again = try await service.discover(range: range.id, provider: fixture.provider)
                    #expect(again.found == 4 && again.created == 0 && again.updated == 4)
                }
                let (devices, inventory, ranges) = try await stack.database.withTenant(fixture.provider) { tx in
                    (try await tx.devices.list(DeviceFilter(popId: fixture.pop), page: PageRequest(limit: 50, offset: 0)).items,
                     try await tx.snmpDevices.list(pop: fixture.pop), try await tx.snmpDiscoveryRanges.list())
                }
                #expect(devices.compactMap(\.managementIp).sorted() == agents.addresses)
                #expect(devices.allSatisfy { $0.popId == fixture.pop && $0.vendor == "net-snmp" && $0.kind == .server })
                #expect(inventory.count == 4)
                #expect(inventory.allSatisfy { $0.credentialId == right.id && $0.port == agents.port && $0.sysObjectId?.hasPrefix("1.3.6.1.4.1.8072") == true })
                #expect(ranges.first?.lastFound == 4 && ranges.first?.lastRunAt != nil)
                let audited = try await stack.database.withTenant(fixture.provider) { tx in
                    try await tx.query("SELECT count(*)::int FROM audit_log WHERE action = 'snmp_device.discover'").values(Int.self)
                }
                #expect(audited == [4])
            }
        }

        @Test func addressesInADeniedRangeAreNotProbedAndTheRangeSaysSo() async throws {
            let agents = try await LoopbackAgents.start(count: 4)
            defer { agents.stop() }
            try await TestDatabase.with { stack in
                let fixture = try await PollingFixture.make(stack)
                try await fixture.credential("public", community: "public", priority: 1)
                // Created while allowed; the deny list that now covers half of it is checked when the sweep runs.
                let (half, whole) = try await stack.database.withTenant(fixture.provider) { tx in
                    (try await tx.snmpDiscoveryRanges.create(DiscoveryRangeInput(popId: fixture.pop, cidr: "127.1.0.0/29", port: agents.port), by: .system),
                     try await tx.snmpDiscoveryRanges.create(DiscoveryRangeInput(popId: fixture.pop, cidr: "127.1.0.0/30", port: agents.port), by: .system))
                }
                let deny = DenyListPolicy(environment: ["OCTOISP_OUTBOUND_DENY": "127.1.0.0/30"])
                try await withSNMPClient { client in
                    let queue = PostgresJobQueue(database: stack.database, clock: stack.clock, logger: PollingPeers.logger)
                    let service = try fixture.service(client: client, queue: queue, deny: deny)
                    let swept = try await service.discover(range: half.id, provider: fixture.provider)
                    #expect(swept.probed == 3, "127.1.0.4–6 only")
                    #expect(swept.found == 1)
                    let refused = try await service.discover(range: whole.id, provider: fixture.provider)
                    #expect(refused.probed == 0 && refused.found == 0)
                }
                let (devices, ranges) = try await stack.database.withTenant(fixture.provider) { tx in
                    (try await tx.devices.list(DeviceFilter(popId: fixture.pop), page: PageRequest(limit: 50, offset: 0)).items,
                     try await tx.snmpDiscoveryRanges.list())
                }
                #expect(devices.compactMap(\.managementIp) == ["127.1.0.4"])
                for range in ranges {
                    #expect(range.lastError?.contains("denied by OCTOISP_OUTBOUND_DENY (127.1.0.0/30)") == true, "\(range.cidr): \(range.lastError ?? "")")
                }
                #expect(ranges.first { $0.id == half.id }?.lastError?.hasPrefix("3 addresses") == true)
            }
        }

        @Test func rangesWiderThanASlash20AreRefused() async throws {
            #expect(IPv4Range("10.0.0.0/19") == nil)
            #expect(IPv4Range("10.0.0.7/30")?.hosts.map(\.description) == ["10.0.0.5", "10.0.0.6"])
            #expect(IPv4Range("10.0.16.0/20")?.hosts.count == 4094)
            #expect(IPv4Range("10.0.0.300/24") == nil)
        }
    }
}
