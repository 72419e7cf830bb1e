import Foundation
import Notifications
import OctoCore
import OctoStore
import PostgresNIO

/// `POST /me/push-subscriptions`: a browser's `PushSubscription.toJSON()` and what its user wants to
/// hear about through it.
public struct PushSubscriptionInput: Sendable, Codable {
    /// `keys` of the browser's subscription.
    public struct Keys: Sendable, Codable {
        public var p256dh: String
        public var auth: String
    }

    public var endpoint: URL?
    public var keys: Keys?
    public var enabled: Bool?
    public var minSeverity: AlertSeverity?
    public var popId: Nullable<UUID>?
    public var language: NotificationMessage.Language?
    public var pacing: NotificationPacing?
}

/// Where a push endpoint may point: a push service is a public HTTPS origin; loopback and private
/// addresses are refused (the platform would otherwise POST wherever a user asked) unless the operator
/// allows them (`OCTOISP_PUSH_ALLOW_INSECURE=1`, for development and tests).
public struct PushEndpointPolicy: Sendable {
    /// Allow `http` and loopback or private addresses.
    public var allowInsecure: Bool

    /// Creates a policy.
    public init(allowInsecure: Bool = false) {
        self.allowInsecure = allowInsecure
    }

    /// Reads `OCTOISP_PUSH_ALLOW_INSECURE`.
    public init(environment: [String: String]) {
        allowInsecure = ["1", "true", "yes"].contains(environment["OCTOISP_PUSH_ALLOW_INSECURE"]?.lowercased() ?? "")
    }

    /// The 400 for an endpoint that is not a public HTTPS push service.
    public func check(_ endpoint: URL) throws(OctoError) {
        guard let scheme = endpoint.scheme?.lowercased(), let host = endpoint.host?.lowercased(), !host.isEmpty else {
            throw .invalid("endpoint", "a push endpoint is an https URL with a host")
        }
        if allowInsecure { guard scheme == "https" || scheme == "http" else { throw .invalid("endpoint", "a push endpoint is an https URL") }; return }
        guard scheme == "https" else { throw .invalid("endpoint", "a push endpoint is an https URL") }
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if bare == "localhost" || bare.hasSuffix(".localhost") || Self.isPrivate(bare) {
            throw .invalid("endpoint", "a push endpoint is a public push service, not \(bare)")
        }
    }

    /// Loopback, private, link-local, CGNAT and unspecified IPv4 and IPv6 literals.
    static func isPrivate(_ host: String) -> Bool {
        let octets = host.split(separator: ".").compactMap { UInt8($0) }
        if octets.count == 4 {
            switch (octets[0], octets[1]) {
            case (0, _), (10, _), (127, _), (169, 254), (192, 168): return true
            case (172, 16...31), (100, 64...127): return true
            default: return false
            }
        }
        guard host.contains(":") else { return false }
        return host == "::1" || host == "::" || host.hasPrefix("fe80:") || host.hasPrefix("fc") || host.hasPrefix("fd") || host.hasPrefix("::ffff:")
    }
}

extension NotificationChannelRepository {
    /// The provider's VAPID public key (base64url), made with its sealed private key on first use.
    public func vapidPublicKey(secrets: SecretBox?) async throws -> String {
        try await vapid(secrets: secrets).publicKeyBase64URL
    }

    func vapid(secrets: SecretBox?) async throws -> VAPID {
        guard let secrets else {
            throw OctoError(.unavailable, "Web Push needs a secret key (OCTOISP_SECRET_KEY) to keep its VAPID key sealed")
        }
        let context = "push-vapid:\(tx.providerID?.lowercased ?? "-")"
        if let sealed = try await tx.query("SELECT private_key_sealed FROM push_vapid_keys").alertRows({ try $0.value("private_key_sealed", as: String.self) }).first {
            return try VAPID(base64URLPrivateKey: try secrets.open(sealed, context: context), subject: "mailto:noc@octoisp.invalid")
        }
        let made = VAPID.generate(subject: "mailto:noc@octoisp.invalid")
        try await tx.query("""
            INSERT INTO push_vapid_keys (provider_id, public_key, private_key_sealed, created_at)
            VALUES ((SELECT app_provider_id()), \(made.publicKeyBase64URL), \(try secrets.seal(made.privateKeyBase64URL, context: context)), \(tx.clock.now))
            ON CONFLICT (provider_id) DO NOTHING
            """)
        // Two first uses at once: the row that won.
        let sealed = try await tx.query("SELECT private_key_sealed FROM push_vapid_keys").alertRows { try $0.value("private_key_sealed", as: String.self) }
        return try VAPID(base64URLPrivateKey: try secrets.open(try sealed.first ?? "", context: context), subject: "mailto:noc@octoisp.invalid")
    }

