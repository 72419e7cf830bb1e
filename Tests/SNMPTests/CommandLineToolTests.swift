import Foundation
import OctoTestSupport
import Testing
@testable import SNMP

/// The command-line tools, as `octoisp snmp …` and as the standalone `octoisp-snmp …` (the same code in
/// a smaller binary), against snmpd and net-snmp's own tools.
@Suite("SNMP command-line tools", .serialized)
struct CommandLineToolTests {
    /// Both ways to run a tool: the platform binary's `snmp` command and the standalone binary built
    /// beside it.
    static func tools() throws -> [[String]] {
        let octoisp = try TestEnvironment.octoispBinary()
        let standalone = URL(fileURLWithPath: octoisp).deletingLastPathComponent().appendingPathComponent("octoisp-snmp").path
        try #require(FileManager.default.isExecutableFile(atPath: standalone),
                     "\(standalone) is missing: `make test` builds every product")
        return [[octoisp, "snmp"], [standalone]]
    }

    static let ifTable = "1.3.6.1.2.1.2.2"

    /// The printed OID and text of each line of net-snmp style output.
    static func lines(_ text: String) -> [(oid: String, text: String)] {
        text.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("."), let separator = line.range(of: " = ") else { return nil }
            return (String(line[..<separator.lowerBound]), String(line[separator.upperBound...]))
        }
    }

    @Test func bulkwalkPrintsTheVarbindsSnmpbulkwalkPrints() async throws {
        let agent = try Peers.snmpd()
        let theirs = Self.lines(try await runTool(["snmpbulkwalk", "-v2c", "-c", "public", "-Cr7", "-On", agent, Self.ifTable]))
        try #require(theirs.count > 20, "snmpd's ifTable should have rows")
        for tool in try Self.tools() {
            let run = try await ChildProcess.run(tool + ["bulkwalk", "-v", "2c", "-c", "public", "-Cr", "7", agent, Self.ifTable])
            #expect(run.succeeded, "\(tool.joined(separator: " ")) bulkwalk: \(run.termination) \(run.errors)")
            let ours = Self.lines(run.output)
            #expect(ours.map(\.oid) == theirs.map(\.oid), "\(tool.joined(separator: " "))")
            // Names, types and MTUs do not move while the walk runs; net-snmp prints them the same way.
            let stable = [".1.3.6.1.2.1.2.2.1.1.", ".1.3.6.1.2.1.2.2.1.2.", ".1.3.6.1.2.1.2.2.1.3.", ".1.3.6.1.2.1.2.2.1.4."]
            let pick = { (rows: [(oid: String, text: String)]) in
                rows.filter { row in stable.contains { row.oid.hasPrefix($0) } }.map { "\($0.oid) = \($0.text)" }
            }
            #expect(!pick(ours).isEmpty)
            #expect(pick(ours) == pick(theirs), "\(tool.joined(separator: " "))")
        }
    }

    /// A walk of a large recorded agent (snmpsimd: a Huawei SmartAX OLT, 3,700 instances that do not
    /// change) prints several writes' worth (64 KiB each) as it goes: the same instances as net-snmp, in
    /// the same order, and every value of the types both print alike the same, so no line was cut or
    /// lost at a write's boundary.
    @Test func aLongWalkIsPrintedWholeAsItArrives() async throws {
        let agent = try Peers.snmpsim()
        // net-snmp also prints the agent's end-of-view markers; they are not instances.
        let theirs = Self.lines(try await runTool(["snmpbulkwalk", "-v2c", "-c", "smartax", "-Cr25", "-On", agent, ".1"]))
            .filter { !$0.text.hasPrefix("No more variables") }
        try #require(theirs.count > 3000, "the smartax recording has thousands of instances")
        let alike = ["INTEGER:", "STRING:", "Counter32:", "Counter64:", "Gauge32:", "OID:", "IpAddress:"]
        for tool in try Self.tools() {
            let run = try await ChildProcess.run(tool + ["bulkwalk", "-c", "smartax", "-Cr", "25", agent, "1"])
            #expect(run.succeeded, "\(run.errors)")
            #expect(run.output.utf8.count > 2 << 16, "\(run.output.utf8.count) bytes")
            let ours = Self.lines(run.output)
            #expect(ours.count == theirs.count)
            let differing = zip(ours, theirs).filter { pair in
                pair.0.oid != pair.1.oid || (alike.contains { pair.1.text.hasPrefix($0) } && pair.0.text != pair.1.text)
            }
            #expect(differing.isEmpty, "\(differing.count) lines differ, the first: \(differing.first.map { "\($0.0) against \($0.1)" } ?? "")")
        }
    }

    /// Walking an instance prints the instance itself, as snmpwalk does.
    @Test func walkingAnInstancePrintsIt() async throws {
        let agent = try Peers.snmpd()
        let theirs = Self.lines(try await runTool(["snmpwalk", "-v2c", "-c", "public", "-On", agent, "1.3.6.1.2.1.1.5.0"]))
        try #require(theirs.count == 1)
        for tool in try Self.tools() {
            for command in ["walk", "bulkwalk"] {
                let run = try await ChildProcess.run(tool + [command, "-c", "public", agent, "1.3.6.1.2.1.1.5.0"])
                let ours = Self.lines(run.output)
                #expect(ours.map { "\($0.oid) = \($0.text)" } == theirs.map { "\($0.oid) = \($0.text)" })
            }
        }
    }

    @Test func jsonOutputHasOneObjectPerVarbind() async throws {
        let agent = try Peers.snmpd()
        let theirs = Self.lines(try await runTool(["snmpbulkwalk", "-v2c", "-c", "public", "-On", agent, "1.3.6.1.2.1.1"]))
        for tool in try Self.tools() {
            let run = try await ChildProcess.run(tool + ["bulkwalk", "--json", "-c", "public", agent, "1.3.6.1.2.1.1"])
            #expect(run.succeeded, "\(run.errors)")
            let objects = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [[String: Any]])
            #expect(objects.compactMap { $0["oid"] as? String }.map { "." + $0 } == theirs.map(\.oid))
            let sysDescr = try #require(objects.first)
            #expect(sysDescr["type"] as? String == "STRING")
            let text = try #require((sysDescr["value"] as? [String: Any])?["text"] as? String)
            #expect("STRING: \"\(text)\"" == theirs.first?.text)
        }
    }

    @Test func badInputAndAnAgentThatDoesNotAnswerFailWithAClearMessage() async throws {
        let silent = "127.0.0.1:\(TestEnvironment.freeTCPPort())"
        for tool in try Self.tools() {
            let badOID = try await ChildProcess.run(tool + ["get", "-c", "public", "127.0.0.1", "sysDescr.0"])
            #expect(!badOID.succeeded)
            #expect(badOID.errors.contains("'sysDescr.0' is not a numeric OID"), "\(badOID.errors)")

            let badVersion = try await ChildProcess.run(tool + ["get", "-v", "4", "127.0.0.1", "1.3.6.1.2.1.1.1.0"])
            #expect(!badVersion.succeeded)
            #expect(badVersion.errors.contains("unknown version '4'"), "\(badVersion.errors)")

            let timeout = try await ChildProcess.run(tool + ["get", "-t", "0.2", "-r", "0", silent, "1.3.6.1.2.1.1.1.0"])
            #expect(timeout.termination == .exited(1))
            #expect(timeout.errors.contains("Timeout"), "\(timeout.errors)")
            #expect(timeout.output.isEmpty)
        }
    }
}
