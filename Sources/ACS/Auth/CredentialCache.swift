import Foundation
import Metrics
import Synchronization

/// CPE credentials this process read recently, by provider and user name, so a storm of Informs does
/// not read the same row once per session. Entries live ``lifetime`` seconds; a claim that does not
/// verify against a cached entry is checked against the stored row again (a changed password takes
/// effect at once). A changed or removed row is dropped in every process by its `NOTIFY` (migration
/// 0141, ``ACSEngine/invalidate(_:)``), so a revoked credential is refused on the next Inform; without
/// the listener, ``lifetime`` bounds how long it is still accepted. Lookups count hits and misses
/// (`octoisp_cache_hits_total` / `octoisp_cache_misses_total`, label `cache="cwmp_credential"`).
final class CredentialCache: Sendable {
    struct Key: Hashable {
        var provider: UUID
        var username: String
    }

    /// Seconds an entry is trusted; 0 turns the cache off.
    let lifetime: TimeInterval
    /// Entries kept at most (the cache is emptied when full).
    let capacity: Int
    let entries = Mutex<[Key: (credential: CWMPCredential, at: Date)]>([:])

    let hits: Counter
    let misses: Counter

    /// Creates an empty cache; its counters go to `metrics` (the process's bootstrapped factory by default).
    init(lifetime: TimeInterval, capacity: Int = 10_000, metrics: any MetricsFactory = MetricsSystem.factory) {
        self.lifetime = lifetime
        self.capacity = capacity
        hits = Counter(label: "octoisp_cache_hits_total", dimensions: [("cache", "cwmp_credential")], factory: metrics)
        misses = Counter(label: "octoisp_cache_misses_total", dimensions: [("cache", "cwmp_credential")], factory: metrics)
    }

    /// The entry for `username` of `provider` if it is younger than ``lifetime`` at `now`.
    func credential(provider: UUID, username: String, now: Date) -> CWMPCredential? {
        guard lifetime > 0 else { return nil }
        let found: CWMPCredential? = entries.withLock { entries in
            guard let entry = entries[Key(provider: provider, username: username)] else { return nil }
            let age = now.timeIntervalSince(entry.at)
            return age >= 0 && age < lifetime ? entry.credential : nil
        }
        if found != nil { hits.increment() } else { misses.increment() }
        return found
    }

    /// Remembers a credential read at `now`.
    func store(_ credential: CWMPCredential, now: Date) {
        guard lifetime > 0 else { return }
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll() }
            entries[Key(provider: credential.providerID, username: credential.username)] = (credential, now)
        }
    }

    /// Forgets every entry.
    func forgetAll() {
        entries.withLock { $0.removeAll() }
    }

    /// Whether an entry for `username` of `provider` is held (for tests).
    func holds(provider: UUID, username: String) -> Bool {
        entries.withLock { $0[Key(provider: provider, username: username)] != nil }
    }

    /// Forgets `username` of `provider`.
    func forget(provider: UUID, username: String) {
        _ = entries.withLock { $0.removeValue(forKey: Key(provider: provider, username: username)) }
    }
}
