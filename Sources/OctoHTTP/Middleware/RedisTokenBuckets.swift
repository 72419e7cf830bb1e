import Logging
import OctoJobs
import Synchronization

/// Token buckets in Redis, so a limit holds across every API process behind a balancer: one Lua script
/// refills and takes atomically on the server's clock, and each key expires once its bucket would be
/// full again (an absent key is a full bucket), so idle clients leave nothing behind.
///
/// When Redis cannot be reached the limiter fails open to ``fallback``, this process's own buckets
/// (the limits hold per process, as without Redis), and tries Redis again after ``retryAfterFailure``;
/// a Redis outage neither stops the API nor lifts every limit.
final class RedisTokenBuckets: RateLimiter {
    let client: RedisClient
    /// Prepended to every key (`OCTOISP_REDIS_RATE_PREFIX`, default `octoisp:rate`).
    let prefix: String
    /// Requests allowed per second, sustained.
    let rate: Double
    /// Requests allowed at once.
    let burst: Int
    /// The buckets used while Redis is unreachable.
    let fallback: TokenBuckets
    /// How long the limiter stays on ``fallback`` after a failure before it asks Redis again.
    let retryAfterFailure: Duration
    let logger: Logger
    private let failedAt = Mutex<ContinuousClock.Instant?>(nil)

    /// `KEYS[1]` the bucket; `ARGV` rate (tokens/s) and burst. Returns 0 when a token was taken, or
    /// the whole seconds until one is there.
    static let script = RedisScript("""
        local rate = tonumber(ARGV[1])
        local burst = tonumber(ARGV[2])
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
        local tokens = tonumber(bucket[1])
        local at = tonumber(bucket[2])
        if tokens == nil or at == nil then
          tokens = burst
          at = now
        end
        tokens = math.min(burst, tokens + math.max(0, now - at) / 1000 * rate)
        local wait = 0
        if tokens >= 1 then
          tokens = tokens - 1
        else
          wait = math.max(1, math.ceil((1 - tokens) / rate))
        end
        redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
        redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
        return wait
        """)

    init(client: RedisClient, prefix: String, ratePerSecond: Double, burst: Int, retryAfterFailure: Duration = .seconds(1), logger: Logger) {
        self.client = client
        self.prefix = prefix
        rate = ratePerSecond
        self.burst = burst
        self.retryAfterFailure = retryAfterFailure
        self.logger = logger
        fallback = TokenBuckets(ratePerSecond: ratePerSecond, burst: burst)
    }

    func acquire(_ key: String) async -> Int? {
        let now = ContinuousClock.now
        if let failed = failedAt.withLock({ $0 }), now - failed < retryAfterFailure { return fallback.take(key, now: now) }
        do {
            let reply = try await client.evaluate(Self.script, keys: ["\(prefix):\(key)"], arguments: [.string(String(rate)), .string(String(burst))])
            if failedAt.withLock({ state in defer { state = nil }; return state != nil }) {
                logger.notice("rate limits are shared through redis again")
            }
            guard let wait = reply.int, wait > 0 else { return nil }
            return Int(wait)
        } catch {
            let first = failedAt.withLock { state in defer { state = now }; return state == nil }
            if first { logger.warning("redis unreachable: rate limits are per process until it is back", metadata: ["error": "\(error)"]) }
            return fallback.take(key, now: now)
        }
    }
}