    /// The user's push subscriptions, secrets redacted.
    public func pushSubscriptions(of user: UUID) async throws -> [NotificationChannelRecord] {
        try await tx.query("""
            SELECT \(unescaped: Self.columns) FROM notification_channels WHERE owner_user_id = \(user) AND kind = 'webpush' ORDER BY created_at, id
            """).alertRows { try decode($0, secrets: nil).redactedRecord }
    }

    /// Stores (or renews, for the same endpoint) a browser subscription of `user` as a `webpush`
    /// channel the user owns, signed with the provider's VAPID key.
    public func subscribePush(_ input: PushSubscriptionInput, user: UUID, email: String, policy: PushEndpointPolicy, secrets: SecretBox?,
                              by actor: Actor) async throws -> NotificationChannelRecord {
        guard let endpoint = input.endpoint else { throw OctoError.invalid("endpoint", "missing field 'endpoint'") }
        try policy.check(endpoint)
        guard let keys = input.keys else { throw OctoError.invalid("keys", "missing field 'keys'") }
        guard Base64URL.decode(keys.p256dh)?.count == 65 else { throw OctoError.invalid("keys.p256dh", "keys.p256dh is a P-256 public key (65 octets, base64url)") }
        guard Base64URL.decode(keys.auth)?.count == 16 else { throw OctoError.invalid("keys.auth", "keys.auth is 16 octets, base64url") }
        let vapid = try await vapid(secrets: secrets)
        let configuration = WebPushConfiguration(subscription: WebPushSubscription(endpoint: endpoint, p256dh: keys.p256dh, auth: keys.auth),
                                                 vapidPrivateKey: NotificationSecret(vapid.privateKeyBase64URL), vapidSubject: "mailto:\(email)")
        let existing = try await tx.query("""
            SELECT id FROM notification_channels WHERE kind = 'webpush' AND owner_user_id IS NOT NULL AND settings -> 'settings' -> 'subscription' ->> 'endpoint' = \(endpoint.absoluteString)
            """).alertRows { try $0.value("id", as: UUID.self) }.first
        let fields = NotificationChannelInput(enabled: input.enabled, minSeverity: input.minSeverity, popId: input.popId, language: input.language,
                                              channel: .webPush(configuration), pacing: input.pacing)
        if let existing {
            // The same browser subscribes again (new keys, or another user on a shared device): it is theirs now.
            try await tx.query("UPDATE notification_channels SET owner_user_id = \(user) WHERE id = \(existing)")
            var renewed = fields
            renewed.enabled = input.enabled ?? true
            return try await update(existing, renewed, secrets: secrets, by: actor)
        }
        var named = fields
        named.name = "Push · \(email) · \(String(endpoint.host ?? "").prefix(60)) · \(UUID().lowercased.prefix(6))"
        named.minSeverity = input.minSeverity ?? .critical
        let created = try await create(named, secrets: secrets, by: actor)
        try await tx.query("UPDATE notification_channels SET owner_user_id = \(user) WHERE id = \(created.id)")
        var record = created
        record.ownerUserId = user
        return record
    }

    /// Changes what one of the user's subscriptions hears about (`enabled`, `min_severity`, `pop_id`,
    /// `language`, `pacing`); 404 for another user's.
    public func updatePush(_ id: UUID, _ input: PushSubscriptionInput, user: UUID, secrets: SecretBox?, by actor: Actor) async throws -> NotificationChannelRecord {
        try await ownedPush(id, user: user)
        guard input.endpoint == nil, input.keys == nil else {
            throw OctoError.invalid(input.endpoint != nil ? "endpoint" : "keys", "a subscription's endpoint and keys change by subscribing again")
        }
        return try await update(id, NotificationChannelInput(enabled: input.enabled, minSeverity: input.minSeverity, popId: input.popId,
                                                             language: input.language, pacing: input.pacing), secrets: secrets, by: actor)
    }

    /// Removes one of the user's subscriptions; 404 for another user's.
    public func unsubscribePush(_ id: UUID, user: UUID, by actor: Actor) async throws {
        try await ownedPush(id, user: user)
        try await delete(id, by: actor)
    }

    /// A push subscription its push service called gone: disabled (it stays listed, so its owner sees
    /// why nothing arrives, and subscribing the browser again enables it).
    func disableGone(_ id: UUID) async throws {
        try await tx.query("UPDATE notification_channels SET enabled = false, updated_at = \(tx.clock.now) WHERE id = \(id) AND kind = 'webpush'")
        try await tx.audit("notification_channel.disable", by: .system, target: ("notification_channel", id.lowercased),
                           before: ["enabled": "true"], after: ["enabled": "false", "reason": "push subscription gone"])
    }

    /// 404 unless `id` is a push subscription `user` owns.
    public func ownedPush(_ id: UUID, user: UUID) async throws {
        let owned = try await tx.query("SELECT count(*) FROM notification_channels WHERE id = \(id) AND owner_user_id = \(user) AND kind = 'webpush'")
            .alertRows { try $0.value("count", as: Int.self) }.first ?? 0
        guard owned == 1 else { throw OctoError.notFound("push subscription") }
    }
}
