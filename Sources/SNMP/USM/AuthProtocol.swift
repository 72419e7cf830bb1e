import CLibCrypto
import Crypto

/// USM authentication protocols: HMAC-MD5-96 and HMAC-SHA-96 (RFC 3414) and the
/// HMAC-SHA-2 family (RFC 7860).
public enum AuthProtocol: String, Sendable, Hashable, CaseIterable {
    /// usmHMACMD5AuthProtocol.
    case md5 = "MD5"
    /// usmHMACSHAAuthProtocol.
    case sha1 = "SHA"
    /// usmHMAC128SHA224AuthProtocol.
    case sha224 = "SHA-224"
    /// usmHMAC192SHA256AuthProtocol.
    case sha256 = "SHA-256"
    /// usmHMAC256SHA384AuthProtocol.
    case sha384 = "SHA-384"
    /// usmHMAC384SHA512AuthProtocol.
    case sha512 = "SHA-512"

    /// Parses a net-snmp style name (`MD5`, `SHA`, `SHA1`, `SHA-256`, `SHA256`, …), case-insensitively.
    public init?(name: String) {
        switch String(name.uppercased().filter { $0 != "-" }) {
        case "MD5": self = .md5
        case "SHA", "SHA1": self = .sha1
        case "SHA224": self = .sha224
        case "SHA256": self = .sha256
        case "SHA384": self = .sha384
        case "SHA512": self = .sha512
        default: return nil
        }
    }

    /// Output length of the hash function in octets (also the localized key length).
    public var digestLength: Int {
        switch self {
        case .md5: return 16
        case .sha1: return 20
        case .sha224: return 28
        case .sha256: return 32
        case .sha384: return 48
        case .sha512: return 64
        }
    }

    /// Length of msgAuthenticationParameters: the truncated HMAC (RFC 3414, RFC 7860 section 4.2.2).
    public var macLength: Int {
        switch self {
        case .md5, .sha1: return 12
        case .sha224: return 16
        case .sha256: return 24
        case .sha384: return 32
        case .sha512: return 48
        }
    }

    /// The hash of `data`.
    public func hash(_ data: [UInt8]) -> [UInt8] {
        switch self {
        case .md5: return Array(Insecure.MD5.hash(data: data))
        case .sha1: return Array(Insecure.SHA1.hash(data: data))
        case .sha224: return LibCrypto.sha224(data)
        case .sha256: return Array(SHA256.hash(data: data))
        case .sha384: return Array(SHA384.hash(data: data))
        case .sha512: return Array(SHA512.hash(data: data))
        }
    }

    /// The full (untruncated) HMAC of `message` under `key`.
    public func hmac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        let symmetric = SymmetricKey(data: key)
        switch self {
        case .md5: return Array(HMAC<Insecure.MD5>.authenticationCode(for: message, using: symmetric))
        case .sha1: return Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: symmetric))
        case .sha224: return genericHMAC(key: key, message: message, blockSize: 64)
        case .sha256: return Array(HMAC<SHA256>.authenticationCode(for: message, using: symmetric))
        case .sha384: return Array(HMAC<SHA384>.authenticationCode(for: message, using: symmetric))
        case .sha512: return Array(HMAC<SHA512>.authenticationCode(for: message, using: symmetric))
        }
    }

    /// The HMAC truncated to ``macLength``, as carried in msgAuthenticationParameters.
    public func authenticationCode(key: [UInt8], message: [UInt8]) -> [UInt8] {
        Array(hmac(key: key, message: message).prefix(macLength))
    }

    private func genericHMAC(key: [UInt8], message: [UInt8], blockSize: Int) -> [UInt8] {
        var block = key.count > blockSize ? hash(key) : key
        block += [UInt8](repeating: 0, count: blockSize - block.count)
        let inner = hash(block.map { $0 ^ 0x36 } + message)
        return hash(block.map { $0 ^ 0x5C } + inner)
    }

    /// The password-to-key algorithm of RFC 3414 section A.2: the hash of one megabyte of the
    /// password repeated. The result is the non-localized key Ku.
    public func passwordToKey(_ password: [UInt8]) -> [UInt8] {
        precondition(!password.isEmpty, "USM passwords must not be empty")
        let total = 1_048_576
        var buffer = [UInt8](unsafeUninitializedCapacity: total) { storage, initialized in
            var source = 0
            for index in 0..<total {
                storage[index] = password[source]
                source += 1
                if source == password.count { source = 0 }
            }
            initialized = total
        }
        defer { buffer.removeAll() }
        return hash(buffer)
    }

    /// Key localization (RFC 3414 section A.2.2): Kul = H(Ku || engineID || Ku).
    public func localize(key: [UInt8], engineID: [UInt8]) -> [UInt8] {
        hash(key + engineID + key)
    }
}
