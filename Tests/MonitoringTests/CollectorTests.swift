import Foundation
import Monitoring
import SNMP
import Testing

/// Collectors against snmpsimd serving the real-device recordings; expected values are read from the
/// recording files themselves.
@Suite struct CollectorTests {
    static let recordings = RecordingFingerprintTests.expected.map(\.recording)

    private func recording(_ name: String) throws -> Snmprec {
        try Snmprec(path: try Agents.fixtures() + "/\(name).snmprec")
    }

    private func poll(_ community: String, _ collectors: Set<CollectorKind> = Set(CollectorKind.allCases)) async throws
        -> (DeviceIdentity, PollResult) {
        let target = try Agents.snmpsim(community: community)
        return try await Agents.withPoller { poller in
            let identity = try await poller.identify(target)
            return (identity, try await poller.poll(target, identity: identity, collectors: collectors))
        }
    }

    @Test(arguments: recordings)
    func interfacesMatchTheRecording(_ name: String) async throws {
        let rec = try recording(name)
        let (_, result) = try await poll(name, [.system, .interfaces])
        #expect(result.errors.isEmpty, "\(result.errors)")
        #expect(result.varbinds > 0)

        let ifEntry = OID("1.3.6.1.2.1.2.2.1")!
        var indexes: Set<Int> = []
        for oid in rec.values.keys {
            if let suffix = oid.suffix(after: ifEntry), suffix.count == 2 { indexes.insert(Int(suffix.arcs[1])) }
        }
        #expect(result.interfaces.map(\.ifIndex) == indexes.sorted())

        let names = rec.column(OID("1.3.6.1.2.1.31.1.1.1.1")!)
        let descrs = rec.column(OID("1.3.6.1.2.1.2.2.1.2")!)
        let speeds = rec.numbers(OID("1.3.6.1.2.1.2.2.1.5")!)
        let highSpeeds = rec.numbers(OID("1.3.6.1.2.1.31.1.1.1.15")!)
        let hcIn = rec.numbers(OID("1.3.6.1.2.1.31.1.1.1.6")!)
        let inOctets = rec.numbers(OID("1.3.6.1.2.1.2.2.1.10")!)
        let adminStatus = rec.numbers(OID("1.3.6.1.2.1.2.2.1.7")!)
        let operStatus = rec.numbers(OID("1.3.6.1.2.1.2.2.1.8")!)
        let aliases = rec.column(OID("1.3.6.1.2.1.31.1.1.1.18")!)
        for interface in result.interfaces {
            let index = OID([UInt32(interface.ifIndex)])
            let expectedName = [names[index], descrs[index]].compactMap { $0?.trimmingCharacters(in: .whitespaces) }
                .first { !$0.isEmpty } ?? "if\(interface.ifIndex)"
            #expect(interface.name == expectedName, "\(name) ifIndex \(interface.ifIndex)")
            let expectedSpeed = highSpeeds[index].flatMap { $0 > 0 ? UInt64($0) * 1_000_000 : nil } ?? speeds[index].map { UInt64($0) }
            #expect(interface.speedBitsPerSecond == expectedSpeed, "\(name) ifIndex \(interface.ifIndex)")
            #expect(interface.adminUp == adminStatus[index].map { $0 == 1 })
            #expect(interface.operStatus == operStatus[index].map { Int($0) })
            #expect(interface.alias == aliases[index].flatMap { $0.isEmpty ? nil : $0 })
            if let hc = hcIn[index] {
                #expect(interface.octetCounterBits == 64)
                #expect(interface.inOctets == UInt64(hc))
            } else {
                #expect(interface.octetCounterBits == 32)
                #expect(interface.inOctets == inOctets[index].map { UInt64($0) })
            }
        }
    }

    @Test(arguments: recordings)
    func systemGroupMatchesTheRecording(_ name: String) async throws {
        let rec = try recording(name)
        let (_, result) = try await poll(name, [.system])
        let system = try #require(result.system)
        #expect(system.uptimeTicks == rec.values[OID("1.3.6.1.2.1.1.3.0")!].flatMap { UInt32($0.text) })
        #expect(system.name == rec.values[OID("1.3.6.1.2.1.1.5.0")!].map(\.text))
        #expect(result.errors.isEmpty)
    }

