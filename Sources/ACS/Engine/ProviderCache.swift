import Foundation
import Metrics
import Synchronization

/// Values this process read recently from rows that rarely change, by provider and key, so a storm of
/// Informs does not read the same row once per session. Every key includes the provider: a lookup
/// for one provider never returns another's value.
///
/// - Entries live ``lifetime`` seconds (0 turns the cache off): a safety net for a lost invalidation.
/// - A changed row is dropped in every process by its `NOTIFY` on `octoisp_cache` (``CacheInvalidation``,
///   routed by ``ACSEngine/invalidate(_:)`` and ``ProvisioningService/invalidate(_:)``).
/// - At most ``capacity`` entries: a store into a full cache first drops the expired entries, then,
///   if it is still full, every entry.
/// - A value read from the database is stored only if no invalidation arrived since the read began
///   (``ticket()`` before the read, ``store(_:provider:key:now:ticket:)`` after it), so a read that raced
///   a change cannot put the old row back after its invalidation was handled.
/// - Lookups count hits and misses (`octoisp_cache_hits_total` / `octoisp_cache_misses_total`, label
///   `cache` = ``name``).
final class ProviderCache<Value: Sendable>: Sendable {
    struct Key: Hashable {
        var provider: UUID
        var key: String
    }

    struct State: Sendable {
        var entries: [Key: (value: Value, at: Date)] = [:]
        /// Bumped by every invalidation.
        var generation: UInt64 = 0
    }

    /// The `cache` label of the counters and the name in ``CacheInvalidation``.
    let name: String
    /// Seconds an entry is trusted; 0 turns the cache off.
    let lifetime: TimeInterval
    /// Entries kept at most.
    let capacity: Int
    let state = Mutex(State())
    let hits: Counter
    let misses: Counter

    /// Creates an empty cache; its counters go to `metrics` (the process's bootstrapped factory by default).
    init(name: String, lifetime: TimeInterval, capacity: Int = 10_000, metrics: any MetricsFactory = MetricsSystem.factory) {
        self.name = name
        self.lifetime = lifetime
        self.capacity = max(1, capacity)
        hits = Counter(label: "octoisp_cache_hits_total", dimensions: [("cache", name)], factory: metrics)
        misses = Counter(label: "octoisp_cache_misses_total", dimensions: [("cache", name)], factory: metrics)
    }

    /// Whether the cache keeps anything.
    var isEnabled: Bool { lifetime > 0 }

    /// The entry for `key` of `provider` if it is younger than ``lifetime`` at `now` and `usable` (counted
    /// as a hit or a miss).
    func value(provider: UUID, key: String, now: Date, where usable: (Value) -> Bool = { _ in true }) -> Value? {
        guard lifetime > 0 else { return nil }
        let found: Value? = state.withLock { state in
            guard let entry = state.entries[Key(provider: provider, key: key)] else { return nil }
            let age = now.timeIntervalSince(entry.at)
            return age >= 0 && age < lifetime && usable(entry.value) ? entry.value : nil
        }
        if found != nil { hits.increment() } else { misses.increment() }
        return found
    }

    /// Taken before reading a value from the database; hand it to ``store(_:provider:key:now:ticket:)``.
    func ticket() -> UInt64 {
        state.withLock { $0.generation }
    }

    /// Remembers `value`, read at `now`, unless an invalidation arrived since `ticket` was taken.
    func store(_ value: Value, provider: UUID, key: String, now: Date, ticket: UInt64) {
        guard lifetime > 0 else { return }
        state.withLock { state in
            guard state.generation == ticket else { return }
            if state.entries.count >= capacity {
                let lifetime = self.lifetime
                state.entries = state.entries.filter { entry in
                    let age = now.timeIntervalSince(entry.value.at)
                    return age >= 0 && age < lifetime
                }
                if state.entries.count >= capacity { state.entries.removeAll() }
            }
            state.entries[Key(provider: provider, key: key)] = (value, now)
        }
    }

    /// Whether an entry for `key` of `provider` is held, fresh or not (for tests).
    func holds(provider: UUID, key: String) -> Bool {
        state.withLock { $0.entries[Key(provider: provider, key: key)] != nil }
    }

    /// Entries held (for tests).
    var count: Int { state.withLock { $0.entries.count } }

    /// Forgets `key` of `provider`.
    func forget(provider: UUID, key: String) {
        state.withLock { state in
            state.generation &+= 1
            state.entries.removeValue(forKey: Key(provider: provider, key: key))
        }
    }

    /// Forgets every entry of `provider`.
    func forget(provider: UUID) {
        state.withLock { state in
            state.generation &+= 1
            state.entries = state.entries.filter { $0.key.provider != provider }
        }
    }

    /// Forgets every entry.
    func forgetAll() {
        state.withLock { state in
            state.generation &+= 1
            state.entries.removeAll()
        }
    }
}
