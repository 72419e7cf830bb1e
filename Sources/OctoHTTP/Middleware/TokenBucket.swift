import Foundation
import Synchronization

/// Token buckets keyed by client address or credential, refilled continuously.
///
/// Limits are per process; every process behind a balancer enforces its own. With `REDIS_URL` the API
/// keeps its buckets in Redis instead (``RedisTokenBuckets``), and these only while Redis is unreachable.
final class TokenBuckets: Sendable {
    struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    /// Requests allowed per second, sustained.
    let rate: Double
    /// Requests allowed at once.
    let burst: Double
    /// How often idle buckets are swept out.
    let sweepInterval: Duration
    private let state = Mutex<(buckets: [String: Bucket], swept: ContinuousClock.Instant?)>(([:], nil))

    init(ratePerSecond: Double, burst: Int, sweepInterval: Duration = .seconds(10)) {
        rate = ratePerSecond
        self.burst = Double(burst)
        self.sweepInterval = sweepInterval
    }

    /// How many keys hold a bucket.
    var count: Int { state.withLock { $0.buckets.count } }

    /// Takes a token for `key`; returns `nil` when allowed, or the seconds to wait. At most every
    /// ``sweepInterval``, buckets idle long enough to be full again are dropped: a full bucket is the
    /// same as none, so memory follows the clients of the last moments, not every client ever seen.
    func take(_ key: String, now: ContinuousClock.Instant = .now) -> Int? {
        state.withLock { state in
            if state.swept.map({ now - $0 >= sweepInterval }) ?? true {
                state.buckets = state.buckets.filter { refilled($0.value, now: now) < burst }
                state.swept = now
            }
            var bucket = state.buckets[key] ?? Bucket(tokens: burst, updated: now)
            bucket.tokens = refilled(bucket, now: now)
            bucket.updated = now
            defer { state.buckets[key] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return max(1, Int(((1 - bucket.tokens) / rate).rounded(.up)))
        }
    }

    /// The tokens `bucket` holds at `now`.
    private func refilled(_ bucket: Bucket, now: ContinuousClock.Instant) -> Double {
        let elapsed = now - bucket.updated
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return min(burst, bucket.tokens + max(0, seconds) * rate)
    }
}
