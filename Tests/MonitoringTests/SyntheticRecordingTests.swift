import Foundation
import Monitoring
import SNMP
import Testing

/// Collectors against the synthetic recordings in Tests/MonitoringTests/Recordings (served by the same
/// snmpsimd): ONU optics the real OLT recordings do not carry, ENTITY-SENSOR temperatures, and counters
/// that move and wrap at 32 bits.
@Suite struct SyntheticRecordingTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Recordings").path

    private func poll(_ community: String, _ collectors: Set<CollectorKind>) async throws -> (DeviceIdentity, PollResult) {
        let target = try Agents.snmpsim(community: community)
        return try await Agents.withPoller { poller in
            let identity = try await poller.identify(target)
            return (identity, try await poller.poll(target, identity: identity, collectors: collectors))
        }
    }

    struct OpticsCase: Sendable, CustomTestStringConvertible {
        var recording: String
        var profile: String
        var rx: String
        var tx: String
        var scale: Double
        var offset: Double
        var invalid: Set<Double>
        var labelled: Bool
        var testDescription: String { recording }
    }

    static let opticsCases = [
        OpticsCase(recording: "optics-huawei", profile: "huawei-smartax", rx: "1.3.6.1.4.1.2011.6.128.1.1.2.51.1.4",
                   tx: "1.3.6.1.4.1.2011.6.128.1.1.2.51.1.3", scale: 0.01, offset: 0, invalid: [2_147_483_647], labelled: true),
        OpticsCase(recording: "optics-zte", profile: "zte-zxa10", rx: "1.3.6.1.4.1.3902.1012.3.50.12.1.1.10",
                   tx: "1.3.6.1.4.1.3902.1012.3.50.12.1.1.14", scale: 0.002, offset: -30, invalid: [65_535], labelled: true),
        OpticsCase(recording: "optics-fiberhome", profile: "fiberhome-an5516", rx: "1.3.6.1.4.1.5875.800.3.9.3.3.1.6",
                   tx: "1.3.6.1.4.1.5875.800.3.9.3.3.1.7", scale: 0.01, offset: 0,
                   invalid: [-2_147_483_648, 2_147_483_647], labelled: false),
    ]

    @Test(arguments: opticsCases)
    func onuOpticsAreTheRecordedValuesScaled(_ c: OpticsCase) async throws {
        let rec = try Snmprec(path: "\(Self.directory)/\(c.recording).snmprec")
        let (identity, result) = try await poll(c.recording, [.optics])
        #expect(identity.profile == c.profile)
        #expect(result.errors.isEmpty, "\(result.errors)")
        let rx = rec.numbers(OID(c.rx)!), tx = rec.numbers(OID(c.tx)!)
        let onus = result.optics.filter { $0.scope == .onu }
        #expect(onus.count == Set(rx.keys).union(tx.keys).count)
        #expect(onus.count >= 2)
        func dBm(_ raw: Double?) -> Double? {
            guard let raw, !c.invalid.contains(raw) else { return nil }
            return ((raw * c.scale + c.offset) * 1000).rounded() / 1000
        }
        let ifNames = rec.column(OID("1.3.6.1.2.1.31.1.1.1.1")!)
        for onu in onus {
            let index = try #require(OID(onu.index))
            #expect(onu.rxDbm == dBm(rx[index]), "\(c.recording) \(onu.index)")
            #expect(onu.txDbm == dBm(tx[index]), "\(c.recording) \(onu.index)")
            if c.labelled {
                let port = try #require(ifNames[OID([index.arcs[0]])])
                #expect(onu.label == port + ":" + index.arcs.dropFirst().map(String.init).joined(separator: "."))
            }
        }
        // Every recording carries at least one "no reading" marker, and at least one real value.
        #expect(onus.contains { $0.rxDbm == nil || $0.txDbm == nil })
        #expect(onus.contains { ($0.rxDbm ?? 0) < -10 })
    }

    @Test func huaweiPortOpticsTellAbsentRxFromAReading() async throws {
        let (_, result) = try await poll("optics-huawei", [.optics])
        let ports = result.optics.filter { $0.scope == .oltPort }.sorted { $0.index < $1.index }
        #expect(ports.map(\.label) == ["GPON 0/1/0", "GPON 0/1/1"])
        #expect(ports.map(\.rxDbm) == [nil, -15.2])
        #expect(ports.map(\.txDbm) == [7.11, 6.98])
    }

    @Test func entitySensorCelsiusSensorsAreScaled() async throws {
        let (identity, result) = try await poll("entity-sensors", [.health])
        #expect(identity.profile == "generic")
        #expect(result.errors.isEmpty, "\(result.errors)")
        let temperatures = result.health.filter { $0.kind == .temperature }.sorted { $0.label < $1.label }
        // 453 × 10^0 ÷ 10^1 = 45.3; 27500 milli-degrees = 27.5; the fan (type rpm) is not a temperature.
        #expect(temperatures.map(\.label) == ["CPU sensor", "Inlet sensor"])
        #expect(temperatures.map(\.value) == [45.3, 27.5])
    }

    @Test func countersMoveAndA32BitWrapGivesTheRealRate() async throws {
        let target = try Agents.snmpsim(community: "counters-wrap")
        try await Agents.withPoller { poller in
            let identity = try await poller.identify(target)
            #expect(identity.profile == "net-snmp-linux")
            let collectors: Set<CollectorKind> = [.system, .interfaces]
            let clock = ContinuousClock()
            func seconds(_ duration: Duration) -> Double {
                Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
            }
            // snmpsimd answers every parallel test in turn, so a poll may wait. The counters are read
            // somewhere inside each poll: the true interval lies between (start₂ − end₁) and
            // (end₂ − start₁). Try again (at most four times) while those bounds are too far apart or
            // could hold more than one wrap.
            let period = Double(UInt32.max) / 2.5e8  // seconds between two wraps of ifInOctets
            for attempt in 1...4 {
                let start1 = clock.now
                let first = try await poller.poll(target, identity: identity, collectors: collectors)
                let end1 = clock.now
                let before = try #require(first.interfaces.first)
                #expect(before.name == "eth0")
                #expect(before.alias == "uplink")
                #expect(before.speedBitsPerSecond == 10_000_000_000)
                #expect(before.octetCounterBits == 32)
                // ifInOctets grows by 2.5 × 10⁸ octets/s (2 Gbit/s) and wraps every ~17 s, ifOutOctets by
                // 6.25 × 10⁷ (0.5 Gbit/s): wait until just past the next wrap of ifInOctets.
                let inOctets = try #require(before.inOctets)
                let untilWrap = Double(UInt64(UInt32.max) - inOctets) / 2.5e8
                // Just after a wrap, waiting for the next one would put a whole period between the reads.
                if attempt < 4 && untilWrap > period - 2.5 {
                    try await clock.sleep(for: .milliseconds(2_500))
                    continue
                }
                try await clock.sleep(until: end1 + .milliseconds(Int(untilWrap * 1000) + 300))
                let start2 = clock.now
                let second = try await poller.poll(target, identity: identity, collectors: collectors)
                let end2 = clock.now
                let shortest = seconds(start2 - end1), longest = seconds(end2 - start1)
                if attempt < 4 && (longest > period - 0.5 || longest > shortest * 1.1) { continue }

                let after = try #require(second.interfaces.first)
                #expect(try #require(after.inOctets) < inOctets, "the counter wrapped")
                let uptimes = (try #require(first.system?.uptimeTicks), try #require(second.system?.uptimeTicks))
                #expect(uptimes.1 > uptimes.0)
                let slow = InterfaceRates.between(before, after, seconds: longest, earlierUptime: uptimes.0, laterUptime: uptimes.1)
                let fast = InterfaceRates.between(before, after, seconds: shortest, earlierUptime: uptimes.0, laterUptime: uptimes.1)
                let low = try #require(slow.inBitsPerSecond), lowOut = try #require(slow.outBitsPerSecond)
                // The fast bound may exceed the 10 Gbit/s speed: then the wrap is implausible (nil) or clamped.
                let high = fast.inBitsPerSecond ?? .infinity, highOut = fast.outBitsPerSecond ?? .infinity
                #expect(low <= 2e9 * 1.02 && 2e9 * 0.98 <= high, "in: \(low)…\(high) bit/s over \(shortest)…\(longest) s")
                #expect(lowOut <= 5e8 * 1.02 && 5e8 * 0.98 <= highOut, "out: \(lowOut)…\(highOut) bit/s")
                #expect(low > 2e9 * 0.8, "in: \(low) bit/s over at most \(longest) s")
                #expect(try #require(slow.inUtilization) <= 20.4)
                break
            }
        }
    }
}

