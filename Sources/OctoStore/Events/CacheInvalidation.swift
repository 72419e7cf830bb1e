import Foundation
import OctoCore

/// A row some process may hold in an in-memory cache changed: every process drops `key` of `provider`
/// from cache `cache`. Sent with NOTIFY on ``channel`` (by a trigger, at commit) and received by
/// ``EventListener``.
public struct CacheInvalidation: Codable, Sendable, Hashable {
    /// The NOTIFY channel.
    public static let channel = "octoisp_cache"

    /// Which cache (`cwmp_credential`, …).
    public var cache: String
    /// The provider the entry belongs to (every cache key includes it).
    public var provider: UUID
    /// The entry's key within the provider.
    public var key: String

    /// Drop every entry of every cache (sent by ``EventListener`` after it (re)connects).
    public static let everything = CacheInvalidation(cache: "*", provider: UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)), key: "*")

    /// Whether this drops everything.
    public var isEverything: Bool { cache == "*" }

    /// Creates an invalidation.
    public init(cache: String, provider: UUID, key: String) {
        self.cache = cache
        self.provider = provider
        self.key = key
    }
}
