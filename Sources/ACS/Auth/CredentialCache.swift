import Foundation
import Synchronization

/// CPE credentials this process read recently, by provider and user name, so a storm of Informs does
/// not read the same row once per session. Entries live ``lifetime`` seconds; a claim that does not
/// verify against a cached entry is checked against the stored row again (a changed password takes
/// effect at once), so the cache only delays the removal of a credential by at most ``lifetime``.
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

    init(lifetime: TimeInterval, capacity: Int = 10_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// The entry for `username` of `provider` if it is younger than ``lifetime`` at `now`.
    func credential(provider: UUID, username: String, now: Date) -> CWMPCredential? {
        guard lifetime > 0 else { return nil }
        return entries.withLock { entries in
            guard let entry = entries[Key(provider: provider, username: username)] else { return nil }
            let age = now.timeIntervalSince(entry.at)
            return age >= 0 && age < lifetime ? entry.credential : nil
        }
    }

    /// Remembers a credential read at `now`.
    func store(_ credential: CWMPCredential, now: Date) {
        guard lifetime > 0 else { return }
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll() }
            entries[Key(provider: credential.providerID, username: credential.username)] = (credential, now)
        }
    }

    /// Forgets `username` of `provider`.
    func forget(provider: UUID, username: String) {
        _ = entries.withLock { $0.removeValue(forKey: Key(provider: provider, username: username)) }
    }
}
