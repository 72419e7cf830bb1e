import Foundation
import HTTPTypes
import OctoCore
import OctoTestSupport
import Testing

/// Each profile × each endpoint: the expected allow or deny, written out by hand.
@Suite struct RBACTests {
    struct Endpoint: Sendable, CustomStringConvertible {
        var method: HTTPRequest.Method
        var path: String
        var body: (@Sendable (String) -> String)?
        /// Allowed for: provider_admin, noc, technician, viewer.
        var allowed: Set<String>
        var description: String { "\(method) \(path)" }
    }

    static let all: Set<String> = ["provider_admin", "noc", "technician", "viewer"]

    static let matrix: [Endpoint] = [
        Endpoint(method: .get, path: "/api/v1/me", allowed: all),
        Endpoint(method: .get, path: "/api/v1/devices", allowed: all),
        Endpoint(method: .post, path: "/api/v1/devices", body: { #"{"name": "dev-\#($0)"}"# }, allowed: ["provider_admin", "noc", "technician"]),
        Endpoint(method: .get, path: "/api/v1/pops", allowed: all),
        Endpoint(method: .post, path: "/api/v1/pops", body: { #"{"name": "pop-\#($0)"}"# }, allowed: ["provider_admin", "noc"]),
        Endpoint(method: .get, path: "/api/v1/customers", allowed: all),
        Endpoint(method: .post, path: "/api/v1/customers", body: { #"{"name": "cust-\#($0)"}"# }, allowed: ["provider_admin", "noc"]),
        Endpoint(method: .get, path: "/api/v1/providers", allowed: ["provider_admin", "noc", "viewer"]),
        Endpoint(method: .post, path: "/api/v1/providers", body: { #"{"slug": "p-\#($0.replacingOccurrences(of: "_", with: "-"))", "name": "P"}"# }, allowed: []),
        Endpoint(method: .get, path: "/api/v1/users", allowed: ["provider_admin", "noc"]),
        Endpoint(method: .post, path: "/api/v1/users", body: { #"{"email": "new-\#($0)@alfa.test", "password": "long enough password", "role_key": "viewer"}"# },
                 allowed: ["provider_admin"]),
        Endpoint(method: .get, path: "/api/v1/roles", allowed: ["provider_admin", "noc"]),
        Endpoint(method: .post, path: "/api/v1/roles", body: { #"{"key": "custom_\#($0)", "name": "Custom", "permissions": ["devices.read"]}"# },
                 allowed: ["provider_admin"]),
        Endpoint(method: .get, path: "/api/v1/api-keys", allowed: ["provider_admin", "noc"]),
        Endpoint(method: .post, path: "/api/v1/api-keys", body: { #"{"name": "key-\#($0)", "role_key": "viewer"}"# }, allowed: ["provider_admin"]),
        Endpoint(method: .get, path: "/api/v1/audit", allowed: ["provider_admin", "noc"]),
        Endpoint(method: .get, path: "/api/v1/audit/verification", allowed: ["provider_admin", "noc"]),
    ]

    @Test func everyProfileOnEveryEndpoint() async throws {
        try await APIHarness.with { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            var tokens: [String: String] = [:]
            for role in [PredefinedRole.providerAdmin, .noc, .technician, .viewer] {
                try await harness.stack.makeUser("\(role.key)@alfa.test", role: role, provider: provider.id)
                tokens[role.key] = try await harness.login("\(role.key)@alfa.test")
            }
            try await harness.stack.makeUser("root@octoisp.test", role: .globalAdmin, provider: nil)
            let root = try await harness.login("root@octoisp.test")
            for endpoint in Self.matrix {
                for (role, token) in tokens.sorted(by: { $0.key < $1.key }) {
                    let response = try await harness.call(endpoint.method, endpoint.path, token: token, json: endpoint.body?(role))
                    if endpoint.allowed.contains(role) {
                        #expect((200..<300).contains(response.status.code), "\(role) should be allowed \(endpoint): \(response.status) \(String(describing: response.json))")
                    } else {
                        #expect(response.status == .forbidden, "\(role) should be denied \(endpoint): \(response.status)")
                        #expect(response.errorCode == "forbidden")
                    }
                }
                // The Global Admin may do everything, in the provider it names.
                let response = try await harness.call(endpoint.method, endpoint.path, token: root, provider: provider.id, json: endpoint.body?("root"))
                #expect((200..<300).contains(response.status.code), "global_admin should be allowed \(endpoint): \(response.status) \(String(describing: response.json))")
            }
        }
    }

    @Test func meReportsEffectivePermissionsWithGrantsAndRevocations() async throws {
        try await APIHarness.with { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            try await harness.stack.makeUser("admin@alfa.test", role: .providerAdmin, provider: provider.id)
            let admin = try await harness.login("admin@alfa.test")
            let created = try await harness.call(.post, "/api/v1/users", token: admin, json: """
                {"email": "tech@alfa.test", "password": "correct horse battery", "role_key": "technician",
                 "grants": ["reports.execute"], "revocations": ["devices.write"]}
                """)
            #expect(created.status == .created)
            let tech = try await harness.login("tech@alfa.test")
            let me = try await harness.call(.get, "/api/v1/me", token: tech)
            guard case .array(let permissions) = me["permissions"] else { Issue.record("no permissions"); return }
            let keys = permissions.compactMap { if case .string(let key) = $0 { key } else { nil } }
            #expect(keys.contains("reports.execute"))
            #expect(!keys.contains("devices.write"))
            // The revocation is enforced, not only reported.
            let denied = try await harness.call(.post, "/api/v1/devices", token: tech, json: #"{"name": "x"}"#)
            #expect(denied.status == .forbidden)
        }
    }

    @Test func nobodyGrantsWhatTheyDoNotHold() async throws {
        try await APIHarness.with { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            try await harness.stack.makeUser("admin@alfa.test", role: .providerAdmin, provider: provider.id)
            let admin = try await harness.login("admin@alfa.test")
            let escalation = try await harness.call(.post, "/api/v1/users", token: admin, json: """
                {"email": "x@alfa.test", "password": "correct horse battery", "role_key": "global_admin"}
                """)
            #expect(escalation.status == .forbidden)
            let grant = try await harness.call(.post, "/api/v1/roles", token: admin, json: #"{"key": "super", "name": "S", "permissions": ["providers.write"]}"#)
            #expect(grant.status == .forbidden)
        }
    }
}
