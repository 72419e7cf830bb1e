import Foundation
import HTTPTypes
import NetTools
import OctoCore
import OctoTestSupport
import Testing

/// Every answer of the API port carries the security headers; token answers are never stored; HSTS
/// only when the request came over TLS.
@Suite struct SecurityHeaderTests {
    static func expectCommonHeaders(_ response: APIResponse, _ what: String) {
        #expect(response.headers[field("X-Content-Type-Options")] == "nosniff", "\(what)")
        #expect(response.headers[field("Referrer-Policy")] == "no-referrer", "\(what)")
        #expect(response.headers[field("X-Frame-Options")] == "DENY", "\(what)")
        #expect(response.headers[field("Content-Security-Policy")]?.contains("frame-ancestors 'none'") == true, "\(what)")
    }

    @Test func everyAnswerCarriesTheHeadersAndTokenAnswersAreNotStored() async throws {
        try await APIHarness.with { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            try await harness.stack.makeUser("admin@alfa.test", role: .providerAdmin, provider: provider.id)
            let login = try await harness.call(.post, "/api/v1/auth/login", json: #"{"email": "admin@alfa.test", "password": "correct horse battery"}"#)
            #expect(login.status == .ok)
            Self.expectCommonHeaders(login, "login")
            #expect(login.headers[.cacheControl] == "no-store")
            let token = try #require(login.string("access_token"))
            let refresh = try await harness.call(.post, "/api/v1/auth/refresh", json: #"{"refresh_token": "\#(try #require(login.string("refresh_token")))"}"#)
            #expect(refresh.status == .ok)
            #expect(refresh.headers[.cacheControl] == "no-store")
            let key = try await harness.call(.post, "/api/v1/api-keys", token: token, json: #"{"name": "ERP", "role_key": "viewer"}"#)
            #expect(key.status == .created)
            #expect(key.headers[.cacheControl] == "no-store")
            let setup = try await harness.call(.post, "/api/v1/auth/totp/setup", token: token)
            #expect(setup.headers[.cacheControl] == "no-store")
            // Ordinary answers, errors and unknown paths carry the headers too; none gets HSTS over plain HTTP.
            let list = try await harness.call(.get, "/api/v1/devices", token: token)
            let denied = try await harness.call(.get, "/api/v1/devices")
            let unknown = try await harness.call(.get, "/api/v1/no-such-thing")
            let health = try await harness.call(.get, "/health")
            for (what, response) in [("list", list), ("401", denied), ("404", unknown), ("health", health), ("login", login)] {
                Self.expectCommonHeaders(response, what)
                #expect(response.headers[field("Strict-Transport-Security")] == nil, "\(what)")
            }
            #expect(denied.status == .unauthorized && unknown.status == .notFound)
        }
    }

    @Test func hstsOnlyWhenATrustedProxySaysHTTPS() async throws {
        try await APIHarness.with(configure: { $0.trustedProxies = ["127.0.0.1/32"].compactMap(IPNetwork.init) }) { harness in
            let https = try await harness.call(.get, "/health", headers: [field("X-Forwarded-Proto"): "https"])
            #expect(https.headers[field("Strict-Transport-Security")]?.hasPrefix("max-age=") == true)
            let http = try await harness.call(.get, "/health", headers: [field("X-Forwarded-Proto"): "http"])
            #expect(http.headers[field("Strict-Transport-Security")] == nil)
        }
        // From a peer that is no trusted proxy, the header is a client's claim and earns nothing.
        try await APIHarness.with { harness in
            let spoofed = try await harness.call(.get, "/health", headers: [field("X-Forwarded-Proto"): "https"])
            #expect(spoofed.headers[field("Strict-Transport-Security")] == nil)
        }
    }

    @Test func theListenerServingTLSSendsHSTS() async throws {
        try await APIHarness.with(configure: { $0.servesTLS = true }) { harness in
            let response = try await harness.call(.get, "/api/v1/devices")
            #expect(response.headers[field("Strict-Transport-Security")] == "max-age=31536000; includeSubDomains")
        }
    }
}

/// A header name.
private func field(_ name: String) -> HTTPField.Name { HTTPField.Name(name)! }
