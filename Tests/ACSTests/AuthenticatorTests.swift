import ACS
import Foundation
import OctoCore
import Testing

@Suite struct AuthenticatorTests {
    let clock = ManualWallClock(Date(timeIntervalSince1970: 1_750_000_000))

    func credential(_ authenticator: HTTPAuthenticator) -> CWMPCredential {
        let material = HTTPAuthenticator.hashes(username: "cpe", password: "pass-word-1", realm: authenticator.realm)
        return CWMPCredential(id: UUID(), providerID: UUID(), deviceID: nil, username: "cpe", salt: material.salt,
                              passwordHash: material.hash, digestHA1: material.ha1, realm: authenticator.realm)
    }

    func digest(_ authenticator: HTTPAuthenticator, nonce: String, uri: String = "/cwmp/acme", password: String = "pass-word-1") -> String {
        let ha1 = HTTPAuthenticator.md5("cpe:\(authenticator.realm):\(password)")
        let ha2 = HTTPAuthenticator.md5("POST:\(uri)")
        let response = HTTPAuthenticator.md5("\(ha1):\(nonce):00000001:abc:auth:\(ha2)")
        return #"Digest username="cpe", realm="\#(authenticator.realm)", nonce="\#(nonce)", uri="\#(uri)", qop=auth, nc=00000001, cnonce="abc", response="\#(response)", algorithm=MD5"#
    }

    @Test func basicAndDigest() throws {
        let authenticator = HTTPAuthenticator(realm: "OctoISP ACS", nonceLifetime: 300, clock: clock)
        let stored = credential(authenticator)
        let basic = try #require(HTTPAuthenticator.claim(from: "Basic " + Data("cpe:pass-word-1".utf8).base64EncodedString()))
        #expect(authenticator.verify(basic, against: stored, method: "POST", requestURI: "/cwmp/acme"))
        let wrong = try #require(HTTPAuthenticator.claim(from: "Basic " + Data("cpe:pass-word-2".utf8).base64EncodedString()))
        #expect(!authenticator.verify(wrong, against: stored, method: "POST", requestURI: "/cwmp/acme"))
        let nonce = authenticator.makeNonce()
        let good = try #require(HTTPAuthenticator.claim(from: digest(authenticator, nonce: nonce)))
        #expect(authenticator.verify(good, against: stored, method: "POST", requestURI: "/cwmp/acme"))
        #expect(!authenticator.verify(good, against: stored, method: "POST", requestURI: "/cwmp/other"), "uri must match the request")
        let badPassword = try #require(HTTPAuthenticator.claim(from: digest(authenticator, nonce: nonce, password: "nope-nope")))
        #expect(!authenticator.verify(badPassword, against: stored, method: "POST", requestURI: "/cwmp/acme"))
        let forged = try #require(HTTPAuthenticator.claim(from: digest(authenticator, nonce: "6b06f5fa-00000000000000000000000000000000")))
        #expect(!authenticator.verify(forged, against: stored, method: "POST", requestURI: "/cwmp/acme"), "nonce not signed by us")
        clock.advance(by: 301)
        #expect(!authenticator.verify(good, against: stored, method: "POST", requestURI: "/cwmp/acme"), "nonce expired")
    }

    @Test func noncesAreUniqueAndExpiredOnesAreStale() throws {
        let authenticator = HTTPAuthenticator(realm: "OctoISP ACS", nonceLifetime: 300, clock: clock)
        let stored = credential(authenticator)
        let first = authenticator.makeNonce()
        #expect(first != authenticator.makeNonce(), "two challenges in the same second get different nonces")
        let good = try #require(HTTPAuthenticator.claim(from: digest(authenticator, nonce: first)))
        #expect(authenticator.check(good, against: stored, method: "POST", requestURI: "/cwmp/acme") == .accepted)
        let tampered = first.replacingOccurrences(of: first.split(separator: "-")[1], with: "0000000000000000")
        let forged = try #require(HTTPAuthenticator.claim(from: digest(authenticator, nonce: tampered)))
        #expect(authenticator.check(forged, against: stored, method: "POST", requestURI: "/cwmp/acme") == .rejected)
        clock.advance(by: 301)
        #expect(authenticator.check(good, against: stored, method: "POST", requestURI: "/cwmp/acme") == .stale)
        let wrong = try #require(HTTPAuthenticator.claim(from: digest(authenticator, nonce: first, password: "nope-nope")))
        #expect(authenticator.check(wrong, against: stored, method: "POST", requestURI: "/cwmp/acme") == .rejected)
    }

    @Test func parsesQuotedParameters() {
        let parameters = HTTPAuthenticator.parseParameters(#"username="a,b", realm="R \"x\"", nc=00000001, qop=auth"#)
        #expect(parameters["username"] == "a,b")
        #expect(parameters["realm"] == #"R "x""#)
        #expect(parameters["nc"] == "00000001")
        #expect(parameters["qop"] == "auth")
        #expect(HTTPAuthenticator.claim(from: "Bearer xyz") == nil)
        #expect(HTTPAuthenticator.claim(from: "Basic !!!") == nil)
    }

    @Test func sessionCookieAmongOthers() {
        #expect(ACSEngine.sessionToken(in: ["a=1; octoisp_cwmp=abc; b=2"]) == "abc")
        #expect(ACSEngine.sessionToken(in: ["a=1, octoisp_cwmp=\"def\""]) == "def")
        #expect(ACSEngine.sessionToken(in: ["x=1", "octoisp_cwmp=ghi"]) == "ghi")
        #expect(ACSEngine.sessionToken(in: ["octoisp_cwmp="]) == nil)
        #expect(ACSEngine.sessionToken(in: ["octoisp_cwmp=\"\""]) == nil, "quotes around nothing")
        #expect(ACSEngine.sessionToken(in: ["a=1;\t octoisp_cwmp=jkl  ; b=2"]) == "jkl", "blanks around the pair")
        #expect(ACSEngine.sessionToken(in: ["xoctoisp_cwmp=mno", "octoisp_cwmpx=pqr"]) == nil, "only the exact name")
    }

    @Test func authorizationSchemesInAnyCaseAndWithBlanks() {
        let token = Data("cpe:pass:word".utf8).base64EncodedString()
        for header in ["Basic \(token)", "BASIC \(token)", "  basic \(token)  ", "bAsIc   \(token)"] {
            #expect(HTTPAuthenticator.claim(from: header) == .basic(username: "cpe", password: "pass:word"), "\(header)")
        }
        #expect(HTTPAuthenticator.claim(from: "Basi") == nil)
        #expect(HTTPAuthenticator.claim(from: "Bearer \(token)") == nil)
        #expect(HTTPAuthenticator.claim(from: "Basic !!!") == nil, "not base64")
        if case .digest(let username, _)? = HTTPAuthenticator.claim(from: "DIGEST username=\"cpe\", realm=\"r\"") {
            #expect(username == "cpe")
        } else {
            Issue.record("a Digest header in capitals is a Digest claim")
        }
    }
}
