import Foundation
import NIOCore
import OctoTestSupport
import Testing
@testable import SNMP

/// Reads the peers written by `scripts/snmp-peers.sh start DIR` (source DIR/snmp.env first).
enum Peers {
    static func require(_ name: String) throws -> String {
        try #require(ProcessInfo.processInfo.environment[name],
                     "\(name) is not set: run `scripts/snmp-peers.sh start DIR` and source DIR/snmp.env before `swift test`")
    }

    static func snmpd() throws -> String { try require("SNMP_TEST_SNMPD") }
    static func snmpsim() throws -> String { try require("SNMP_TEST_SNMPSIM") }
    static var authPassword: String { ProcessInfo.processInfo.environment["SNMP_TEST_AUTH_PASS"] ?? "authpass-octo1" }
    static var privPassword: String { ProcessInfo.processInfo.environment["SNMP_TEST_PRIV_PASS"] ?? "privpass-octo1" }

    /// Interop tests check answers, not latency: 42 v3 cases run at once against one snmpd, which
    /// localizes keys for each, so a loaded machine gets up to 10 s (2 s × 5 attempts).
    static func target(_ spec: String, _ credentials: SNMPCredentials) throws -> SNMPTarget {
        SNMPTarget(address: try SNMPTarget.parseAddress(spec), credentials: credentials, timeout: .seconds(2),
                   retries: 4)
    }

    /// The user name scripts/snmp-peers.sh creates for an auth/priv pair.
    static func userName(_ auth: AuthProtocol, _ priv: PrivProtocol?) -> String {
        let a = auth.rawValue.replacingOccurrences(of: "-", with: "").lowercased()
        let p = priv.map { $0.rawValue.replacingOccurrences(of: "-", with: "").lowercased() } ?? "none"
        return "u_\(a)_\(p)"
    }
}

/// Runs a program (looked up on `PATH`) and returns its standard output, failing the test on a
/// non-zero exit.
func runTool(_ arguments: [String]) async throws -> String {
    let run = try await ChildProcess.run(["/usr/bin/env"] + arguments)
    try #require(run.succeeded, "\(arguments.joined(separator: " ")) failed (\(run.termination)): \(run.errors)")
    return run.output
}

/// Parses net-snmp output printed with `-On -Oe -Ox` into varbinds. Opaque values (which
/// net-snmp decodes as floats) are returned as empty opaque values; compare their types only.
func parseNetSNMP(_ text: String) throws -> [VarBind] {
    var lines: [String] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
        if line.hasPrefix(".") { lines.append(String(line)) } else if !lines.isEmpty { lines[lines.count - 1] += " " + line }
    }
    return try lines.compactMap { line -> VarBind? in
        guard let separator = line.range(of: " = ") else { return nil }
        let oid = try #require(OID(String(line[..<separator.lowerBound])), "bad OID in \(line)")
        let rest = String(line[separator.upperBound...])
        if rest == "\"\"" { return VarBind(oid, .octetString([])) }
        if rest.hasPrefix("No Such Object") { return VarBind(oid, .noSuchObject) }
        if rest.hasPrefix("No Such Instance") { return VarBind(oid, .noSuchInstance) }
        if rest.hasPrefix("No more variables") { return VarBind(oid, .endOfMibView) }
        if rest.hasPrefix("NULL") { return VarBind(oid, .null) }
        guard let colon = rest.range(of: ": ") else { return VarBind(oid, .null) }
        let type = String(rest[..<colon.lowerBound])
        let value = String(rest[colon.upperBound...]).trimmingCharacters(in: .whitespaces)
        switch type {
        case "INTEGER": return VarBind(oid, .integer(try #require(Int64(value), "\(line)")))
        case "Counter32": return VarBind(oid, .counter32(try #require(UInt32(value), "\(line)")))
        case "Gauge32": return VarBind(oid, .gauge32(try #require(UInt32(value), "\(line)")))
        case "Counter64": return VarBind(oid, .counter64(try #require(UInt64(value), "\(line)")))
        case "Timeticks":
            let number = value.dropFirst().prefix { $0 != ")" }
            return VarBind(oid, .timeTicks(try #require(UInt32(number), "\(line)")))
        case "OID": return VarBind(oid, .oid(try #require(OID(value), "\(line)")))
        case "IpAddress":
            let parts = value.split(separator: ".").compactMap { UInt8($0) }
            try #require(parts.count == 4, "\(line)")
            return VarBind(oid, .ipAddress(parts[0], parts[1], parts[2], parts[3]))
        case "Hex-STRING":
            return VarBind(oid, .octetString(value.split(separator: " ").map { UInt8($0, radix: 16)! }))
        case "STRING":
            return VarBind(oid, .octetString(Array(value.dropFirst().dropLast().utf8)))
        case "Opaque": return VarBind(oid, .opaque([]))
        default:
            Issue.record("unknown net-snmp type \(type) in \(line)")
            return nil
        }
    }
}

/// Values that change between two reads of a live agent.
func isVolatile(_ value: SNMPValue) -> Bool {
    switch value {
    case .timeTicks, .counter32, .counter64, .gauge32, .opaque: return true
    default: return false
    }
}

func sameKind(_ lhs: SNMPValue, _ rhs: SNMPValue) -> Bool {
    lhs.tag == rhs.tag
}

/// Compares our varbinds with net-snmp's: same OIDs, same types, equal values except volatile ones.
func expectMatches(_ ours: [VarBind], _ theirs: [VarBind], volatileOK: Bool = true,
                   sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(ours.map(\.oid) == theirs.map(\.oid), sourceLocation: sourceLocation)
    for (mine, reference) in zip(ours, theirs) where mine.oid == reference.oid {
        #expect(sameKind(mine.value, reference.value), "\(mine.oid): \(mine.value) vs \(reference.value)",
                sourceLocation: sourceLocation)
        let clockOID = mine.oid == OID([1, 3, 6, 1, 6, 3, 10, 2, 1, 3, 0])  // snmpEngineTime
        if !(volatileOK && (isVolatile(reference.value) || clockOID)) {
            #expect(mine.value == reference.value, "\(mine.oid)", sourceLocation: sourceLocation)
        }
    }
}
