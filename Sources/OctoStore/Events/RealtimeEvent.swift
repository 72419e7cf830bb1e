import Foundation
import OctoCore

/// An event for realtime clients, carried between processes by PostgreSQL NOTIFY.
public struct RealtimeEvent: Codable, Sendable, Hashable {
    /// The NOTIFY channel all events travel on.
    public static let channel = "octoisp_events"
    /// NOTIFY payloads are limited to 8000 bytes; larger events carry a reference instead of data.
    public static let maximumPayload = 7_900

    /// The provider whose clients may see it.
    public var providerId: UUID
    /// Topic such as `devices` or `devices/<id>`.
    public var topic: String
    /// Event data.
    public var data: JSONValue

    /// Creates an event.
    public init(providerId: UUID, topic: String, data: JSONValue) {
        self.providerId = providerId
        self.topic = topic
        self.data = data
    }

    /// JSON text for NOTIFY; data too large for a payload is replaced by `{"truncated": true}`.
    public func encoded() throws -> String {
        let text = String(decoding: try OctoJSON.encoder.encode(self), as: UTF8.self)
        if text.utf8.count <= Self.maximumPayload { return text }
        var small = self
        small.data = .object(["truncated": .bool(true)])
        return String(decoding: try OctoJSON.encoder.encode(small), as: UTF8.self)
    }
}
