import Crypto
import CWMP
import Foundation
import OctoCore

/// HTTP Basic and Digest (RFC 7616 with MD5, `qop=auth` or none) verification against stored
/// credential hashes. Digest nonces are a timestamp and its HMAC, valid for a bounded time; that a
/// nonce (and `nc`) is used once is tracked by ``NonceLedger``.
public struct HTTPAuthenticator: Sendable {
    /// The realm of the challenges.
    public let realm: String
    /// How long a nonce is accepted.
    public let nonceLifetime: TimeInterval
    let key: SymmetricKey
    let clock: any WallClock

    /// Creates an authenticator; `nonceKey` signs nonces (share it between processes behind one name).
    public init(realm: String, nonceLifetime: TimeInterval, nonceKey: SymmetricKey = SymmetricKey(size: .bits256), clock: any WallClock) {
        self.realm = realm
        self.nonceLifetime = nonceLifetime
        self.key = nonceKey
        self.clock = clock
    }

    /// What an `Authorization` header claims.
    public enum Claim: Sendable, Hashable {
        /// Basic: user name and password.
        case basic(username: String, password: String)
        /// Digest: the parsed parameters.
        case digest(username: String, parameters: [String: String])
    }

    /// Whether `header` starts with `scheme` (lower-case ASCII) in any case.
    private static func hasScheme(_ scheme: String, _ header: String) -> Bool {
        var bytes = header.utf8.makeIterator()
        for expected in scheme.utf8 {
            guard let byte = bytes.next(), byte | (byte >= 0x41 && byte <= 0x5A ? 0x20 : 0) == expected else { return false }
        }
        return true
    }

