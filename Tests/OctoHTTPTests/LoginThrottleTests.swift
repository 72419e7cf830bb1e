import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NetTools
import NIOCore
import OctoCore
import OctoStore
import OctoTestSupport
import PostgresNIO
import Testing

/// Sign-in throttling through the real server: parallel guesses all count, the client address
/// comes from `X-Forwarded-For` only behind trusted proxies, and a throttled source does not lock
/// the account's owner out.
@Suite struct LoginThrottleTests {
    static let wrong = #"{"email": "noc@alfa.test", "password": "not the password"}"#
    static let right = #"{"email": "noc@alfa.test", "password": "correct horse battery"}"#

    /// A sign-in on a connection of its own, so requests really run in parallel.
    static func login(port: Int, body: String, forwardedFor: String? = nil) async throws -> HTTPResponse {
        try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
            var headers: HTTPFields = [.contentType: "application/json"]
            if let forwardedFor { headers[HTTPField.Name("X-Forwarded-For")!] = forwardedFor }
            return try await client.execute(TestClient.Request("/api/v1/auth/login", method: .post, headers: headers,
                                                               body: ByteBuffer(string: body))).head
        }
    }

    @Test func parallelWrongGuessesAllCount() async throws {
        try await APIHarness.with { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            try await harness.stack.makeUser("noc@alfa.test", role: .noc, provider: provider.id)
            let port = try #require(harness.client.port)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.self) { group in
                for _ in 0..<20 { group.addTask { try await Self.login(port: port, body: Self.wrong) } }
                var all: [HTTPResponse] = []
                for try await response in group { all.append(response) }
                return all
            }
            // Five guesses per account and address are checked; the other fifteen are refused unchecked.
            #expect(statuses.filter { $0.status == .unauthorized }.count == 5)
            let throttled = statuses.filter { $0.status == .tooManyRequests }
            #expect(throttled.count == 15)
            #expect(throttled.allSatisfy { ($0.headerFields[.retryAfter].flatMap(Int.init) ?? 0) > 0 })
            // Every attempt is in the counters, and none of them holds the e-mail or address in clear.
            let rows = try await harness.stack.connect(harness.stack.ownerURL) { connection in
                var rows: [(String, Int)] = []
                for try await row in try await connection.query("SELECT key, failures FROM login_throttle ORDER BY key", logger: Logger(label: "test"))
                    .decode((String, Int).self) { rows.append(row) }
                return rows
            }
            #expect(rows.count == 3)
            #expect(rows.allSatisfy { $0.1 == 20 }, "\(rows)")
            #expect(rows.allSatisfy { !$0.0.contains("alfa") && !$0.0.contains("127.0.0.1") })
        }
    }

    @Test func aThrottledSourceDoesNotLockTheOwnerOut() async throws {
        try await APIHarness.with(configure: { $0.trustedProxies = ["127.0.0.1/32", "10.0.0.0/8"].compactMap(IPNetwork.init) }) { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            try await harness.stack.makeUser("noc@alfa.test", role: .noc, provider: provider.id)
            let port = try #require(harness.client.port)
            let attacker = "198.51.100.7"
            for _ in 0..<5 {
                let response = try await Self.login(port: port, body: Self.wrong, forwardedFor: attacker)
                #expect(response.status == .unauthorized)
            }
            let throttled = try await Self.login(port: port, body: Self.right, forwardedFor: attacker)
            #expect(throttled.status == .tooManyRequests)
            #expect((throttled.headerFields[.retryAfter].flatMap(Int.init) ?? 0) > 0)
            // The owner, elsewhere, signs in. The client is the rightmost hop no trusted proxy added;
            // what the client itself wrote to the left is ignored.
            let owner = try await Self.login(port: port, body: Self.right, forwardedFor: "\(attacker), 203.0.113.9, 10.1.2.3")
            #expect(owner.status == .ok)
            let audit = try await harness.stack.database.withTenant(provider.id) { tx in
                try await tx.auditLog.list(AuditFilter(action: "auth.login"), page: PageRequest())
            }
            #expect(audit.items.filter { $0.action == "auth.login" }.map(\.ip) == ["203.0.113.9"])
        }
    }

    @Test func forwardedForIsIgnoredFromAnUntrustedPeer() async throws {
        try await APIHarness.with { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            try await harness.stack.makeUser("noc@alfa.test", role: .noc, provider: provider.id)
            let port = try #require(harness.client.port)
            // A client that invents a new address per guess is still counted as itself.
            for index in 0..<5 {
                let response = try await Self.login(port: port, body: Self.wrong, forwardedFor: "198.51.100.\(index + 1)")
                #expect(response.status == .unauthorized)
            }
            let next = try await Self.login(port: port, body: Self.right, forwardedFor: "203.0.113.9")
            #expect(next.status == .tooManyRequests)
        }
    }
}
