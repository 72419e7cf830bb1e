import Foundation
import Monitoring
import SNMP
import Testing

/// The SNMP agents `scripts/peers/snmp.sh` starts (source its snmp.env before `swift test`).
enum Agents {
    static func require(_ name: String) throws -> String {
        try #require(ProcessInfo.processInfo.environment[name],
                     "\(name) is not set: run `scripts/peers/snmp.sh start DIR` and source DIR/snmp.env before `swift test`")
    }

    /// snmpsimd serving ../shared/fixtures/snmp/librenms and Tests/MonitoringTests/Recordings.
    static func snmpsim(community: String) throws -> SNMPTarget {
        SNMPTarget(address: try SNMPTarget.parseAddress(try require("SNMP_TEST_SNMPSIM")),
                   credentials: .v2c(community: community), timeout: .seconds(3), retries: 3)
    }

    /// net-snmp snmpd (community `public`).
    static func snmpd() throws -> SNMPTarget {
        SNMPTarget(address: try SNMPTarget.parseAddress(try require("SNMP_TEST_SNMPD")),
                   credentials: .v2c(community: "public"), timeout: .seconds(3), retries: 3)
    }

    /// The directory of the real-device recordings.
    static func fixtures() throws -> String { try require("SNMP_TEST_FIXTURES") }

    /// The directory of the further real-device recordings (families a profile-only fingerprinter misses).
    static func moreFixtures() throws -> String { try require("SNMP_TEST_FIXTURES_MORE") }

    /// Runs `body` with a started client and a poller over `catalog`.
    static func withPoller<T>(catalog: ProfileCatalog, _ body: (SNMPDevicePoller) async throws -> T) async throws -> T {
        let client = try await SNMPClient.start(configuration: .init(bindHost: "127.0.0.1"))
        let poller = SNMPDevicePoller(client: client, catalog: catalog)
        do {
            let result = try await body(poller)
            await client.close()
            return result
        } catch {
            await client.close()
            throw error
        }
    }

    /// Runs `body` with a started client and a poller over the bundled profiles.
    static func withPoller<T>(_ body: (SNMPDevicePoller) async throws -> T) async throws -> T {
        let client = try await SNMPClient.start(configuration: .init(bindHost: "127.0.0.1"))
        let poller = SNMPDevicePoller(client: client, catalog: try ProfileCatalog.bundled())
        do {
            let result = try await body(poller)
            await client.close()
            return result
        } catch {
            await client.close()
            throw error
        }
    }
}

/// The recorded values of one `.snmprec` file, as snmpsimd serves them: lines out of OID order
/// are dropped (snmpsim's GETNEXT never reaches them).
struct Snmprec {
    /// Raw value text by OID, for lines of plain (non-variation) types.
    var values: [OID: (tag: String, text: String)] = [:]

    init(path: String) throws {
        let data = try #require(FileManager.default.contents(atPath: path), "cannot read \(path)")
        let text = String(decoding: data, as: UTF8.self)
        var highest: OID?
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, let oid = OID(String(fields[0])) else { continue }
            if let highest, oid <= highest { continue }
            highest = oid
            var tag = String(fields[1])
            var value = String(fields[2]).trimmingCharacters(in: .whitespaces)
            if tag == "4x" {
                var octets: [UInt8] = []
                var digits = value.makeIterator()
                while let high = digits.next(), let low = digits.next(), let byte = UInt8(String([high, low]), radix: 16) {
                    octets.append(byte)
                }
                tag = "4"
                value = String(decoding: octets, as: UTF8.self)
            }
            values[oid] = (tag, value)
        }
    }

    /// The rows of a column: index → raw text.
    func column(_ column: OID) -> [OID: String] {
        var rows: [OID: String] = [:]
        for (oid, value) in values {
            if let index = oid.suffix(after: column), index.count > 0 { rows[index] = value.text }
        }
        return rows
    }

    /// An integer column (types 2, 65, 66, 70).
    func numbers(_ column: OID) -> [OID: Double] {
        self.column(column).compactMapValues { Double($0) }
    }
}
