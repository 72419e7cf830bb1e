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
        let poll = try #require(json["poll"] as? [String: Any])
        #expect((poll["optics"] as? [Any])?.count == 32)
        #expect((poll["interfaces"] as? [Any])?.isEmpty == true)

        let bad = try await ChildProcess.octoisp(["snmp", "identify", "--poll", "--collectors", "telepathy", agent])
        #expect(!bad.succeeded)
        #expect(bad.errors.contains("unknown collector"))
    }
}
