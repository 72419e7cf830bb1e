import Synchronization

/// Caches password-to-key results (about a megabyte of hashing each) and localized keys,
/// so a client talking to thousands of engines derives each Ku once.
public final class USMKeyCache: Sendable {
    /// A process-wide cache.
    public static let shared = USMKeyCache()

    private struct KuKey: Hashable {
        var auth: AuthProtocol
        var password: String
    }

    private struct KulKey: Hashable {
        var user: USMUser
        var engineID: [UInt8]
    }

    private let passwords = Mutex<[KuKey: [UInt8]]>([:])
    private let localized = Mutex<[KulKey: LocalizedKeys]>([:])
    private let limit: Int

    /// Creates a cache holding at most `limit` localized key pairs (it is cleared when full).
    public init(limit: Int = 100_000) {
        self.limit = limit
    }

    /// Ku for a passphrase.
    public func ku(_ auth: AuthProtocol, password: String) -> [UInt8] {
        let key = KuKey(auth: auth, password: password)
        if let cached = passwords.withLock({ $0[key] }) { return cached }
        let derived = auth.passwordToKey(Array(password.utf8))
        passwords.withLock { table in
            if table.count >= limit { table.removeAll() }
            table[key] = derived
        }
        return derived
    }

    /// The keys of `user` localized to `engineID`.
    public func keys(for user: USMUser, engineID: [UInt8]) -> LocalizedKeys {
        guard let auth = user.auth else { return LocalizedKeys(auth: nil, priv: nil) }
        let key = KulKey(user: user, engineID: engineID)
        if let cached = localized.withLock({ $0[key] }) { return cached }
        let authKey = auth.proto.localize(key: ku(auth.proto, password: auth.password), engineID: engineID)
        var privKey: [UInt8]?
        if let priv = user.priv {
            privKey = priv.proto.localizedKey(ku: ku(auth.proto, password: priv.password), auth: auth.proto,
                                              engineID: engineID)
        }
        let keys = LocalizedKeys(auth: authKey, priv: privKey)
        localized.withLock { table in
            if table.count >= limit { table.removeAll() }
            table[key] = keys
        }
        return keys
    }
}
