import Foundation
import OctoCore

/// Where a webhook goes and the key that signs it.
public struct WebhookConfiguration: Sendable, Hashable, Codable {
    /// The receiver's URL (https in production).
    public var url: URL
    /// The HMAC key shared with the receiver (UTF-8 bytes of this text).
    public var key: NotificationSecret
    /// Seconds before an unanswered request fails (retryable).
    public var timeoutSeconds: Int

    /// Creates a configuration.
    public init(url: URL, key: NotificationSecret, timeoutSeconds: Int = 10) {
        self.url = url
        self.key = key
        self.timeoutSeconds = timeoutSeconds
    }

    private enum CodingKeys: String, CodingKey { case url, key, timeoutSeconds }

    /// Decodes; `timeout_seconds` defaults to 10.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(url: try container.decode(URL.self, forKey: .url), key: try container.decode(NotificationSecret.self, forKey: .key),
                  timeoutSeconds: try container.decodeIfPresent(Int.self, forKey: .timeoutSeconds) ?? 10)
    }
}

/// The JSON a webhook receives (keys in snake_case, dates in ISO 8601 UTC).
public struct WebhookPayload: Sendable, Hashable, Codable {
    /// The notification's id (lowercase); equal to the `Idempotency-Key` header.
    public var id: String
    /// `firing` or `resolved`.
    public var status: NotificationMessage.Status
    /// `info`, `warning` or `critical`.
    public var severity: NotificationMessage.Severity
    /// The title.
    public var title: String
    /// The details.
    public var body: String
    /// The rendered subject line in the notification's language.
    public var subject: String
    /// The alert's id (lowercase), if any.
    public var alertId: String?
    /// The incident's id (lowercase), if any.
    public var incidentId: String?
    /// The alert's labels.
    public var labels: [String: String]
    /// The dashboard link, if any.
    public var url: URL?
    /// `pt-BR` or `en`.
    public var language: NotificationMessage.Language
    /// When the event happened.
    public var occurredAt: Date

    /// The payload of `message`.
    public init(_ message: NotificationMessage) {
        id = message.id.lowercased
        status = message.status
        severity = message.severity
        title = message.title
        body = message.body
        subject = NotificationRenderer.subject(message)
        alertId = message.alertID?.lowercased
        incidentId = message.incidentID?.lowercased
        labels = message.labels
        url = message.safeURL
        language = message.language
        occurredAt = message.occurredAt
    }
}

/// Delivers a notification as a signed JSON POST.
///
/// Headers: `Content-Type: application/json`, `X-OctoISP-Timestamp`, `X-OctoISP-Signature` (see
/// ``WebhookSignature``) and `Idempotency-Key` (the notification id, the same on every retry).
/// A 2xx answer is success; 408, 429 and 5xx, timeouts and dropped connections are retryable;
/// every other answer is permanent.
public struct WebhookSender: Sendable {
    /// Where time comes from (the signed timestamp).
    public var clock: any WallClock
    /// Certificates trusted for https receivers.
    public var trust: TLSTrust

    /// Creates a sender.
    public init(clock: any WallClock = SystemWallClock(), trust: TLSTrust = .system) {
        self.clock = clock
        self.trust = trust
    }

    /// The exact body bytes sent for `message`.
    public static func body(_ message: NotificationMessage) throws -> [UInt8] {
        Array(try OctoJSON.encoder.encode(WebhookPayload(message)))
    }

    /// POSTs `message` to the receiver.
    public func send(_ message: NotificationMessage, to configuration: WebhookConfiguration) async throws(DeliveryError) -> DeliveryReceipt {
        let body: [UInt8]
        do {
            body = try Self.body(message)
        } catch {
            throw DeliveryError(.permanent, channel: .webhook, "cannot encode the payload: \(error)")
        }
        let timestamp = Int64(clock.now.timeIntervalSince1970.rounded(.down))
        let headers = [
            ("Content-Type", "application/json; charset=utf-8"),
            (WebhookSignature.timestampHeader, String(timestamp)),
            (WebhookSignature.signatureHeader, WebhookSignature.sign(key: Array(configuration.key.value.utf8), timestamp: timestamp, body: body)),
            (WebhookSignature.idempotencyHeader, message.id.uuidString.lowercased()),
        ]
        let client = NotificationHTTPClient(timeout: .seconds(configuration.timeoutSeconds), trust: trust)
        let response: NotificationHTTPClient.Response
        do throws(NotificationHTTPClient.Failure) {
            response = try await client.post(configuration.url, headers: headers, body: body)
        } catch {
            throw error.deliveryError(.webhook)
        }
        if let kind = DeliveryError.kind(forHTTPStatus: response.status) {
            throw DeliveryError(kind, channel: .webhook, "the receiver answered \(response.status): \(response.bodyExcerpt())",
                                httpStatus: response.status, retryAfterSeconds: response.retryAfterSeconds)
        }
        return DeliveryReceipt(channel: .webhook, httpStatus: response.status)
    }
}
