import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import OctoCore
import OctoHTTP
import OctoStore
import OctoTestSupport
import Synchronization
import Testing

/// The realtime WebSocket carries only what its user may read, holds a bounded number of topics and
/// lives no longer than its token and its user.
@Suite struct RealtimeAccessTests {
    /// Connects, sends `commands`, and collects what arrives until the server closes the socket
    /// (then `closed` is set) or the task is cancelled.
    static func connect(port: Int, token: String, commands: [String], into box: Inbox, closed: Flag) async throws {
        try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/api/v1/ws?access_token=\(token)", logger: .quiet) { inbound, outbound, _ in
            for command in commands { try await outbound.write(.text(command)) }
            for try await message in inbound.messages(maxSize: 1 << 16) {
                if case .text(let text) = message { box.messages.withLock { $0.append(text) } }
            }
        }
        closed.value.withLock { $0 = true }
    }

    static func wait(_ condition: () -> Bool) async throws {
        for _ in 0..<200 where !condition() { try await Task.sleep(for: .milliseconds(25)) }
    }

    @Test func topicsNeedThePermissionOfWhatTheyCarry() async throws {
        try await APIHarness.with { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            try await harness.stack.makeUser("admin@alfa.test", role: .providerAdmin, provider: provider.id)
            let admin = try await harness.login("admin@alfa.test")
            let created = try await harness.call(.post, "/api/v1/users", token: admin, json: """
                {"email": "viewer@alfa.test", "password": "correct horse battery", "role_key": "viewer", "revocations": ["alerts.read"]}
                """)
            #expect(created.status == .created)
            let viewer = try await harness.login("viewer@alfa.test")
            let port = try #require(harness.client.port)
            let inbox = Inbox()
            let closed = Flag()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await Self.connect(port: port, token: viewer, commands: [
                        #"{"action": "subscribe", "topics": ["devices", "alerts", "incidents", "*", "secrets/of/others"]}"#,
                    ], into: inbox, closed: closed)
                }
                try await Self.wait { inbox.messages.withLock { $0.contains { $0.contains("subscribed") } } }
                try await harness.stack.database.withTenant(provider.id) { tx in
                    try await tx.publish(topic: "alerts", data: .object(["marker": .string("alert-for-admins")]))
                    try await tx.publish(topic: "devices", data: .object(["marker": .string("device-for-all")]))
                }
                try await Self.wait { inbox.messages.withLock { $0.contains { $0.contains("device-for-all") } } }
                try await Task.sleep(for: .milliseconds(200))
                group.cancelAll()
            }
            let messages = inbox.messages.withLock { $0 }
            let subscribed = try #require(messages.first { $0.contains(#""type":"subscribed""#) })
            #expect(subscribed.contains(#""topics":["devices"]"#), "\(subscribed)")
            let refusal = try #require(messages.first { $0.contains(#""type":"error""#) })
            #expect(refusal.contains("alerts: forbidden: needs alerts.read"))
            #expect(refusal.contains("incidents: forbidden"))
            #expect(refusal.contains("*: forbidden"))
            #expect(refusal.contains("secrets/of/others: unknown topic"))
            #expect(messages.contains { $0.contains("device-for-all") })
            #expect(!messages.contains { $0.contains("alert-for-admins") })
        }
    }

    @Test func topicsPerSocketAreCapped() async throws {
        try await APIHarness.with(hub: RealtimeHub(maximumTopics: 3)) { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            try await harness.stack.makeUser("noc@alfa.test", role: .noc, provider: provider.id)
            let token = try await harness.login("noc@alfa.test")
            let port = try #require(harness.client.port)
            let inbox = Inbox()
            let closed = Flag()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await Self.connect(port: port, token: token, commands: [
                        #"{"action": "subscribe", "topics": ["devices/1", "devices/2"]}"#,
                        #"{"action": "subscribe", "topics": ["devices/3", "devices/4", "devices/5"]}"#,
                    ], into: inbox, closed: closed)
                }
                try await Self.wait { inbox.messages.withLock { $0.filter { $0.contains("subscribed") }.count >= 2 } }
                group.cancelAll()
            }
            let messages = inbox.messages.withLock { $0 }
            let last = try #require(messages.last { $0.contains(#""type":"subscribed""#) })
            #expect(last.contains(#""topics":["devices/1","devices/2","devices/3"]"#), "\(last)")
            #expect(messages.contains { $0.contains(#""type":"error""#) && $0.contains("at most 3 topics") && $0.contains("devices/5") })
        }
    }

    @Test func socketClosesWhenTheUserIsDisabled() async throws {
        try await APIHarness.with(hub: RealtimeHub(revalidationInterval: .milliseconds(200))) { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            try await harness.stack.makeUser("admin@alfa.test", role: .providerAdmin, provider: provider.id)
            let noc = try await harness.stack.makeUser("noc@alfa.test", role: .noc, provider: provider.id)
            let admin = try await harness.login("admin@alfa.test")
            let token = try await harness.login("noc@alfa.test")
            let port = try #require(harness.client.port)
            let inbox = Inbox()
            let closed = Flag()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await Self.connect(port: port, token: token, commands: [#"{"action": "subscribe", "topics": ["devices"]}"#],
                                           into: inbox, closed: closed)
                }
                try await Self.wait { inbox.messages.withLock { $0.contains { $0.contains("subscribed") } } }
                try await Task.sleep(for: .milliseconds(500))
                #expect(!closed.value.withLock { $0 }, "the socket stays open while the user is active")
                let disabled = try await harness.call(.patch, "/api/v1/users/\(noc.id.lowercased)", token: admin, json: #"{"status": "disabled"}"#)
                #expect(disabled.status == .ok)
                try await Self.wait { closed.value.withLock { $0 } }
                group.cancelAll()
            }
            #expect(closed.value.withLock { $0 })
            #expect(inbox.messages.withLock { $0.contains { $0.contains(#""type":"closed""#) && $0.contains("account disabled") } })
        }
    }

    @Test func socketClosesWhenTheTokenExpires() async throws {
        try await APIHarness.with(hub: RealtimeHub(revalidationInterval: .milliseconds(200))) { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            try await harness.stack.makeUser("noc@alfa.test", role: .noc, provider: provider.id)
            let token = try await harness.login("noc@alfa.test")
            let port = try #require(harness.client.port)
            let inbox = Inbox()
            let closed = Flag()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await Self.connect(port: port, token: token, commands: [#"{"action": "subscribe", "topics": ["devices"]}"#],
                                           into: inbox, closed: closed)
                }
                try await Self.wait { inbox.messages.withLock { $0.contains { $0.contains("subscribed") } } }
                harness.stack.clock.advance(by: 16 * 60)
                try await Self.wait { closed.value.withLock { $0 } }
                group.cancelAll()
            }
            #expect(closed.value.withLock { $0 })
            #expect(inbox.messages.withLock { $0.contains { $0.contains(#""type":"closed""#) && $0.contains("expired") } })
        }
    }
}

/// A flag set by one task and read by another.
final class Flag: Sendable {
    let value = Mutex(false)
}
