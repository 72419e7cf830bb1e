import Foundation
import Synchronization

/// The Digest nonces this process accepted and the highest `nc` seen with each, so that an
/// authenticated request cannot be replayed: a nonce without `qop` is accepted once, a nonce with
/// `qop=auth` once per strictly increasing `nc`. An entry lives as long as its nonce is valid; expired
/// ones are evicted as new ones arrive. Only requests that proved a password are recorded, so the
/// ledger grows with real CPEs, not with guesses.
final class NonceLedger: Sendable {
    /// Seconds a nonce stays valid (entries older are dropped).
    let lifetime: TimeInterval
    /// Entries kept at most; when full of live nonces, new nonces are refused (the CPE gets a fresh
    /// challenge after the oldest expire) rather than forgetting one that could be replayed.
    let capacity: Int
    struct Entry {
        var count: UInt64
        var issued: Date
    }
    let entries = Mutex<[String: Entry]>([:])

    init(lifetime: TimeInterval, capacity: Int = 200_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// Records the use of `nonce` (issued at `issued`) with `count` (nil without `qop`); `false` when it
    /// was used before with the same or a higher count, or when the ledger is full.
    func use(_ nonce: String, count: UInt64?, issued: Date, now: Date) -> Bool {
        entries.withLock { entries in
            if let entry = entries[nonce] {
                guard let count, count > entry.count else { return false }
                entries[nonce]?.count = count
                return true
            }
            if entries.count >= capacity {
                entries = entries.filter { now.timeIntervalSince($0.value.issued) <= lifetime + 5 }
                guard entries.count < capacity else { return false }
            }
            entries[nonce] = Entry(count: count ?? UInt64.max, issued: issued)
            return true
        }
    }

    /// Drops nonces past their lifetime.
    func evictExpired(now: Date) {
        entries.withLock { entries in entries = entries.filter { now.timeIntervalSince($0.value.issued) <= lifetime + 5 } }
    }

    /// Nonces recorded and not yet evicted.
    var count: Int { entries.withLock { $0.count } }
}

/// Failed CWMP authentications per key (a source address, a provider's user name) in a window that
/// opens with the key's first failure, kept in memory: once a key reaches its limit, requests for it
/// are refused before any credential is read, until its window closes. Idle keys (window closed) are
/// evicted by ``evictIdle(now:)`` and whenever the map is full; it never holds more than ``capacity``.
final class AuthFailureThrottle: Sendable {
    /// Failures per window a source address may have.
    let perAddress: Int
    /// Failures per window a user name may have.
    let perUsername: Int
    /// The window in seconds.
    let window: TimeInterval
    /// Keys kept at most.
    let capacity: Int
    struct Window {
        var start: Date
        var failures: Int
    }
    let windows = Mutex<[String: Window]>([:])

    init(perAddress: Int, perUsername: Int, window: TimeInterval = 60, capacity: Int = 100_000) {
        self.perAddress = perAddress
        self.perUsername = perUsername
        self.window = window
        self.capacity = capacity
    }

    static func addressKey(_ address: String?) -> String? { address.map { "a:" + $0 } }
    static func usernameKey(provider: UUID, username: String) -> String { "u:\(provider.uuidString):\(username)" }

    /// Seconds until `address` and `username` may try again; `nil` when neither is throttled.
    func blocked(address: String?, provider: UUID, username: String?, now: Date) -> TimeInterval? {
        windows.withLock { windows in
            var wait: TimeInterval?
            func check(_ key: String?, limit: Int) {
                guard let key, let entry = windows[key] else { return }
                let age = now.timeIntervalSince(entry.start)
                guard age >= 0, age < window, entry.failures >= limit else { return }
                wait = max(wait ?? 0, window - age)
            }
            check(Self.addressKey(address), limit: perAddress)
            check(username.map { Self.usernameKey(provider: provider, username: $0) }, limit: perUsername)
            return wait
        }
    }

    /// Counts one failure for `address` and `username`.
    func failed(address: String?, provider: UUID, username: String?, now: Date) {
        windows.withLock { windows in
            for key in [Self.addressKey(address), username.map { Self.usernameKey(provider: provider, username: $0) }].compactMap({ $0 }) {
                if windows[key] == nil, windows.count >= capacity {
                    windows = windows.filter { now.timeIntervalSince($0.value.start) < window }
                    if windows.count >= capacity { windows.removeAll() }
                }
                if let entry = windows[key], now.timeIntervalSince(entry.start) < window, now >= entry.start {
                    windows[key]?.failures += 1
                } else {
                    windows[key] = Window(start: now, failures: 1)
                }
            }
        }
    }

    /// Drops keys whose window has closed.
    func evictIdle(now: Date) {
        windows.withLock { windows in windows = windows.filter { now.timeIntervalSince($0.value.start) < window } }
    }

    /// Keys held.
    var count: Int { windows.withLock { $0.count } }
}
