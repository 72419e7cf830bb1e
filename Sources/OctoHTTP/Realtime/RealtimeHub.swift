import Foundation
import HTTPTypes
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import OctoAuth
import OctoCore
import OctoStore
import Synchronization

/// Fans realtime events out to WebSocket clients. Each client is bound to one provider and receives
/// only that provider's events on the topics it subscribed to (`devices`, `devices/<id>`, `*`), and
/// only topics whose data its principal may read (``permission(for:)``): a topic is refused at
/// subscription and an event is never delivered without that permission. A socket holds at most
/// ``maximumTopics`` topics, and its token and user are checked again every
/// ``revalidationInterval``: when the token expires or the user is disabled the socket is closed.
public final class RealtimeHub: Sendable {
    struct Subscriber {
        var providerID: UUID
        var permissions: Set<Permission>
        var topics: Set<String>
        var continuation: AsyncStream<String>.Continuation
    }

    private let subscribers = Mutex<[UUID: Subscriber]>([:])
    /// Topics one socket may hold at once.
    public let maximumTopics: Int
    /// How often a socket's access token and user are checked again.
    public let revalidationInterval: Duration

    /// Creates an empty hub.
    public init(maximumTopics: Int = 100, revalidationInterval: Duration = .seconds(15)) {
        self.maximumTopics = maximumTopics
        self.revalidationInterval = revalidationInterval
    }

    /// The permission needed to receive `topic` (by its first segment); `nil` for a topic the hub does
    /// not know, which nobody may subscribe to. A new event topic must be added here.
    public static func permission(for topic: String) -> Permission? {
        switch topic.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? topic {
        case "devices": Permission(.devices, .read)
        case "metrics": Permission(.monitoring, .read)
        case "alerts", "incidents": Permission(.alerts, .read)
        case "provisioning": Permission(.provisioning, .read)
        case "reports": Permission(.reports, .read)
        case "tool-runs": Permission(.tools, .read)
        default: nil
        }
    }

    /// What `*` needs: every topic's permission.
    static let wildcardPermissions: Set<Permission> = [
        Permission(.devices, .read), Permission(.monitoring, .read), Permission(.alerts, .read),
        Permission(.provisioning, .read), Permission(.reports, .read), Permission(.tools, .read),
    ]

    /// Whether `permissions` allow receiving `topic`.
    static func allows(_ permissions: Set<Permission>, _ topic: String) -> Bool {
        if topic == "*" { return wildcardPermissions.isSubset(of: permissions) }
        guard topic.utf8.count <= 200, let needed = permission(for: topic) else { return false }
        return permissions.contains(needed)
    }

    /// Number of connected clients.
    public var connectionCount: Int { subscribers.withLock { $0.count } }

    /// Delivers an event to matching subscribers (called by the ``EventListener``).
    public func deliver(_ event: RealtimeEvent) {
        guard let text = try? OctoJSON.string(OutboundEvent(type: "event", topic: event.topic, data: event.data)) else { return }
        let targets = subscribers.withLock { subscribers in
            subscribers.values.filter {
                $0.providerID == event.providerId && Self.matches($0.topics, event.topic) && Self.allows($0.permissions, event.topic)
            }.map(\.continuation)
        }
        for continuation in targets { continuation.yield(text) }
    }

    /// The series ids that clients of `provider` subscribed to as `metrics/<id>`.
    public func subscribedSeries(of provider: UUID) -> [Int64] {
        let topics = subscribers.withLock { subscribers in
            subscribers.values.filter { $0.providerID == provider }.flatMap(\.topics)
        }
        return Array(Set(topics.compactMap { topic in topic.hasPrefix("metrics/") ? Int64(topic.dropFirst("metrics/".count)) : nil })).sorted()
    }