/// net-snmp's snmpd: identified as net-snmp Linux, with HOST-RESOURCES/UCD health and interfaces.
@Suite struct SNMPDTests {
    @Test func snmpdIsNetSNMPLinuxWithHealthAndInterfaces() async throws {
        let target = try Agents.snmpd()
        try await Agents.withPoller { poller in
            let identity = try await poller.identify(target)
            #expect(identity.profile == "net-snmp-linux")
            #expect(identity.vendor == "net-snmp")
            #expect(identity.sysDescr == "OctoISP test agent")
            // snmpd computes hrProcessorLoad and ssCpuIdle over its first minute: poll once it is older.
            let started = try await poller.poll(target, identity: identity, collectors: [.system])
            let ticks = Int(try #require(started.system?.uptimeTicks))
            if ticks < 6_500 { try await Task.sleep(for: .milliseconds((6_500 - ticks) * 10)) }
            let result = try await poller.poll(target, identity: identity, collectors: Set(CollectorKind.allCases))
            #expect(result.errors.isEmpty, "\(result.errors)")
            #expect(result.system?.name == "octo-test")
            #expect((result.system?.uptimeTicks ?? 0) > 0)
            let cpu = result.health.filter { $0.kind == .cpu }
            let memory = result.health.filter { $0.kind == .memory }
            #expect(!cpu.isEmpty)
            #expect(cpu.allSatisfy { (0...100).contains($0.value) })
            #expect(!memory.isEmpty)
            #expect(memory.allSatisfy { $0.value > 0 && $0.value <= 100 })
            let loopback = try #require(result.interfaces.first { $0.type == 24 })
            #expect(loopback.name == "lo")
            #expect(loopback.adminUp == true)
            #expect(loopback.octetCounterBits == 64)
            #expect(result.optics.isEmpty)
            #expect(result.varbinds > 20)
            #expect(try #require(result.pollSeconds) > 0)
        }
    }

    @Test func pingMeasuresTheRoundTrip() async throws {
        let target = try Agents.snmpd()
        let latency = try await Agents.withPoller { try await $0.ping(target) }
        #expect(latency > .zero)
        #expect(latency < .seconds(3))
    }

    /// SNMPv1 answers a missing OID with noSuchName for the whole request: identification and the
    /// collectors still work, asking again one OID at a time.
    @Test func snmpv1AgentsAreIdentifiedAndPolled() async throws {
        var target = try Agents.snmpd()
        target.credentials = .v1(community: "public")
        try await Agents.withPoller { poller in
            let identity = try await poller.identify(target)
            #expect(identity.profile == "net-snmp-linux")
            let result = try await poller.poll(target, identity: identity, collectors: Set(CollectorKind.allCases))
            #expect(result.errors.isEmpty, "\(result.errors)")
            #expect(result.interfaces.contains { $0.name == "lo" })
            #expect(result.health.contains { $0.kind == .memory })
            #expect(result.system?.name == "octo-test")
        }
        // The RouterOS recording lacks the board-name OID and every UCD OID the health collector asks for.
        var routeros = try Agents.snmpsim(community: "routeros")
        routeros.credentials = .v1(community: "routeros")
        try await Agents.withPoller { poller in
            let identity = try await poller.identify(routeros)
            #expect(identity.profile == "routeros")
            #expect(identity.version == "6.40.5")
            #expect(identity.serial == "71B1060EE89D")
            let result = try await poller.poll(routeros, identity: identity, collectors: [.health])
            #expect(result.errors.isEmpty, "\(result.errors)")
            #expect(result.health.contains { $0.kind == .temperature && $0.label == "board" })
        }
    }

    @Test func aSilentAgentThrowsTheTimeout() async throws {
        // A UDP port on loopback nobody listens on (snmpd's own port + 0 is taken; use the discard port).
        let target = SNMPTarget(address: try SNMPTarget.parseAddress("127.0.0.1:9"), credentials: .v2c(community: "public"),
                                timeout: .milliseconds(200), retries: 0)
        await #expect(throws: SNMPError.self) {
            try await Agents.withPoller { try await $0.identify(target) }
        }
        await #expect(throws: SNMPError.self) {
            try await Agents.withPoller { try await $0.ping(target) }
        }
        let identity = DeviceIdentity(profile: "generic", vendor: "Generic", os: "SNMP", kind: "other", sysObjectID: "", sysDescr: "")
        await #expect(throws: SNMPError.self) {
            try await Agents.withPoller { try await $0.poll(target, identity: identity, collectors: [.system, .interfaces]) }
        }
    }
}
