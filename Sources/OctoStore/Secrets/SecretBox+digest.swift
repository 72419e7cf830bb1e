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
}
