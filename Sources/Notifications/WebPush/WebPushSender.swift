import Foundation
import NIOHTTP1
import OctoCore

/// A browser's push subscription, as `PushSubscription.toJSON()` gives it.
public struct WebPushSubscription: Sendable, Hashable, Codable {
    /// The push service URL to POST to.
    public var endpoint: URL
    /// The receiver's P-256 public key, base64url of the uncompressed point (`keys.p256dh`).
    public var p256dh: String
    /// The 16-octet authentication secret, base64url (`keys.auth`).
    public var auth: String

    /// Creates a subscription.
    public init(endpoint: URL, p256dh: String, auth: String) {
        self.endpoint = endpoint
        self.p256dh = p256dh
        self.auth = auth
    }
}

/// The VAPID identity and the subscription one push goes to.
public struct WebPushConfiguration: Sendable, Hashable, Codable {
    /// The browser subscription.
    public var subscription: WebPushSubscription
    /// The VAPID private key, base64url of 32 octets.
    public var vapidPrivateKey: NotificationSecret
    /// The VAPID contact, `mailto:noc@provedor.example`.
    public var vapidSubject: String
    /// How long the push service keeps an undelivered message, in seconds (`TTL`).
    public var ttlSeconds: Int
    /// Seconds before an unanswered request fails (retryable).
    public var timeoutSeconds: Int

    /// Creates a configuration.
    public init(subscription: WebPushSubscription, vapidPrivateKey: NotificationSecret, vapidSubject: String,
                ttlSeconds: Int = 24 * 3600, timeoutSeconds: Int = 10) {
        self.subscription = subscription
        self.vapidPrivateKey = vapidPrivateKey
        self.vapidSubject = vapidSubject
        self.ttlSeconds = ttlSeconds
        self.timeoutSeconds = timeoutSeconds
    }

    private enum CodingKeys: String, CodingKey { case subscription, vapidPrivateKey, vapidSubject, ttlSeconds, timeoutSeconds }

    /// Decodes; `ttl_seconds` defaults to a day, `timeout_seconds` to 10.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(subscription: try container.decode(WebPushSubscription.self, forKey: .subscription),
                  vapidPrivateKey: try container.decode(NotificationSecret.self, forKey: .vapidPrivateKey),
                  vapidSubject: try container.decode(String.self, forKey: .vapidSubject),
                  ttlSeconds: try container.decodeIfPresent(Int.self, forKey: .ttlSeconds) ?? 24 * 3600,
                  timeoutSeconds: try container.decodeIfPresent(Int.self, forKey: .timeoutSeconds) ?? 10)
    }
}

/// What the service worker receives, decrypted: enough to show the notification and open the link.
public struct WebPushPayload: Sendable, Hashable, Codable {
    /// The notification title (the rendered subject).
    public var title: String
    /// The body text.
    public var body: String
    /// `info`, `warning` or `critical`.
    public var severity: NotificationMessage.Severity
    /// `firing` or `resolved`.
    public var status: NotificationMessage.Status
    /// Groups notifications of one alert so a resolution replaces the firing one.
    public var tag: String
    /// Where a click goes.
    public var url: URL?
    /// The alert's id (lowercase), if any.
    public var alertId: String?
    /// The incident's id (lowercase), if any.
    public var incidentId: String?

    /// The payload of `message`, its body cut so the whole fits one record.
    public init(_ message: NotificationMessage) {
        title = NotificationRenderer.subject(message)
        body = message.body.count > 1500 ? String(message.body.prefix(1500)) + "…" : message.body
        severity = message.severity
        status = message.status
        tag = (message.alertID ?? message.incidentID ?? message.id).uuidString.lowercased()
        url = message.safeURL
        alertId = message.alertID?.lowercased
        incidentId = message.incidentID?.lowercased
    }
}

