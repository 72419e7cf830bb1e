import Foundation
import Monitoring
import SNMP
import Testing

/// Every real-device recording in ../shared/fixtures/snmp/librenms and librenms-more, identified through
/// snmpsimd: the file → vendor, OS table.
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
        Expected(recording: "airos-af", profile: "ubiquiti-airfiber", vendor: "Ubiquiti", os: "airFiber", kind: "access_point"),
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

    /// The recordings of ../shared/fixtures/snmp/librenms-more.
    static let expectedMore: [Expected] = [
        Expected(recording: "airos-af-ltu", profile: "ubiquiti-airfiber", vendor: "Ubiquiti", os: "airFiber", kind: "access_point",
                 model: "airFiber 5XHD", version: "1.1.1-BETA2.00015.180314.0503"),
        Expected(recording: "airos_1", profile: "ubiquiti-airos", vendor: "Ubiquiti", os: "airOS", kind: "access_point",
                 version: "2.6.32.71"),
        Expected(recording: "datacom_dm1200e", profile: "datacom-legacy", vendor: "Datacom", os: "DmSwitch", kind: "switch",
                 model: "DM1200E", version: "3.2.2.1"),
        Expected(recording: "edgeos_erl", profile: "ubiquiti-edgeos", vendor: "Ubiquiti", os: "EdgeOS", kind: "router",
                 model: "EdgeRouter Lite"),
        Expected(recording: "edgeswitch_es-24-250w", profile: "ubiquiti-edgeswitch", vendor: "Ubiquiti", os: "EdgeSwitch",
                 kind: "switch", model: "24-Port 250W", version: "1.8.0.5106045"),
        Expected(recording: "fiberhome-switch_fh2800", profile: "fiberhome-switch", vendor: "FiberHome", os: "FiberHome Switch",
                 kind: "switch", model: "S2800", version: "V210R220"),
        Expected(recording: "huawei-smu_11b", profile: "huawei-smu", vendor: "Huawei", os: "SMU", kind: "other", model: "SMU11B"),
        Expected(recording: "huaweiups_ups2000", profile: "huawei-ups", vendor: "Huawei", os: "UPS", kind: "other", model: "UPS2000"),
        Expected(recording: "ios_ie1000", profile: "cisco-ie", vendor: "Cisco", os: "IOS", kind: "switch", model: "IE1000",
                 version: "1.8.2"),
        Expected(recording: "iosxr_asr9001", profile: "cisco-iosxr", vendor: "Cisco", os: "IOS-XR", kind: "router", model: "ASR9K",
                 version: "6.6.3"),
        Expected(recording: "junose", profile: "juniper-junose", vendor: "Juniper", os: "JunosE", kind: "router"),
        Expected(recording: "tplink_dsl", profile: "tplink-dsl", vendor: "TP-Link", os: "TP-Link DSL", kind: "cpe", version: "3.16.0"),
        Expected(recording: "unifi_560", profile: "ubiquiti-unifi-ap", vendor: "Ubiquiti", os: "UniFi AP", kind: "access_point",
                 model: "UAP-nanoHD", version: "5.60.3.12934"),
        Expected(recording: "unifi_achd", profile: "ubiquiti-unifi-ap", vendor: "Ubiquiti", os: "UniFi AP", kind: "access_point",
                 model: "UAP-AC-HD", version: "3.9.19.8123"),
        Expected(recording: "vrp_1", profile: "huawei-vrp", vendor: "Huawei", os: "VRP", kind: "router"),
        Expected(recording: "zxr10_5250", profile: "zte-zxr10", vendor: "ZTE", os: "ZXR10", kind: "switch", model: "5250-52TM-H",
                 version: "V2.05.11B23"),
    ]

    static let all = expected + expectedMore

    static func recordings(in directory: String) throws -> Set<String> {
        Set(try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(".snmprec") }.map { String($0.dropLast(".snmprec".count)) })
    }

    @Test func theTableCoversEveryRecording() throws {
        let names = try Self.recordings(in: try Agents.fixtures())
        #expect(!names.isEmpty)
        #expect(names == Set(Self.expected.map(\.recording)))
        let more = try Self.recordings(in: try Agents.moreFixtures())
        #expect(!more.isEmpty)
        #expect(more == Set(Self.expectedMore.map(\.recording)))
    }

    @Test(arguments: all)
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
        let reason = try #require(identity.reason)
        #expect(reason.hasPrefix("profile \(expected.profile) match["), "\(reason)")
        #expect(identity.enterprise == VendorRegistry.enterprise(of: OID(identity.sysObjectID)))
    }

    /// The held-out check. Each recording is identified by a catalog without the profile that names it
    /// (as if its family had never been profiled), so only the facts remain: the IANA enterprise
    /// number, the sysDescr vendor patterns and the other profiles. Prints the accuracy.
    @Test func withoutTheirOwnProfileRecordingsStillGetTheirVendor() async throws {
        let bundled = try ProfileCatalog.bundled()
        var right: [String] = []
        var wrong: [String] = []
        for expected in Self.all {
            let others = try ProfileCatalog(profiles: bundled.profiles.filter { $0.id != expected.profile }, vendors: bundled.vendors)
            let target = try Agents.snmpsim(community: expected.recording)
            let identity = try await Agents.withPoller(catalog: others) { try await $0.identify(target) }
            #expect(identity.profile != expected.profile)
            if identity.vendor == expected.vendor {
                right.append(expected.recording)
            } else {
                wrong.append("\(expected.recording): \(identity.vendor) (\(identity.reason ?? ""))")
            }
        }
        let share = Double(right.count) / Double(Self.all.count)
        print("held-out vendor accuracy (each recording without its own profile): \(right.count)/\(Self.all.count) = "
              + String(format: "%.1f %%", share * 100))
        for line in wrong { print("  held-out miss: \(line)") }
        #expect(share >= 0.9, "vendor from facts alone: \(wrong)")
    }
}
