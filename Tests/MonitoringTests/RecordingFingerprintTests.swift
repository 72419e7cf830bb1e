import Foundation
import Monitoring
import SNMP
import Testing

/// Every real-device recording in ../shared/fixtures/snmp/librenms, identified through snmpsimd.
@Suite struct RecordingFingerprintTests {
    struct Expected: Sendable, CustomTestStringConvertible {
        var recording: String
        var profile: String
        var vendor: String
        var os: String
        var kind: String
        var model: String? = nil
        var version: String? = nil
        var serial: String? = nil
        var testDescription: String { recording }
    }

    /// Read from each recording's sysObjectID, sysDescr and the vendor OIDs the profiles name.
    static let expected: [Expected] = [
        Expected(recording: "airos-af", profile: "ubiquiti-airos", vendor: "Ubiquiti", os: "airOS", kind: "access_point", version: "2.6.33"),
        Expected(recording: "cdata", profile: "cdata", vendor: "C-Data", os: "C-Data OLT", kind: "olt"),
        Expected(recording: "datacom-dmos_dm4618", profile: "datacom-dmos", vendor: "Datacom", os: "DmOS", kind: "olt",
                 model: "DM4618", version: "9.0.0-345-1-g479ba56c8a"),
        Expected(recording: "edgeos", profile: "ubiquiti-edgeos", vendor: "Ubiquiti", os: "EdgeOS", kind: "router",
                 version: "1.8.0.4853089.160219.1607"),
        Expected(recording: "edgeosolt_uisp-fiber", profile: "ubiquiti-uisp-fiber", vendor: "Ubiquiti", os: "UISP Fiber",
                 kind: "olt", model: "XGS", version: "4.6.1.28209"),
        Expected(recording: "fiberhome", profile: "fiberhome-an5516", vendor: "FiberHome", os: "AN5516", kind: "olt", model: "AN5516-01"),
        Expected(recording: "fiberhome_an5516-01", profile: "fiberhome-an5516", vendor: "FiberHome", os: "AN5516", kind: "olt",
                 model: "AN5516-01"),
        Expected(recording: "ios_c3560", profile: "cisco-ios", vendor: "Cisco", os: "IOS", kind: "router", model: "C3560",
                 version: "12.2(55)SE12"),
        Expected(recording: "junos_mx", profile: "juniper-junos", vendor: "Juniper", os: "Junos", kind: "router", model: "mx80",
                 version: "16.2R2.8", serial: "G0290"),
        Expected(recording: "linux", profile: "net-snmp-linux", vendor: "net-snmp", os: "Linux", kind: "server", version: "4.9.0"),
        Expected(recording: "parks-switch", profile: "parks", vendor: "Parks", os: "Parks", kind: "switch", model: "PK-700"),
        Expected(recording: "routeros", profile: "routeros", vendor: "MikroTik", os: "RouterOS", kind: "router",
                 version: "6.40.5", serial: "71B1060EE89D"),
        Expected(recording: "routeros_rb750gr3", profile: "routeros", vendor: "MikroTik", os: "RouterOS", kind: "router",
                 model: "RB750Gr3", version: "7.20beta2", serial: "6F3A071688EA"),
        Expected(recording: "smartax", profile: "huawei-smartax", vendor: "Huawei", os: "SmartAX", kind: "olt"),
        Expected(recording: "vrp_ne8000", profile: "huawei-vrp", vendor: "Huawei", os: "VRP", kind: "router",
                 model: "NetEngine 8000 F1A-8H20Q", version: "V800R012C10SPC300"),
        Expected(recording: "vsolution_v1600d", profile: "vsol", vendor: "V-SOL", os: "V-SOL OLT", kind: "olt", model: "V1600D",
                 version: "V2.03.74R"),
        Expected(recording: "zxa10_c320", profile: "zte-zxa10", vendor: "ZTE", os: "ZXA10", kind: "olt", model: "C320",
                 version: "V2.1.0"),
    ]

    @Test func theTableCoversEveryRecording() throws {
        let directory = try Agents.fixtures()
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(".snmprec") }.map { String($0.dropLast(".snmprec".count)) }
        #expect(!names.isEmpty)
        #expect(Set(names) == Set(Self.expected.map(\.recording)))
    }

    @Test(arguments: expected)
    func identifies(_ expected: Expected) async throws {
        let target = try Agents.snmpsim(community: expected.recording)
        let identity = try await Agents.withPoller { try await $0.identify(target) }
        #expect(identity.profile == expected.profile)
        #expect(identity.vendor == expected.vendor)
        #expect(identity.os == expected.os)
        #expect(identity.kind == expected.kind)
        #expect(identity.model == expected.model)
        #expect(identity.version == expected.version)
        #expect(identity.serial == expected.serial)
        #expect(!identity.sysObjectID.isEmpty)
    }
}