/// Sends Web Push messages (RFC 8030) encrypted per RFC 8291 and identified per RFC 8292.
///
/// Headers: `TTL`, `Urgency` (critical → `high`, warning → `normal`, info → `low`; a resolution is
/// `normal`), `Content-Encoding: aes128gcm`, `Authorization: vapid t=…, k=…` and `Topic` (the
/// alert, so a resolution replaces an undelivered firing message). 201 (any 2xx) is success; 404
/// and 410 mean the subscription is gone (permanent, ``DeliveryError/subscriptionGone``); 429 and
/// 5xx are retryable.
public struct WebPushSender: Sendable {
    /// Where time comes from (the token's expiry).
    public var clock: any WallClock
    /// Certificates trusted for the push service's https.
    public var trust: TLSTrust

    /// Creates a sender.
    public init(clock: any WallClock = SystemWallClock(), trust: TLSTrust = .system) {
        self.clock = clock
        self.trust = trust
    }

    /// The `Urgency` header for `message` (RFC 8030 §5.3).
    public static func urgency(_ message: NotificationMessage) -> String {
        guard message.status == .firing else { return "normal" }
        switch message.severity {
        case .critical: return "high"
        case .warning: return "normal"
        case .info: return "low"
        }
    }

    /// Encrypts and sends `message` to the configured subscription.
    public func send(_ message: NotificationMessage, to configuration: WebPushConfiguration) async throws(DeliveryError) -> DeliveryReceipt {
        let subscription = configuration.subscription
        guard let receiverKey = Base64URL.decode(subscription.p256dh), let auth = Base64URL.decode(subscription.auth) else {
            throw DeliveryError(.permanent, channel: .webPush, "the subscription keys are not base64url")
        }
        guard let audience = VAPID.audience(for: subscription.endpoint) else {
            throw DeliveryError(.permanent, channel: .webPush, "the subscription endpoint is not an absolute URL")
        }
        let now = clock.now
        let body: [UInt8]
        let authorization: String
        do {
            let plaintext = Array(try OctoJSON.encoder.encode(WebPushPayload(message)))
            body = try WebPushEncryption.encrypt(plaintext, receiverPublicKey: receiverKey, authSecret: auth)
            let vapid = try VAPID(base64URLPrivateKey: configuration.vapidPrivateKey.value, subject: configuration.vapidSubject)
            authorization = try vapid.authorization(audience: audience, expiresAt: now.addingTimeInterval(12 * 3600), now: now)
        } catch {
            throw DeliveryError(.permanent, channel: .webPush, "cannot build the push message: \(error)")
        }
        var headers = [
            ("TTL", String(max(0, configuration.ttlSeconds))),
            ("Urgency", Self.urgency(message)),
            ("Content-Type", "application/octet-stream"),
            ("Content-Encoding", "aes128gcm"),
            ("Authorization", authorization),
        ]
        if let alert = message.alertID {
            // A Topic is at most 32 base64url characters: the alert's 16 octets make 22.
            headers.append(("Topic", Base64URL.encode(withUnsafeBytes(of: alert.uuid) { Array($0) })))
        }
        let client = NotificationHTTPClient(timeout: .seconds(configuration.timeoutSeconds), trust: trust)
        let response: NotificationHTTPClient.Response
        do throws(NotificationHTTPClient.Failure) {
            response = try await client.post(subscription.endpoint, headers: headers, body: body)
        } catch {
            throw error.deliveryError(.webPush)
        }
        if let kind = DeliveryError.kind(forHTTPStatus: response.status) {
            let gone = response.status == 404 || response.status == 410
            throw DeliveryError(kind, channel: .webPush, "the push service answered \(response.status): \(response.bodyExcerpt())",
                                httpStatus: response.status, retryAfterSeconds: response.retryAfterSeconds, subscriptionGone: gone)
        }
        return DeliveryReceipt(channel: .webPush, httpStatus: response.status, reference: response.headers.first(name: "Location"))
    }
}
