import Foundation
import NetTools
import OctoCore
import OctoTestSupport
import Testing

/// Discovery ranges and SNMP devices added by hand stay out of the ranges the platform never
/// contacts (`OCTOISP_OUTBOUND_DENY`, the same list as connection requests and network tools).
@Suite struct OutboundDenyAPITests {
    @Test func deniedRangesAreRefusedForDiscoveryAndManualDevices() async throws {
        try await APIHarness.with { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            try await harness.stack.makeUser("admin@alfa.test", role: .providerAdmin, provider: provider.id)
            let token = try await harness.login("admin@alfa.test")
            let pop = try #require(try await harness.call(.post, "/api/v1/pops", token: token, json: #"{"name": "Centro"}"#).string("id"))
            for address in ["127.0.0.1", "169.254.169.254", "224.0.0.1"] {
                let device = try await harness.call(.post, "/api/v1/snmp/devices", token: token, json: #"{"address": "\#(address)", "pop_id": "\#(pop)"}"#)
                #expect(device.status == .badRequest, "\(address): \(device.status)")
                #expect(device.errorField == "address")
            }
            for cidr in ["127.0.0.0/28", "169.254.0.0/28", "127.0.0.128/25"] {
                let range = try await harness.call(.post, "/api/v1/snmp/discovery-ranges", token: token, json: #"{"pop_id": "\#(pop)", "cidr": "\#(cidr)"}"#)
                #expect(range.status == .badRequest, "\(cidr): \(range.status)")
                #expect(range.errorField == "cidr")
            }
            // Nothing was stored; addresses outside the denied ranges are accepted.
            #expect(try await harness.call(.get, "/api/v1/snmp/devices", token: token).items.isEmpty)
            #expect(try await harness.call(.get, "/api/v1/snmp/discovery-ranges", token: token).items.isEmpty)
            #expect(try await harness.call(.post, "/api/v1/snmp/devices", token: token, json: #"{"address": "127.1.0.20", "pop_id": "\#(pop)"}"#).status == .created)
            #expect(try await harness.call(.post, "/api/v1/snmp/discovery-ranges", token: token, json: #"{"pop_id": "\#(pop)", "cidr": "127.1.3.0/24"}"#).status == .created)
        }
    }

    @Test func theOperatorsListReplacesTheDefaults() async throws {
        let policy = DenyListPolicy(environment: ["OCTOISP_OUTBOUND_DENY": "127.1.5.0/24"])
        try await APIHarness.with(configure: { $0.outboundDeny = policy }) { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            try await harness.stack.makeUser("admin@alfa.test", role: .providerAdmin, provider: provider.id)
            let token = try await harness.login("admin@alfa.test")
            let pop = try #require(try await harness.call(.post, "/api/v1/pops", token: token, json: #"{"name": "Centro"}"#).string("id"))
            let denied = try await harness.call(.post, "/api/v1/snmp/devices", token: token, json: #"{"address": "127.1.5.9", "pop_id": "\#(pop)"}"#)
            #expect(denied.status == .badRequest)
            #expect(denied.errorField == "address")
            let range = try await harness.call(.post, "/api/v1/snmp/discovery-ranges", token: token, json: #"{"pop_id": "\#(pop)", "cidr": "127.1.5.128/25"}"#)
            #expect(range.status == .badRequest)
            #expect(range.errorField == "cidr")
            #expect(try await harness.call(.post, "/api/v1/snmp/devices", token: token, json: #"{"address": "127.1.6.9", "pop_id": "\#(pop)"}"#).status == .created)
        }
    }
}
