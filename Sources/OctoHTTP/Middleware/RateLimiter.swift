/// Token buckets keyed by client address or credential, wherever they live: in this process
/// (``TokenBuckets``) or in Redis, shared by every API process (``RedisTokenBuckets``).
protocol RateLimiter: Sendable {
    /// Takes a token for `key`; `nil` when allowed, or the seconds to wait.
    func acquire(_ key: String) async -> Int?
}

extension TokenBuckets: RateLimiter {
    func acquire(_ key: String) async -> Int? { take(key) }
}
