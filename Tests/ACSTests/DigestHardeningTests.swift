@testable import ACS
import CPESimulator
import CWMP
import Foundation
import OctoCore
import OctoStore
import OctoTestSupport
import Testing

/// Digest nonces used once (per increasing `nc`), `stale=true` on expired nonces, and the in-memory
/// throttle of failed authentications, through the real CWMP server.
@Suite(.serialized) struct DigestHardeningTests {
    /// The parameters of the Digest challenge in a 401.
    static func challenge(_ answer: RawHTTP.Answer) throws -> [String: String] {
        #expect(answer.status == 401)
        let header = try #require(answer.headers["www-authenticate"], "a challenge")
        let digest = try #require(header.range(of: "Digest ").map { String(header[$0.upperBound...]) })
        return HTTPAuthenticator.parseParameters(digest)
    }

    static func authorization(_ challenge: [String: String], uri: String, nc: Int, cnonce: String = "0a4f113b",
                              username: String = "cpe", password: String = ACSHarness.password) -> String {
        let ncText = String(format: "%08x", nc)
        let ha1 = HTTPAuthenticator.md5("\(username):\(challenge["realm"]!):\(password)")
        let ha2 = HTTPAuthenticator.md5("POST:\(uri)")
        let response = HTTPAuthenticator.md5("\(ha1):\(challenge["nonce"]!):\(ncText):\(cnonce):auth:\(ha2)")
        return #"Digest username="\#(username)", realm="\#(challenge["realm"]!)", nonce="\#(challenge["nonce"]!)", uri="\#(uri)", algorithm=MD5, qop=auth, nc=\#(ncText), cnonce="\#(cnonce)", response="\#(response)""#
    }

    static func cookie(_ answer: RawHTTP.Answer) -> String? {
        answer.headers["set-cookie"]?.split(separator: ";").first.map(String.init)
    }