    /// hrProcessorLoad rows, as the recording holds them.
    private func hrCPU(_ rec: Snmprec) -> [Double] {
        rec.numbers(OID("1.3.6.1.2.1.25.3.3.1.2")!).sorted { $0.key < $1.key }.map(\.value)
    }

    @Test func routerOSHealth() async throws {
        for name in ["routeros", "routeros_rb750gr3"] {
            let rec = try recording(name)
            let (_, result) = try await poll(name, [.health])
            #expect(result.errors.isEmpty, "\(result.errors)")
            let cpu = result.health.filter { $0.kind == .cpu }.map(\.value)
            #expect(!cpu.isEmpty)
            #expect(cpu == hrCPU(rec))
            // hrStorageRam: used ÷ size.
            let ram = try #require(rec.values.first { $0.value.text == "1.3.6.1.2.1.25.2.1.2" }?.key.arcs.last)
            let size = try #require(rec.values[OID("1.3.6.1.2.1.25.2.3.1.5.\(ram)")!].flatMap { Double($0.text) })
            let used = try #require(rec.values[OID("1.3.6.1.2.1.25.2.3.1.6.\(ram)")!].flatMap { Double($0.text) })
            let memory = try #require(result.health.first { $0.kind == .memory })
            #expect(abs(memory.value - used / size * 100) < 0.01)
            let board = rec.values[OID("1.3.6.1.4.1.14988.1.1.3.10.0")!].flatMap { Double($0.text) }
            let temperature = result.health.first { $0.kind == .temperature && $0.label == "board" }?.value
            #expect(temperature == board.map { $0 * 0.1 })
        }
    }

    @Test func huaweiSmartAXBoardsAndPortOptics() async throws {
        let rec = try recording("smartax")
        let (identity, result) = try await poll("smartax")
        #expect(identity.profile == "huawei-smartax")
        #expect(result.errors.isEmpty, "\(result.errors)")
        let names = rec.column(OID("1.3.6.1.4.1.2011.2.6.7.1.1.2.1.7")!)
        for (column, kind) in [(5, HealthReading.Kind.cpu), (6, .memory), (10, .temperature)] {
            let expected = rec.numbers(OID("1.3.6.1.4.1.2011.2.6.7.1.1.2.1.\(column)")!).filter { $0.value >= 0 }
            let readings = result.health.filter { $0.kind == kind }
            #expect(!readings.isEmpty)
            #expect(readings.count == expected.count)
            for (index, value) in expected {
                #expect(readings.contains { $0.value == value && $0.label == names[index] }, "\(kind) \(index)")
            }
        }
        // hwGponOltOpticsDdmInfoTable: Tx in 0.01 dBm, Rx absent (2147483647) in this recording.
        let tx = rec.numbers(OID("1.3.6.1.4.1.2011.6.128.1.1.2.23.1.4")!)
        let ports = result.optics.filter { $0.scope == .oltPort }
        #expect(ports.count == tx.count)
        #expect(ports.count == 32)
        let ifNames = rec.column(OID("1.3.6.1.2.1.31.1.1.1.1")!)
        for port in ports {
            let index = try #require(OID(port.index))
            #expect(port.txDbm == tx[index].map { ($0 * 0.01 * 1000).rounded() / 1000 })
            #expect(port.rxDbm == nil)
            #expect(port.label == ifNames[index])
        }
        #expect(result.optics.filter { $0.scope == .onu }.isEmpty)
    }

    /// V-SOL answers ONU optics as text, `2.38 mW (3.77 dBm)`.
    @Test func vsolONUOpticsFromTheirText() async throws {
        let rec = try recording("vsolution_v1600d")
        let (_, result) = try await poll("vsolution_v1600d", [.optics])
        #expect(result.errors.isEmpty, "\(result.errors)")
        let rx = rec.column(OID("1.3.6.1.4.1.37950.1.1.5.12.2.1.8.1.7")!)
        let tx = rec.column(OID("1.3.6.1.4.1.37950.1.1.5.12.2.1.8.1.6")!)
        let names = rec.column(OID("1.3.6.1.4.1.37950.1.1.5.12.1.25.1.9")!)
        func dBm(_ text: String?) -> Double? {
            guard let text, let open = text.lastIndex(of: "(") else { return nil }
            return Double(text[text.index(after: open)...].prefix { $0 != " " && $0 != "d" })
        }
        let onus = result.optics.filter { $0.scope == .onu }
        #expect(onus.count == rx.count)
        #expect(onus.count == 16)
        for onu in onus {
            let index = try #require(OID(onu.index))
            #expect(onu.rxDbm != nil)
            #expect(onu.rxDbm == dBm(rx[index]), "\(onu.index)")
            #expect(onu.txDbm == dBm(tx[index]), "\(onu.index)")
            #expect(onu.label == names[index])
        }
    }

