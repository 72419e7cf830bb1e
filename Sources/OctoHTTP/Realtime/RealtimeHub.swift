import Foundation
import HTTPTypes
import HummingbirdWebSocket
import Logging
import NIOCore
import OctoAuth
import OctoCore
import OctoStore
import Synchronization

/// Fans realtime events out to WebSocket clients. Each client is bound to one provider and receives
/// only that provider's events on the topics it subscribed to (`devices`, `devices/<id>`, `*`).
public final class RealtimeHub: Sendable {
    struct Subscriber {
        var providerID: UUID
        var topics: Set<String>
        var continuation: AsyncStream<String>.Continuation
    }

    private let subscribers = Mutex<[UUID: Subscriber]>([:])

    /// Creates an empty hub.
    public init() {}

    /// Number of connected clients.
    public var connectionCount: Int { subscribers.withLock { $0.count } }

    /// Delivers an event to matching subscribers (called by the ``EventListener``).
    public func deliver(_ event: RealtimeEvent) {
        guard let text = try? OctoJSON.string(OutboundEvent(type: "event", topic: event.topic, data: event.data)) else { return }
        let targets = subscribers.withLock { subscribers in
            subscribers.values.filter { $0.providerID == event.providerId && Self.matches($0.topics, event.topic) }.map(\.continuation)
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
            await self.serve(inbound: inbound, outbound: outbound, providerID: providerID, logger: context.logger)
        }
    }

    /// Registers a subscriber of `providerID` and returns its id and the JSON texts it is sent.
    func attach(providerID: UUID, topics: Set<String> = []) -> (id: UUID, stream: AsyncStream<String>, continuation: AsyncStream<String>.Continuation) {
        let id = UUID()
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(1_000))
        subscribers.withLock { $0[id] = Subscriber(providerID: providerID, topics: topics, continuation: continuation) }
        return (id, stream, continuation)
    }

    /// Removes a subscriber.
    func detach(_ id: UUID) {
        let continuation = subscribers.withLock { $0.removeValue(forKey: id)?.continuation }
        continuation?.finish()
    }

    private func serve(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, providerID: UUID, logger: Logger) async {
        let (id, stream, continuation) = attach(providerID: providerID)
        defer { detach(id) }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await text in stream {
                    do { try await outbound.write(.text(text)) } catch { return }
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
                    let topics = subscribers.withLock { subscribers -> [String] in
                        if command.action == "subscribe" {
                            subscribers[id]?.topics.formUnion(command.topics.prefix(100))
                        } else {
                            subscribers[id]?.topics.subtract(command.topics)
                        }
                        return subscribers[id]?.topics.sorted() ?? []
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