    @Test func aCapturedAuthenticatedInformReplayedGets401() async throws {
        try await ACSHarness.with { harness in
            let url = harness.url()
            let body = RawHTTP.inform(serial: "REPLAY1")
            let challenge = try Self.challenge(try await RawHTTP.post(url, body: body))
            // The CPE's real authenticated Inform, as a listener on the path would capture it.
            let captured = Self.authorization(challenge, uri: url.path, nc: 1)
            let first = try await RawHTTP.post(url, body: body, authorization: captured)
            #expect(first.status == 200)
            try await RawHTTP.finish(url, cookie: try #require(Self.cookie(first)))
            let informs = try await harness.count("cwmp_informs")

            let replay = try await RawHTTP.post(url, body: body, authorization: captured)
            #expect(replay.status == 401, "the replayed request opened a session: \(replay.status)")
            #expect(!(replay.headers["www-authenticate"] ?? "").contains("stale=true"))
            #expect(try await harness.count("cwmp_informs") == informs, "the replay stored nothing")

            // The same nonce with a higher nc is the CPE's own next request: accepted; a lower or equal one is not.
            let next = try await RawHTTP.post(url, body: RawHTTP.inform(serial: "REPLAY1", events: ["2 PERIODIC"]),
                                              authorization: Self.authorization(challenge, uri: url.path, nc: 3, cnonce: "77aa"))
            #expect(next.status == 200)
            try await RawHTTP.finish(url, cookie: try #require(Self.cookie(next)))
            let lower = try await RawHTTP.post(url, body: RawHTTP.inform(serial: "REPLAY1", events: ["2 PERIODIC"]),
                                               authorization: Self.authorization(challenge, uri: url.path, nc: 2, cnonce: "88bb"))
            #expect(lower.status == 401, "nc must increase")
            // The Digest simulator still runs sessions after sessions.
            var cpe = SimulatedCPE(model: try Fixtures.model("device-H199Z.csv"))
            _ = try await harness.runner(.digest).run(&cpe)
            _ = try await harness.runner(.digest).run(&cpe)
        }
    }

    @Test func anExpiredNonceIsAnsweredStale() async throws {
        try await ACSHarness.with { harness in
            let url = harness.url()
            let body = RawHTTP.inform(serial: "STALE1")
            let challenge = try Self.challenge(try await RawHTTP.post(url, body: body))
            harness.stack.clock.advance(by: 301)
            let stale = try await RawHTTP.post(url, body: body, authorization: Self.authorization(challenge, uri: url.path, nc: 1))
            #expect(stale.status == 401)
            #expect(stale.headers["www-authenticate"]?.contains("stale=true") == true)
            let wrong = try await RawHTTP.post(url, body: body, authorization: Self.authorization(challenge, uri: url.path, nc: 1, password: "wrong-password"))
            #expect(wrong.status == 401)
            #expect(wrong.headers["www-authenticate"]?.contains("stale=true") == false, "stale only for a right response")
            let fresh = try Self.challenge(stale)
            let ok = try await RawHTTP.post(url, body: body, authorization: Self.authorization(fresh, uri: url.path, nc: 1))
            #expect(ok.status == 200)
        }
    }

    static func post(_ harness: ACSHarness, from source: String, username: String, password: String) async throws -> Int {
        let url = harness.url()
        let answer = try await HTTPExchange.post(host: "127.0.0.1", port: url.port!, path: url.path,
                                                 headers: [("Authorization", RawHTTP.basic(username, password))],
                                                 body: Array(RawHTTP.inform(serial: "T-\(source)").utf8), source: source)
        return answer.status
    }

    @Test func failedAuthenticationsAreThrottledWithoutReadingCredentials() async throws {
        var configuration = ACSConfiguration()
        configuration.authFailuresPerAddress = 5
        configuration.authFailuresPerUsername = 4
        try await ACSHarness.with(configuration: configuration) { harness in
            let engine = harness.engine
            // Per user name: guesses from many addresses.
            for index in 0..<4 {
                do {
                    let status = try await Self.post(harness, from: "127.3.0.\(10 + index)", username: "cpe", password: "guess-\(index)")
                    #expect(status == 401)
                }
            }
            let reads = engine.credentialReads.load(ordering: .relaxed)
            for index in 0..<6 {
                do {
                    let status = try await Self.post(harness, from: "127.3.1.\(10 + index)", username: "cpe", password: "guess-x\(index)")
                    #expect(status == 503)
                }
            }
            #expect(engine.credentialReads.load(ordering: .relaxed) == reads, "throttled guesses read no credential")
            // Even the right password waits out the window for that user name; other users are not affected.
            do {
                let status = try await Self.post(harness, from: "127.3.2.1", username: "cpe", password: ACSHarness.password)
                #expect(status == 503)
            }
            // Per address: many user names from one address.
            for index in 0..<5 {
                do {
                    let status = try await Self.post(harness, from: "127.3.9.9", username: "user\(index)", password: "guess-guess")
                    #expect(status == 401)
                }
            }
            do {
                let status = try await Self.post(harness, from: "127.3.9.9", username: "user-new", password: "guess-guess")
                #expect(status == 503)
            }
            do {
                let status = try await Self.post(harness, from: "127.3.9.8", username: "user-new", password: "guess-guess")
                #expect(status == 401)
            }
            // After the window both open again.
            harness.stack.clock.advance(by: 61)
            do {
                let status = try await Self.post(harness, from: "127.3.2.1", username: "cpe", password: ACSHarness.password)
                #expect(status == 200)
            }
            // Idle keys are evicted by the sweeper.
            #expect(engine.throttle.count > 0)
            harness.stack.clock.advance(by: 61)
            await engine.sweep()
            #expect(engine.throttle.count == 0)
        }
    }

    @Test func throttleAndLedgerStayBounded() {
        let now = Date(timeIntervalSince1970: 1_750_000_000)
        let throttle = AuthFailureThrottle(perAddress: 3, perUsername: 3, capacity: 100)
        for index in 0..<1_000 {
            throttle.failed(address: "10.0.\(index / 256).\(index % 256)", provider: UUID(), username: nil, now: now.addingTimeInterval(Double(index)))
        }
        #expect(throttle.count <= 100)
        let ledger = NonceLedger(lifetime: 10, capacity: 50)
        for index in 0..<50 { #expect(ledger.use("n\(index)", count: 1, issued: now, now: now)) }
        #expect(!ledger.use("full", count: 1, issued: now, now: now), "a full ledger refuses rather than forgets a live nonce")
        #expect(ledger.use("later", count: 1, issued: now.addingTimeInterval(20), now: now.addingTimeInterval(20)), "expired nonces make room")
        #expect(ledger.count == 1)
        #expect(!ledger.use("later", count: 1, issued: now, now: now.addingTimeInterval(20)))
        #expect(ledger.use("later", count: 2, issued: now, now: now.addingTimeInterval(20)))
    }
}
