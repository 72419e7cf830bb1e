import ACS
import CPESimulator
import Foundation
import OctoCore
import OctoTestSupport
import Testing

/// A CPE names its own ConnectionRequestURL: the ACS must not be turned into a proxy to the platform's
/// own services or anyone else's network, nor hand the connection-request password to a Basic challenge.
@Suite(.serialized) struct OutboundPolicyTests {
    static func target(_ url: String, from source: String?, policy: OutboundPolicy = OutboundPolicy(),
                       resolve: @escaping (String) async throws -> [String] = { _ in [] }) async -> String? {
        try? await policy.target(for: URL(string: url)!, informedFrom: source, resolve: resolve)
    }

    @Test func onlyTheAddressTheCPEInformsFromIsContacted() async {
        #expect(await Self.target("http://127.2.0.5:7547/cr", from: "127.2.0.5") == "127.2.0.5")
        #expect(await Self.target("http://127.2.0.6:7547/cr", from: "127.2.0.5") == nil, "another device's address")
        #expect(await Self.target("http://127.0.0.1:5432/", from: "127.2.0.5") == nil, "the platform's PostgreSQL")
        #expect(await Self.target("http://127.0.0.1:7547/", from: "127.0.0.1") == nil, "loopback services are denied even from themselves")
        #expect(await Self.target("http://169.254.169.254/latest/meta-data", from: "169.254.169.254") == nil, "link-local")
        #expect(await Self.target("http://[::1]:8080/", from: "::1") == nil)
        #expect(await Self.target("http://[::ffff:127.0.0.1]:8080/", from: "127.2.0.5") == nil, "an IPv4-mapped loopback address")
        #expect(await Self.target("https://127.2.0.5/", from: "127.2.0.5") == nil, "http only")
        #expect(await Self.target("http://127.2.0.5/", from: nil) == nil, "no known source")
    }

    @Test func allowedRangesAndPinnedNames() async {
        let policy = OutboundPolicy(deny: OutboundPolicy.defaultDeny, allow: [OutboundPolicy.CIDR("10.20.0.0/16")!])
        #expect(await Self.target("http://10.20.3.4:7547/", from: "203.0.113.9", policy: policy) == "10.20.3.4", "a management network")
        #expect(await Self.target("http://10.21.3.4:7547/", from: "203.0.113.9", policy: policy) == nil)
        // A name is resolved once; the request goes to the address that passed.
        #expect(await Self.target("http://cpe.example:7547/", from: "127.2.0.5", resolve: { _ in ["127.2.0.9", "127.2.0.5"] }) == "127.2.0.5")
        #expect(await Self.target("http://rebind.example/", from: "127.2.0.5", resolve: { _ in ["127.0.0.1"] }) == nil, "a name pointing inside")
        #expect(OutboundPolicy.CIDR("300.1.1.1/8") == nil && OutboundPolicy.CIDR("10.0.0.0/33") == nil)
        let configured = OutboundPolicy(environment: ["OCTOISP_OUTBOUND_DENY": "127.2.0.0/16", "OCTOISP_CR_ALLOW": "10.0.0.0/8"],
                                        listenHosts: ["127.3.0.1", "0.0.0.0"])
        #expect(configured.deny.map(\.description) == ["127.2.0.0/16", "127.3.0.1/32"])
        #expect(configured.allow.map(\.description) == ["10.0.0.0/8"])
    }

    /// Through the real ACS: a simulated CPE at 127.2.x.y that reports the platform's PostgreSQL port on
    /// 127.0.0.1 as its URL gets no request there; one reporting another address is refused too.
    @Test func aHostileURLIsNeverContacted() async throws {
        try await TaskHarness.with(worker: false) { harness in
            let host = "127.2.\(Int.random(in: 0...255)).\(Int.random(in: 1...254))"
            let inside = try await ServerSocket.silent(host: "127.0.0.1")
            defer { inside.close() }
            let elsewhere = try await ServerSocket.silent(host: "127.2.250.250")
            defer { elsewhere.close() }
            let cpe = try harness.device(listening: true, host: host)
            await cpe.setConnectionRequestURL("http://127.0.0.1:\(inside.port)/")
            let device = try await harness.register(cpe)
            guard case .failed(let why) = await harness.requester.request(device: device, provider: harness.provider.id) else {
                Issue.record("the request was sent")
                return
            }
            #expect(why.contains("denied range"), "\(why)")
            #expect(!inside.wasContacted)
            harness.stack.clock.advance(by: 60)
            await cpe.setConnectionRequestURL("http://127.2.250.250:\(elsewhere.port)/")
            try await cpe.runSession()
            guard case .failed(let why2) = await harness.requester.request(device: device, provider: harness.provider.id) else {
                Issue.record("the request was sent")
                return
            }
            #expect(why2.contains("not the address the CPE informs from"), "\(why2)")
            #expect(!elsewhere.wasContacted)
            let source = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT host(external_ip) FROM cwmp_devices WHERE device_id = \(device)").values(String.self)
            }
            #expect(source == [host], "the Inform's source is recorded")
        }
    }

    /// A CPE endpoint that asks for Basic gets no credentials: only Digest is answered.
    @Test func aBasicChallengeIsNotAnswered() async throws {
        try await TaskHarness.with(worker: false) { harness in
            let host = "127.2.\(Int.random(in: 0...255)).\(Int.random(in: 1...254))"
            let server = try await BasicChallenger(host: host)
            defer { server.close() }
            let cpe = try harness.device(listening: true, host: host)
            await cpe.setConnectionRequestURL("http://\(host):\(server.socket.port)/cr")
            let device = try await harness.register(cpe)
            let outcome = await harness.requester.request(device: device, provider: harness.provider.id)
            // 401 refused; on a loaded machine the 2 s deadline may end it first. Never accepted, never a second GET.
            #expect(outcome == .refused(status: 401) || { if case .failed = outcome { return true } else { return false } }(), "\(outcome)")
            #expect(server.received.count <= 1, "one unauthenticated GET, no second attempt")
            #expect(server.received.allSatisfy { !$0.lowercased().contains("authorization:") })
        }
    }
}
