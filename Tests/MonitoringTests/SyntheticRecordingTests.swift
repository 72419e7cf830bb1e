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
            let first = try await poller.poll(target, identity: identity, collectors: collectors)
            let firstAt = clock.now
            let before = try #require(first.interfaces.first)
            #expect(before.name == "eth0")
            #expect(before.alias == "uplink")
            #expect(before.speedBitsPerSecond == 10_000_000_000)
            #expect(before.octetCounterBits == 32)
            // ifInOctets grows by 10⁹ octets/s and wraps every ~4.3 s: wait until just past the next wrap.
            let inOctets = try #require(before.inOctets)
            let untilWrap = Double(UInt64(UInt32.max) - inOctets) / 1e9
            try await Task.sleep(for: .milliseconds(Int(untilWrap * 1000) + 400))
            let second = try await poller.poll(target, identity: identity, collectors: collectors)
            let elapsed = (clock.now - firstAt)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let after = try #require(second.interfaces.first)
            #expect(try #require(after.inOctets) < inOctets, "the counter wrapped")
            let uptimes = (try #require(first.system?.uptimeTicks), try #require(second.system?.uptimeTicks))
            #expect(uptimes.1 > uptimes.0)
            let rates = InterfaceRates.between(before, after, seconds: seconds, earlierUptime: uptimes.0, laterUptime: uptimes.1)
            let inRate = try #require(rates.inBitsPerSecond)
            let outRate = try #require(rates.outBitsPerSecond)
            #expect(abs(inRate - 8e9) / 8e9 < 0.15, "in \(inRate) bit/s over \(seconds) s")
            #expect(abs(outRate - 2e9) / 2e9 < 0.15, "out \(outRate) bit/s over \(seconds) s")
            #expect(abs(try #require(rates.inUtilization) - 80) < 12)
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

    @Test func aSilentAgentThrowsTheTimeout() async throws {
        // A UDP port on loopback nobody listens on (snmpd's own port + 0 is taken; use the discard port).
        let target = SNMPTarget(address: try SNMPTarget.parseAddress("127.0.0.1:9"), credentials: .v2c(community: "public"),
                                timeout: .milliseconds(200), retries: 0)
        await #expect(throws: SNMPError.self) {
            try await Agents.withPoller { try await $0.identify(target) }
        }
        let identity = DeviceIdentity(profile: "generic", vendor: "Generic", os: "SNMP", kind: "other", sysObjectID: "", sysDescr: "")
        await #expect(throws: SNMPError.self) {
            try await Agents.withPoller { try await $0.poll(target, identity: identity, collectors: [.system, .interfaces]) }
        }
    }
}
