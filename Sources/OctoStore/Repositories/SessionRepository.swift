import Foundation
import OctoCore
import PostgresNIO

extension Transaction {
    /// Refresh tokens of the tenant's users.
    public var sessions: SessionRepository { SessionRepository(tx: self) }
    /// Failed-login counters (platform-wide).
    public var loginThrottle: LoginThrottleRepository { LoginThrottleRepository(tx: self) }
    /// The pre-tenant lookups: e-mail, refresh token or API key → provider.
    public var lookup: TenantLookup { TenantLookup(tx: self) }
}

/// A stored refresh token.
public struct RefreshTokenRecord: Sendable, Hashable {
    /// Row id.
    public var id: UUID
    /// Owner.
    public var userId: UUID
    /// All tokens descending from one sign-in share a family.
    public var familyId: UUID
    /// Expiry.
    public var expiresAt: Date
    /// When it was exchanged for a new one.
    public var rotatedAt: Date?
    /// When it was revoked.
    public var revokedAt: Date?
}

/// Refresh tokens, stored as SHA-256 hashes. Using a rotated token again revokes its whole family.
public struct SessionRepository: Sendable {
    let tx: Transaction

    /// Stores a new token.
    public func insert(userId: UUID, familyId: UUID, tokenHash: Data, expiresAt: Date, ip: String?, userAgent: String?) async throws {
        try await tx.query("""
            INSERT INTO refresh_tokens (provider_id, user_id, family_id, token_hash, expires_at, ip, user_agent)
            VALUES (\(tx.providerID), \(userId), \(familyId), \(tokenHash), \(expiresAt), \(ip)::inet, \(userAgent))
            """)
    }

    /// The token row, locked for the rest of the transaction.
    public func lock(_ id: UUID) async throws -> RefreshTokenRecord? {
        try await tx.query("SELECT id, user_id, family_id, expires_at, rotated_at, revoked_at FROM refresh_tokens WHERE id = \(id) FOR UPDATE")
            .first { row in
                RefreshTokenRecord(id: try row.get("id"), userId: try row.get("user_id"), familyId: try row.get("family_id"),
                                   expiresAt: try row.get("expires_at"), rotatedAt: try row.get("rotated_at"),
                                   revokedAt: try row.get("revoked_at"))
            }
    }

    /// Marks a token as exchanged.
    public func markRotated(_ id: UUID) async throws {
        try await tx.query("UPDATE refresh_tokens SET rotated_at = now() WHERE id = \(id)")
    }

    /// Revokes every token of a family; returns how many were still live.
    @discardableResult
    public func revokeFamily(_ familyId: UUID) async throws -> Int {
        try await tx.query("""
            WITH revoked AS (UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = \(familyId) AND revoked_at IS NULL RETURNING 1)
            SELECT count(*)::int AS count FROM revoked
            """).first { try $0.get("count", as: Int.self) } ?? 0
    }
}

/// Sign-in attempt counters shared by all processes. Keys are opaque (keyed hashes of the e-mail
/// and address they stand for; see ``AuthService``); each counts attempts in a fixed window.
public struct LoginThrottleRepository: Sendable {
    let tx: Transaction

    /// One key's counter after an attempt.
    public struct Count: Sendable, Hashable {
        /// Attempts in the current window, this one included.
        public var attempts: Int
        /// Seconds until the window ends and the counter starts over.
        public var resetsIn: Int
    }

    /// Counts one attempt against each key in one statement and returns the counters. The upsert
    /// takes each row's lock, so concurrent attempts are all counted, none lost; keys are locked in
    /// sorted order so two attempts never deadlock.
    public func attempt(_ keys: [String], windowSeconds: Int) async throws -> [String: Count] {
        let sorted = Array(Set(keys)).sorted()
        let rows = try await tx.query("""
            INSERT INTO login_throttle AS t (key, failures, window_start)
            SELECT k, 1, now() FROM unnest(\(sorted)::text[]) WITH ORDINALITY AS u(k, n) ORDER BY n
            ON CONFLICT (key) DO UPDATE SET
                failures = CASE WHEN t.window_start <= now() - make_interval(secs => \(windowSeconds)) THEN 1 ELSE t.failures + 1 END,
                window_start = CASE WHEN t.window_start <= now() - make_interval(secs => \(windowSeconds)) THEN now() ELSE t.window_start END
            RETURNING key, failures,
                greatest(1, ceil(extract(epoch FROM window_start + make_interval(secs => \(windowSeconds)) - now())))::int AS resets_in
            """).map { row in
                (try row.get("key", as: String.self), Count(attempts: try row.get("failures", as: Int.self), resetsIn: try row.get("resets_in", as: Int.self)))
            }
        return Dictionary(rows, uniquingKeysWith: { first, _ in first })
    }

    /// Takes back one counted attempt of each key (the attempt succeeded, so it was no failure).
    public func giveBack(_ keys: [String]) async throws {
        try await tx.query("UPDATE login_throttle SET failures = greatest(failures - 1, 0) WHERE key = ANY(\(keys)::text[])")
    }

    /// Forgets the attempts of `key`.
    public func reset(_ key: String) async throws {
        try await tx.query("DELETE FROM login_throttle WHERE key = \(key)")
    }

    /// Attempts counted for `key` in its current window (0 when none).
    public func attempts(_ key: String) async throws -> Int {
        try await tx.query("SELECT failures FROM login_throttle WHERE key = \(key)").first { try $0.get("failures", as: Int.self) } ?? 0
    }
}

/// The narrow pre-tenant lookups (SECURITY DEFINER functions); each yields only ids.
public struct TenantLookup: Sendable {
    let tx: Transaction

    /// The user with this e-mail and their provider (`nil` provider: Global Admin).
    public func user(email: String) async throws -> (userId: UUID, providerId: UUID?)? {
        try await tx.query("SELECT user_id, provider_id FROM auth_find_user(\(email))")
            .first { (try $0.get("user_id", as: UUID.self), try $0.get("provider_id", as: UUID?.self)) }
    }

    /// The refresh token with this hash.
    public func refreshToken(hash: Data) async throws -> (tokenId: UUID, userId: UUID, providerId: UUID?)? {
        try await tx.query("SELECT token_id, user_id, provider_id FROM auth_find_refresh_token(\(hash))")
            .first { (try $0.get("token_id", as: UUID.self), try $0.get("user_id", as: UUID.self), try $0.get("provider_id", as: UUID?.self)) }
    }

    /// The API key with this public prefix.
    public func apiKey(prefix: String) async throws -> (keyId: UUID, providerId: UUID)? {
        try await tx.query("SELECT key_id, provider_id FROM auth_find_api_key(\(prefix))")
            .first { (try $0.get("key_id", as: UUID.self), try $0.get("provider_id", as: UUID.self)) }
    }

    /// The active provider with this slug.
    public func provider(slug: String) async throws -> UUID? {
        try await tx.query("SELECT provider_id_for_slug(\(slug)) AS id").first { try $0.get("id", as: UUID?.self) } ?? nil
    }

    /// Whether the provider may work (not suspended).
    public func providerIsActive(_ id: UUID) async throws -> Bool {
        try await tx.query("SELECT status = 'active' AS active FROM providers WHERE id = \(id)")
            .first { try $0.get("active", as: Bool.self) } ?? false
    }
}