    /// Parses an `Authorization` header; `nil` when absent or unusable.
    public static func claim(from header: String?) -> Claim? {
        guard let header else { return nil }
        let trimmed = header.trimmed
        if hasScheme("basic ", trimmed) {
            guard let data = Data(base64Encoded: String(trimmed.dropFirst(6)).trimmed),
                  let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":") else { return nil }
            return .basic(username: String(text[..<colon]), password: String(text[text.index(after: colon)...]))
        }
        if hasScheme("digest ", trimmed) {
            let parameters = parseParameters(String(trimmed.dropFirst(7)))
            guard let username = parameters["username"] else { return nil }
            return .digest(username: username, parameters: parameters)
        }
        return nil
    }

    /// The user name a claim names.
    public static func username(of claim: Claim) -> String {
        switch claim {
        case .basic(let username, _), .digest(let username, _): username
        }
    }

    /// What a claim proves against a stored credential.
    public enum Verdict: Sendable, Hashable {
        /// The password is proven (for Digest: with a nonce of ours still within its lifetime).
        case accepted
        /// A Digest response that would be right but whose nonce (ours) has expired: answer `stale=true`.
        case stale
        /// Anything else.
        case rejected
    }

    /// Whether `claim` proves knowledge of `credential`'s password for `method` on `requestURI`.
    /// Whether a Digest nonce was used before is for the caller to check (``NonceLedger``).
    public func verify(_ claim: Claim, against credential: CWMPCredential, method: String, requestURI: String) -> Bool {
        check(claim, against: credential, method: method, requestURI: requestURI) == .accepted
    }

    /// The ``Verdict`` of `claim` against `credential` for `method` on `requestURI`.
    public func check(_ claim: Claim, against credential: CWMPCredential, method: String, requestURI: String) -> Verdict {
        switch claim {
        case .basic(let username, let password):
            guard username == credential.username else { return .rejected }
            let hash = Array(SHA256.hash(data: credential.salt + Array(password.utf8)))
            return Self.constantTimeEqual(hash, credential.passwordHash) ? .accepted : .rejected
        case .digest(let username, let parameters):
            guard username == credential.username, credential.realm == realm, parameters["realm"] == realm,
                  let nonce = parameters["nonce"], let age = nonceAge(nonce), let uri = parameters["uri"], uri == requestURI,
                  let response = parameters["response"]?.lowercased() else { return .rejected }
            if let algorithm = parameters["algorithm"], algorithm.uppercased() != "MD5" { return .rejected }
            let ha2 = Self.md5("\(method):\(uri)")
            let expected: String
            if let qop = parameters["qop"] {
                guard qop == "auth", let nc = parameters["nc"], Self.nonceCount(nc) != nil, let cnonce = parameters["cnonce"] else { return .rejected }
                expected = Self.md5("\(credential.digestHA1):\(nonce):\(nc):\(cnonce):\(qop):\(ha2)")
            } else {
                expected = Self.md5("\(credential.digestHA1):\(nonce):\(ha2)")
            }
            guard Self.constantTimeEqual(Array(expected.utf8), Array(response.utf8)) else { return .rejected }
            return age >= -5 && age <= nonceLifetime ? .accepted : .stale
        }
    }

    /// The `nc` value of a Digest claim (8 hex digits).
    public static func nonceCount(_ text: String) -> UInt64? {
        guard text.count == 8 else { return nil }
        return UInt64(text, radix: 16)
    }

    /// The `WWW-Authenticate` values of a 401: Digest first, then Basic.
    public func challenges(stale: Bool = false) -> [String] {
        ["Digest realm=\"\(realm)\", qop=\"auth\", nonce=\"\(makeNonce())\", algorithm=MD5\(stale ? ", stale=true" : "")",
         "Basic realm=\"\(realm)\""]
    }

    /// A fresh nonce: hex(timestamp) `-` 64 random bits `-` HMAC of both. The random part makes every
    /// challenge's nonce unique, so that ``NonceLedger`` can hold each to one use.
    public func makeNonce() -> String {
        let stamp = String(Int64(clock.now.timeIntervalSince1970), radix: 16)
        let salt = Self.hex(SymmetricKey(size: .bits128).withUnsafeBytes { Array($0) }.prefix(8))
        return "\(stamp)-\(salt)-" + Self.hex(Array(HMAC<SHA256>.authenticationCode(for: Array("\(stamp)-\(salt)".utf8), using: key)).prefix(16))
    }

    /// Seconds since a nonce of ours was issued; `nil` when it is not ours.
    func nonceAge(_ nonce: String) -> TimeInterval? {
        let parts = nonce.split(separator: "-")
        guard parts.count == 3, parts[1].count == 16, let stamp = Int64(parts[0], radix: 16) else { return nil }
        let mac = Self.hex(Array(HMAC<SHA256>.authenticationCode(for: Array("\(parts[0])-\(parts[1])".utf8), using: key)).prefix(16))
        guard Self.constantTimeEqual(Array(mac.utf8), Array(parts[2].utf8)) else { return nil }
        return clock.now.timeIntervalSince1970 - TimeInterval(stamp)
    }

    /// When a nonce of ours was issued; `nil` when it is not ours.
    func nonceIssued(_ nonce: String) -> Date? {
        nonceAge(nonce).map { clock.now.addingTimeInterval(-$0) }
    }

    /// Hash material for a new password: salt, salted SHA-256 and the Digest HA1.
    public static func hashes(username: String, password: String, realm: String) -> (salt: [UInt8], hash: [UInt8], ha1: String) {
        let salt = (0..<16).map { _ in UInt8.random(in: 0...255) }
        return (salt, Array(SHA256.hash(data: salt + Array(password.utf8))), md5("\(username):\(realm):\(password)"))
    }

    /// Hex MD5 of `text`.
    public static func md5(_ text: String) -> String {
        hex(Array(Insecure.MD5.hash(data: Array(text.utf8))))
    }

    static func hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }

    /// Parses `key=value, key="quoted, value"` lists.
    public static func parseParameters(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        var index = text.startIndex
        while index < text.endIndex {
            while index < text.endIndex, text[index] == " " || text[index] == "," { index = text.index(after: index) }
            guard let equals = text[index...].firstIndex(of: "=") else { break }
            let key = text[index..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            index = text.index(after: equals)
            var value = ""
            if index < text.endIndex, text[index] == "\"" {
                index = text.index(after: index)
                while index < text.endIndex, text[index] != "\"" {
                    if text[index] == "\\", text.index(after: index) < text.endIndex { index = text.index(after: index) }
                    value.append(text[index])
                    index = text.index(after: index)
                }
                if index < text.endIndex { index = text.index(after: index) }
            } else {
                let end = text[index...].firstIndex(of: ",") ?? text.endIndex
                value = text[index..<end].trimmingCharacters(in: .whitespaces)
                index = end
            }
            if !key.isEmpty { result[key] = value }
        }
        return result
    }
}
