import Crypto
import Foundation

extension SecretBox {
    /// A keyed hash of `text` (HMAC-SHA-256 under a key derived from the current sealing key for
    /// `purpose`), hex-encoded: stable while the key ring's first key stays, useless without the key.
    /// For values that must be looked up but not stored in clear (sign-in counters keyed by e-mail).
    public func digest(_ text: String, purpose: String) -> String {
        let key = HKDF<SHA256>.deriveKey(inputKeyMaterial: current.key, info: Data("octoisp.digest.\(purpose)".utf8), outputByteCount: 32)
        return HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key).map { String(format: "%02x", $0) }.joined()
    }

    /// A keyed digest of `plaintext` bound to `context`: `<kid>.<base64url(HMAC-SHA256)>`, the HMAC key
    /// derived (HKDF) from the current sealing key. The same value in the same context gives the same
    /// digest, so a secret can be compared with a stored one without keeping it; without the key a
    /// digest cannot be checked against guesses.
    public func digest(_ plaintext: String, context: String) -> String {
        "\(current.id).\(Self.mac(plaintext, context: context, key: current.key))"
    }

    /// Whether `digest` (made by ``digest(_:context:)`` with any key of the ring) is the digest of `plaintext` in `context`.
    public func digestMatches(_ digest: String, _ plaintext: String, context: String) -> Bool {
        let parts = digest.split(separator: ".", maxSplits: 1)
        guard parts.count == 2, let key = keys[String(parts[0])] else { return false }
        let expected = Self.mac(plaintext, context: context, key: key)
        // Constant-time comparison.
        let a = Array(expected.utf8), b = Array(parts[1].utf8)
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    static func mac(_ plaintext: String, context: String, key: SymmetricKey) -> String {
        let derived = HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Data("octoisp-secret-digest".utf8), outputByteCount: 32)
        let code = HMAC<SHA256>.authenticationCode(for: Data("\(context)\u{0}\(plaintext)".utf8), using: derived)
        return Data(code).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