    @Test func ciscoCPUAndMemoryPools() async throws {
        let rec = try recording("ios_c3560")
        let (_, result) = try await poll("ios_c3560", [.health])
        #expect(result.errors.isEmpty, "\(result.errors)")
        let cpu = rec.numbers(OID("1.3.6.1.4.1.9.9.109.1.1.1.1.8")!)
        #expect(result.health.filter { $0.kind == .cpu }.map(\.value) == cpu.values.sorted())
        let poolNames = rec.column(OID("1.3.6.1.4.1.9.9.48.1.1.1.2")!)
        let used = rec.numbers(OID("1.3.6.1.4.1.9.9.48.1.1.1.5")!)
        let free = rec.numbers(OID("1.3.6.1.4.1.9.9.48.1.1.1.6")!)
        let memory = result.health.filter { $0.kind == .memory }
        #expect(memory.count == poolNames.count)
        for (index, name) in poolNames {
            let expected = (used[index]! / (used[index]! + free[index]!) * 10_000).rounded() / 100
            #expect(memory.contains { $0.label == name && $0.value == expected }, "\(name)")
        }
    }

    /// The ZTE card table of the C320 recording is recorded out of OID order (snmpsim cannot walk it), so
    /// the same rows are served in order from the synthetic ZTE recording.
    @Test func zteCardsAndVSOLTemperature() async throws {
        let zte = try Snmprec(path: SyntheticRecordingTests.directory + "/optics-zte.snmprec")
        let (_, zteResult) = try await poll("optics-zte", [.health])
        #expect(zteResult.errors.isEmpty, "\(zteResult.errors)")
        let load = zte.numbers(OID("1.3.6.1.4.1.3902.1082.10.1.2.4.1.9")!)
        let cards = zte.column(OID("1.3.6.1.4.1.3902.1082.10.1.2.4.1.4")!)
        let cpu = zteResult.health.filter { $0.kind == .cpu }
        #expect(cpu.count == load.count)
        for (index, value) in load { #expect(cpu.contains { $0.label == cards[index] && $0.value == value }) }

        let vsol = try recording("vsolution_v1600d")
        let (_, vsolResult) = try await poll("vsolution_v1600d", [.health])
        let temperature = vsol.values[OID("1.3.6.1.4.1.37950.1.1.5.10.12.5.9.0")!].flatMap { Double($0.text) }
        #expect(temperature != nil)
        #expect(vsolResult.health.filter { $0.kind == .temperature }.map(\.value) == [temperature!])
    }

    @Test func uispFiberSensorTemperatures() async throws {
        let rec = try recording("edgeosolt_uisp-fiber")
        let (_, result) = try await poll("edgeosolt_uisp-fiber", [.health])
        #expect(result.errors.isEmpty, "\(result.errors)")
        let sensors = rec.numbers(OID("1.3.6.1.4.1.41112.1.5.4.2.1.3")!)
        #expect(sensors.count == 5)
        #expect(result.health.filter { $0.kind == .temperature }.map(\.value) == sensors.sorted { $0.key < $1.key }.map(\.value))
    }

    @Test func linuxAndEdgeOSUseHostResources() async throws {
        for name in ["linux", "edgeos"] {
            let rec = try recording(name)
            let (_, result) = try await poll(name, [.health])
            #expect(result.errors.isEmpty, "\(result.errors)")
            #expect(result.health.filter { $0.kind == .cpu }.map(\.value) == hrCPU(rec))
        }
        let (_, edge) = try await poll("edgeos", [.health])
        #expect(edge.health.contains { $0.kind == .memory })
    }

    @Test func aCollectorTheProfileDoesNotListIsNotRun() async throws {
        let (identity, result) = try await poll("routeros", [.optics, .system])
        #expect(identity.profile == "routeros")
        #expect(result.optics.isEmpty)
        #expect(result.system != nil)
        #expect(result.errors.isEmpty)
    }
}