    static func matches(_ topics: Set<String>, _ topic: String) -> Bool {
        if topics.contains("*") || topics.contains(topic) { return true }
        // `devices` also receives `devices/<id>`.
        if let slash = topic.firstIndex(of: "/"), topics.contains(String(topic[..<slash])) { return true }
        return false
    }

    struct OutboundEvent: Encodable {
        var type: String
        var topic: String?
        var data: JSONValue?
        var topics: [String]?
        var message: String?
        var reason: String?
    }

    struct InboundCommand: Decodable {
        var action: String
        var topics: [String]
    }

    /// Decides the upgrade of `GET /api/v1/ws?access_token=…[&provider_id=…]`: the token is checked
    /// before the upgrade, so unauthenticated clients never get a socket.
    func upgrade(_ request: HTTPRequest, channel: any Channel, auth: AuthService, database: Database, logger: Logger)
        async throws -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        guard let target = request.path, let components = URLComponents(string: target), components.path == "/api/v1/ws" else {
            return .dontUpgrade
        }
        let query = Dictionary((components.queryItems ?? []).compactMap { item in item.value.map { (item.name, $0) } }, uniquingKeysWith: { a, _ in a })
        let token = query["access_token"] ?? request.headerFields[.authorization].flatMap { header in
            header.lowercased().hasPrefix("bearer ") ? String(header.dropFirst(7)) : nil
        }
        guard let token, let principal = try? await auth.principal(accessToken: token) else { return .dontUpgrade }
        let providerID: UUID
        if let own = principal.providerID {
            providerID = own
        } else if let text = query["provider_id"], let chosen = UUID(uuidString: text),
                  (try? await database.withGlobal({ tx in try await tx.providers.get(chosen) })) != nil {
            providerID = chosen
        } else {
            return .dontUpgrade
        }
        return .upgrade([:]) { inbound, outbound, context in
            await self.serve(inbound: inbound, outbound: outbound, providerID: providerID, principal: principal,
                             revalidate: { try await auth.principal(accessToken: token) }, logger: context.logger)
        }
    }

    /// Registers a subscriber of `providerID` holding `permissions` and returns its id and the JSON
    /// texts it is sent.
    func attach(providerID: UUID, permissions: Set<Permission> = .all, topics: Set<String> = [])
        -> (id: UUID, stream: AsyncStream<String>, continuation: AsyncStream<String>.Continuation) {
        let id = UUID()
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(1_000))
        subscribers.withLock {
            $0[id] = Subscriber(providerID: providerID, permissions: permissions, topics: topics.filter { Self.allows(permissions, $0) },
                                continuation: continuation)
        }
        return (id, stream, continuation)
    }

    /// Applies a subscribe command: topics the subscriber may not read, unknown ones and those beyond
    /// the cap are refused (returned with the reason); the rest are added.
    func subscribe(_ id: UUID, _ topics: [String]) -> (topics: [String], refused: [String: String]) {
        subscribers.withLock { subscribers in
            guard var subscriber = subscribers[id] else { return ([], [:]) }
            var refused: [String: String] = [:]
            for topic in topics where !subscriber.topics.contains(topic) {
                if Self.permission(for: topic) == nil && topic != "*" {
                    refused[topic] = "unknown topic"
                } else if !Self.allows(subscriber.permissions, topic) {
                    refused[topic] = "forbidden: needs \(topic == "*" ? Self.wildcardPermissions.sorted().map(\.key).joined(separator: ", ") : Self.permission(for: topic)?.key ?? "")"
                } else if subscriber.topics.count >= maximumTopics {
                    refused[topic] = "at most \(maximumTopics) topics per connection"
                } else {
                    subscriber.topics.insert(topic)
                }
            }
            subscribers[id] = subscriber
            return (subscriber.topics.sorted(), refused)
        }
    }

    /// Replaces a subscriber's permissions (they changed since it connected) and drops the topics it
    /// may no longer read.
    func update(_ id: UUID, permissions: Set<Permission>) {
        subscribers.withLock { subscribers in
            guard var subscriber = subscribers[id] else { return }
            subscriber.permissions = permissions
            subscriber.topics = subscriber.topics.filter { Self.allows(permissions, $0) }
            subscribers[id] = subscriber
        }
    }

    /// Removes a subscriber.
    func detach(_ id: UUID) {
        let continuation = subscribers.withLock { $0.removeValue(forKey: id)?.continuation }
        continuation?.finish()
    }

    private func serve(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, providerID: UUID, principal: Principal,
                       revalidate: @escaping @Sendable () async throws -> Principal, logger: Logger) async {
        let (id, stream, continuation) = attach(providerID: providerID, permissions: principal.permissions)
        defer { detach(id) }
        let closeReason = CloseReason()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await text in stream {
                    do { try await outbound.write(.text(text)) } catch { return }
                }
                // The stream ends early only when the session ended: say why, then close.
                if let reason = closeReason.value.withLock({ $0 }) {
                    try? await outbound.close(.policyViolation, reason: reason)
                }
            }
            // The socket lives as long as its token and its user: checked again on an interval.
            group.addTask {
                while true {
                    do { try await Task.sleep(for: self.revalidationInterval) } catch { return }
                    do {
                        let current = try await revalidate()
                        self.update(id, permissions: current.permissions)
                    } catch {
                        let reason = (error as? OctoError)?.message ?? "session ended"
                        closeReason.value.withLock { $0 = reason }
                        continuation.yield((try? OctoJSON.string(OutboundEvent(type: "closed", reason: reason))) ?? "{}")
                        continuation.finish()
                        return
                    }
                }
            }
            continuation.yield((try? OctoJSON.string(OutboundEvent(type: "ready"))) ?? "{}")
            do {
                for try await message in inbound.messages(maxSize: 64 * 1024) {
                    let expected = "expected {\"action\": \"subscribe\"|\"unsubscribe\", \"topics\": [...]}"
                    guard case .text(let text) = message else {
                        continuation.yield((try? OctoJSON.string(OutboundEvent(type: "error", message: expected))) ?? "{}")
                        continue
                    }
                    // The same strict decoding as HTTP bodies: an unknown or mistyped field is named.
                    let command: InboundCommand
                    do {
                        command = try StrictJSONDecoder().decode(InboundCommand.self, from: Data(text.utf8))
                    } catch {
                        continuation.yield((try? OctoJSON.string(OutboundEvent(type: "error", message: "\((error as? OctoError)?.message ?? "invalid JSON"); \(expected)"))) ?? "{}")
                        continue
                    }
                    guard command.action == "subscribe" || command.action == "unsubscribe" else {
                        continuation.yield((try? OctoJSON.string(OutboundEvent(type: "error", message: expected))) ?? "{}")
                        continue
                    }
                    let topics: [String]
                    if command.action == "subscribe" {
                        let result = subscribe(id, Array(command.topics.prefix(maximumTopics + 1)))
                        topics = result.topics
                        if !result.refused.isEmpty {
                            let message = result.refused.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")
                            continuation.yield((try? OctoJSON.string(OutboundEvent(type: "error", topics: result.refused.keys.sorted(),
                                                                                   message: "topics refused: \(message)"))) ?? "{}")
                        }
                    } else {
                        topics = subscribers.withLock { subscribers -> [String] in
                            subscribers[id]?.topics.subtract(command.topics)
                            return subscribers[id]?.topics.sorted() ?? []
                        }
                    }
                    continuation.yield((try? OctoJSON.string(OutboundEvent(type: "subscribed", topics: topics))) ?? "{}")
                }
            } catch {
                logger.debug("websocket closed", metadata: ["error": "\(error)"])
            }
            continuation.finish()
            group.cancelAll()
        }
    }
}

/// Why the server ends a socket, set by its revalidation and read by its writer.
private final class CloseReason: Sendable {
    let value = Mutex<String?>(nil)
}
