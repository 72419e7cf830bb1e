import Foundation
import NIOCore
import Testing
@testable import SNMP

/// One entry of an snmpsim `.snmprec` recording, or the reason it cannot be served.
struct RecordedEntry {
    var oid: OID
    var value: SNMPValue?
    var skipReason: String?
}

enum SnmprecParser {
    static func parse(_ text: String) -> [RecordedEntry] {
        var entries: [RecordedEntry] = []
        var highest: OID?
        for rawLine in text.split(separator: "\n") {
            // snmpsim reads records as ISO-8859-1 and strips whitespace (Python str.strip()) from each line.
            let line = rawLine.unicodeScalars.drop(while: isPythonWhitespace).reversed()
                .drop(while: isPythonWhitespace).reversed()
            let scalars = Array(line)
            let fields = scalars.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            let parts = fields.map { String(String.UnicodeScalarView($0)) }
            guard let oid = OID(parts[0]) else {
                continue
            }
            defer { if highest.map({ $0 < oid }) ?? true { highest = oid } }
            if let highest, oid <= highest {
                entries.append(RecordedEntry(oid: oid, value: nil, skipReason:
                    "recorded out of OID order (after \(highest)); snmpsim's GETNEXT never reaches it"))
                continue
            }
            var tag = String(parts[1])
            let raw = String(parts[2])
            var encoding: Character?
            if let last = tag.last, last == "x" || last == "e" {
                encoding = last
                tag.removeLast()
            }
            let latin1 = raw.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
            var octets: [UInt8]
            switch encoding {
            case "x": octets = hexBytes(raw)
            case "e":
                guard let unescaped = unescape(latin1) else {
                    entries.append(RecordedEntry(oid: oid, value: nil, skipReason: "bad escape; snmpsim rejects it"))
                    continue
                }
                octets = unescaped
            default: octets = latin1
            }
            let text = String(decoding: octets, as: UTF8.self)
            var entry = RecordedEntry(oid: oid)
            switch tag {
            case "2": entry.value = Int64(text).map { .integer($0) }
            case "4": entry.value = .octetString(octets)
            case "5": entry.value = .null
            case "6":
                if let value = OID(text), value.count >= 2 {
                    entry.value = .oid(value)
                } else {
                    entry.skipReason = "OID value '\(text)' has fewer than two arcs; snmpsim cannot encode it"
                }
            case "64":
                if encoding == "x", octets.count == 4 {
                    entry.value = .ipAddress(octets[0], octets[1], octets[2], octets[3])
                } else {
                    let parts = text.split(separator: ".").compactMap { UInt8($0) }
                    if parts.count == 4 { entry.value = .ipAddress(parts[0], parts[1], parts[2], parts[3]) }
                }
            case "65": entry.value = UInt32(text).map { .counter32($0) }
            case "66": entry.value = UInt32(text).map { .gauge32($0) }
            case "67": entry.value = UInt32(text).map { .timeTicks($0) }
            case "68": entry.value = .opaque(octets)
            case "70": entry.value = UInt64(text).map { .counter64($0) }
            default: entry.skipReason = "tag \(tag) not supported by this parser"
            }
            if entry.value == nil && entry.skipReason == nil {
                entry.skipReason = "value '\(raw)' is invalid for tag \(tag); snmpsim cannot serve it"
            }
            entries.append(entry)
        }
        return entries
    }

    /// snmpsim's `e` encoding, ported from its `evaluateRawString` as it behaves (an escaped
    /// backslash re-enters escape mode, so an escaped backslash before a quote yields only the quote).
    static func unescape(_ raw: [UInt8]) -> [UInt8]? {
        let escapes: [UInt8: UInt8] = [92: 92, 39: 39, 34: 34, 97: 7, 98: 8, 102: 12, 110: 10, 114: 13, 116: 9,
                                       118: 11]
        var out: [UInt8] = []
        var hexDigit: [UInt8]?
        var escape = false
        for char in raw {
            var number = char
            if let pending = hexDigit {
                if pending.isEmpty {
                    hexDigit = [char]
                    continue
                }
                guard let value = UInt8(String(decoding: pending + [char], as: UTF8.self), radix: 16) else { return nil }
                number = value
                hexDigit = nil
            }
            if escape {
                escape = false
                if let mapped = escapes[number] {
                    number = mapped
                } else if number == 120 {
                    hexDigit = []
                    continue
                } else {
                    return nil
                }
            }
            if number == 92 {
                escape = true
                continue
            }
            out.append(number)
        }
        return out
    }
}

func isPythonWhitespace(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0: return true
    default: return false
    }
}

enum Recordings {
    static var directory: String {
        if let path = ProcessInfo.processInfo.environment["SNMP_TEST_FIXTURES"] { return path }
        // Package root is three levels above this file; fixtures live beside the repository.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent("../shared/fixtures/snmp/librenms").standardized.path
    }

    static var names: [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let names = files.filter { $0.hasSuffix(".snmprec") }.map { String($0.dropLast(".snmprec".count)) }.sorted()
        return names.isEmpty ? ["<no recordings found in \(directory)>"] : names
    }
}

@Suite("snmpsim recordings")
struct SnmpsimRecordingTests {
    @Test(arguments: Recordings.names)
    func fullWalkEqualsRecording(_ name: String) async throws {
        let agent = try Peers.snmpsim()
        let path = Recordings.directory + "/" + name + ".snmprec"
        let text = try #require(try? String(contentsOfFile: path, encoding: .isoLatin1), "cannot read \(path)")
        let entries = SnmprecParser.parse(text)
        #expect(!entries.isEmpty)

        let client = try await SNMPClient.start()
        defer { Task { await client.close() } }
        let target = SNMPTarget(address: try SNMPTarget.parseAddress(agent), credentials: .v2c(community: name),
                                timeout: .seconds(3), retries: 3)
        let walked = try await client.walk([1], on: target, method: .getBulk(maxRepetitions: 20))
        let served = Dictionary(walked.map { ($0.oid, $0.value) }, uniquingKeysWith: { first, _ in first })

        var skipped: [String] = []
        var compared = 0
        for entry in entries {
            if let reason = entry.skipReason {
                skipped.append("\(entry.oid): \(reason)")
                continue
            }
            compared += 1
            #expect(served[entry.oid] == entry.value, "\(name) \(entry.oid)")
        }
        let recorded = Set(entries.map(\.oid))
        let extra = walked.filter { !recorded.contains($0.oid) }
        #expect(extra.isEmpty, "served but not recorded: \(extra.prefix(5))")
        #expect(walked.map(\.oid) == walked.map(\.oid).sorted())
        #expect(compared + skipped.count == entries.count)
        if !skipped.isEmpty {
            print("\(name): skipped \(skipped.count) entries snmpsim cannot serve: \(skipped.joined(separator: "; "))")
        }
    }
}
