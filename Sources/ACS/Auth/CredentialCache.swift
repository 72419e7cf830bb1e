import Foundation
import Metrics

/// CPE credentials this process read recently, by provider and user name, so a storm of Informs does
/// not read the same row once per session. Entries live ``lifetime`` seconds; a claim that does not
/// verify against a cached entry is checked against the stored row again (a changed password takes
/// effect at once). A changed or removed row is dropped in every process by its `NOTIFY` (migration
/// 0141, ``ACSEngine/invalidate(_:)``), so a revoked credential is refused on the next Inform; without
/// the listener, ``lifetime`` bounds how long it is still accepted. Lookups count hits and misses
/// (`octoisp_cache_hits_total` / `octoisp_cache_misses_total`, label `cache="cwmp_credential"`). At most
/// `capacity` entries (a ``ProviderCache``: expired entries go first when full); a read that raced an
/// invalidation is not stored.
final class CredentialCache: Sendable {
    let entries: ProviderCache<CWMPCredential>

    /// Seconds an entry is trusted; 0 turns the cache off.
    var lifetime: TimeInterval { entries.lifetime }

    /// Creates an empty cache; its counters go to `metrics` (the process's bootstrapped factory by default).
    init(lifetime: TimeInterval, capacity: Int = 10_000, metrics: any MetricsFactory = MetricsSystem.factory) {
        entries = ProviderCache(name: "cwmp_credential", lifetime: lifetime, capacity: capacity, metrics: metrics)
    }

    /// The entry for `username` of `provider` if it is younger than ``lifetime`` at `now`.
    func credential(provider: UUID, username: String, now: Date) -> CWMPCredential? {
        entries.value(provider: provider, key: username, now: now)
    }

    /// Taken before reading a credential from the database (see ``ProviderCache/ticket()``).
    func ticket() -> UInt64 {
        entries.ticket()
    }

    /// Remembers a credential read at `now`, unless an invalidation arrived since `ticket` was taken
    /// (without one: unconditionally).
    func store(_ credential: CWMPCredential, now: Date, ticket: UInt64? = nil) {
        entries.store(credential, provider: credential.providerID, key: credential.username, now: now, ticket: ticket ?? entries.ticket())
    }

    /// Forgets every entry.
    func forgetAll() {
        entries.forgetAll()
    }

    /// Whether an entry for `username` of `provider` is held (for tests).
    func holds(provider: UUID, username: String) -> Bool {
        entries.holds(provider: provider, key: username)
    }

    /// Forgets `username` of `provider`.
    func forget(provider: UUID, username: String) {
        entries.forget(provider: provider, key: username)
    }
}
