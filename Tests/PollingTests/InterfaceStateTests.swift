import Foundation
import Monitoring
import OctoCore
import OctoJobs
import OctoMetrics
import OctoStore
import OctoTestSupport
import PostgresNIO
import SNMP
import Testing

extension PollingIntegrationTests {
    /// Interface rows are written when they change, not on every poll; the samples are stored either way.
    @Suite struct InterfaceStateTests {
        @Test func unchangedInterfacesAreNotRewrittenButStillSampled() async throws {
            let agent = try PollingPeers.snmpd()
            let start = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 300).rounded(.down) * 300 + 10)
            try await TestDatabase.with(clock: ManualWallClock(start)) { stack in
                let fixture = try await PollingFixture.make(stack)
                let credential = try await fixture.credential("public", community: "public", priority: 1)
                let device = try await fixture.device(agent.host, port: agent.port, credential: credential.id)
                let queue = PostgresJobQueue(database: stack.database, clock: stack.clock, logger: PollingPeers.logger)
                let pipeline = MetricsIngestPipeline(database: stack.database, clock: stack.clock, logger: PollingPeers.logger)
                let job = SNMPPollJob(deviceId: device.deviceId, collectors: [.system, .interfaces], period: 0)
                func interfaces() async throws -> [SNMPInterface] {
                    try await stack.database.withTenant(fixture.provider) { tx in try await tx.snmpDevices.interfaces(device.deviceId) }
                }
                func digest() async throws -> Int64? {
                    try await stack.database.withTenant(fixture.provider) { tx in
                        try await tx.query("SELECT interfaces_digest FROM snmp_devices WHERE device_id = \(device.deviceId)").values(Int64?.self)
                    }.first ?? nil
                }
                func samples() async throws -> [Int64: Int] {
                    try await stack.database.withGlobal { tx in
                        try await tx.query("SELECT series_id, count(*)::int FROM metric_ingest WHERE provider_id = \(fixture.provider) GROUP BY series_id")
                            .decode((Int64, Int).self).reduce(into: [Int64: Int]()) { $0[$1.0] = $1.1 }
                    }
                }
                try await withSNMPClient { client in
                    async let writers: Void = pipeline.writers()
                    let service = try fixture.service(client: client, queue: queue, pipeline: pipeline)
                    try await service.poll(job, provider: fixture.provider)
                    let first = try await interfaces()
                    let loopback = try #require(first.first { $0.name == "lo" })
                    #expect(first.allSatisfy { $0.updatedAt == start })
                    let stored = try #require(try await digest())

                    // A minute later nothing changed: no row is written, both polls' octets are stored on the same series.
                    stack.clock.advance(by: 60)
                    try await service.poll(job, provider: fixture.provider)
                    let second = try await interfaces()
                    #expect(second.map(\.ifIndex) == first.map(\.ifIndex) && second.allSatisfy { $0.updatedAt == start })
                    #expect(try await digest() == stored)
                    let counts = try await samples()
                    let inSeries = try #require(loopback.inSeriesId)
                    let outSeries = try #require(loopback.outSeriesId)
                    #expect(counts[inSeries] == 2 && counts[outSeries] == 2, "\(counts)")
                    // net-snmp reports ifInErrors/ifOutErrors: each interface has their series, sampled on every poll.
                    let inErrors = try #require(loopback.inErrorsSeriesId)
                    let outErrors = try #require(loopback.outErrorsSeriesId)
                    #expect(counts[inErrors] == 2 && counts[outErrors] == 2, "\(counts)")
                    #expect(second.allSatisfy { $0.inErrorsSeriesId != nil && $0.outErrorsSeriesId != nil })
                    let registered = try await stack.database.withTenant(fixture.provider) { tx in
                        try await tx.query("SELECT metric, labels->>'ifIndex', counter_bits::int FROM metric_series WHERE id = ANY(\([inErrors, outErrors]))")
                            .decode((String, String, Int).self).reduce(into: [(String, String, Int)]()) { $0.append($1) }
                    }
                    #expect(Set(registered.map(\.0)) == ["ifInErrors", "ifOutErrors"])
                    #expect(registered.allSatisfy { $0.1 == String(loopback.ifIndex) && $0.2 == 32 })

                    // Another poller process wrote other rows meanwhile (and so another digest): this process's
                    // memory is not trusted, the rows are compared with the device and rewritten.
                    try await stack.database.withTenant(fixture.provider) { tx in
                        try await tx.query("UPDATE snmp_interfaces SET alias = 'written elsewhere' WHERE device_id = \(device.deviceId)")
                        try await tx.query("UPDATE snmp_devices SET interfaces_digest = interfaces_digest + 1 WHERE device_id = \(device.deviceId)")
                    }
                    stack.clock.advance(by: 60)
                    try await service.poll(job, provider: fixture.provider)
                    let third = try await interfaces()
                    #expect(third.allSatisfy { $0.alias != "written elsewhere" && $0.updatedAt == start.addingTimeInterval(120) })
                    #expect(try await digest() == stored)

                    // A new process (empty memory) compares with what is stored: equal rows are left alone.
                    stack.clock.advance(by: 60)
                    try await fixture.service(client: client, queue: queue, pipeline: pipeline).poll(job, provider: fixture.provider)
                    #expect(try await interfaces().allSatisfy { $0.updatedAt == start.addingTimeInterval(120) })
                    #expect(try await samples()[inSeries] == 4)
                    pipeline.close()
                    await writers
                }
            }
        }

        @Test func theDigestCoversWhatIsStoredButNotTheCounters() {
            var reading = InterfaceReading(ifIndex: 1, name: "eth0")
            reading.operStatus = 1
            reading.inOctets = 10
            let digest = InterfaceStateCache.digest([reading])
            var counted = reading
            counted.inOctets = 20_000
            #expect(InterfaceStateCache.digest([counted]) == digest)
            var down = reading
            down.operStatus = 2
            #expect(InterfaceStateCache.digest([down]) != digest)
            var renamed = reading
            renamed.alias = "uplink"
            #expect(InterfaceStateCache.digest([renamed]) != digest)
            // Error counters start (or stop) being reported: their series must be registered, so the rows are rewritten.
            var withErrors = reading
            withErrors.inErrors = 0
            #expect(InterfaceStateCache.digest([withErrors]) != digest)
            var moreErrors = withErrors
            moreErrors.inErrors = 7
            #expect(InterfaceStateCache.digest([moreErrors]) == InterfaceStateCache.digest([withErrors]))
            let other = InterfaceReading(ifIndex: 2, name: "eth1")
            #expect(InterfaceStateCache.digest([reading, other]) == InterfaceStateCache.digest([other, reading]))
            #expect(InterfaceStateCache.digest([reading, other]) != digest)
            // The same in every process: a fixed function of the text, not Swift's seeded Hasher.
            #expect(InterfaceStateCache.digest([]) == Int64(bitPattern: 0xcbf2_9ce4_8422_2325))
        }
    }
}
