import Foundation
import OctoTestSupport
import Testing

/// `octoisp snmp identify` against snmpsimd.
@Suite struct IdentifyCommandTests {
    @Test func identifyPrintsTheIdentityAndWithPollTheReadings() async throws {
        let agent = try Agents.require("SNMP_TEST_SNMPSIM")
        let run = try await ChildProcess.octoisp(["snmp", "identify", "-c", "smartax", "--poll", "--collectors", "system,optics", agent])
        try #require(run.succeeded, "\(run.termination): \(run.errors)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        let identity = try #require(json["identity"] as? [String: Any])
        #expect(identity["profile"] as? String == "huawei-smartax")
        #expect((identity["reason"] as? String)?.hasPrefix("profile huawei-smartax match[") == true)
        let poll = try #require(json["poll"] as? [String: Any])
        #expect((poll["optics"] as? [Any])?.count == 32)
        #expect((poll["interfaces"] as? [Any])?.isEmpty == true)

        // A device no profile knows: the reason says so, and where (if anywhere) the vendor came from.
        let unknown = try await ChildProcess.octoisp(["snmp", "identify", "-c", "entity-sensors", agent])
        try #require(unknown.succeeded, "\(unknown.termination): \(unknown.errors)")
        let unknownJSON = try #require(try JSONSerialization.jsonObject(with: Data(unknown.output.utf8)) as? [String: Any])
        let unknownIdentity = try #require(unknownJSON["identity"] as? [String: Any])
        #expect(unknownIdentity["profile"] as? String == "generic")
        #expect((unknownIdentity["reason"] as? String)?.hasPrefix("no profile rule matched (sysObjectID 1.3.6.1.4.1.99999.1") == true)

        let bad = try await ChildProcess.octoisp(["snmp", "identify", "--poll", "--collectors", "telepathy", agent])
        #expect(!bad.succeeded)
        #expect(bad.errors.contains("unknown collector"))
    }
}
