import Crypto
import Foundation

/// The signature of a webhook delivery: `sha256=<hex HMAC-SHA256(key, "<timestamp>.<body>")>`,
/// sent in `X-OctoISP-Signature` next to `X-OctoISP-Timestamp` (Unix seconds).
///
/// A receiver recomputes it over the raw body bytes it received, compares in constant time and
/// rejects timestamps too far from its own clock, so a captured request cannot be replayed later.
public enum WebhookSignature {
    /// The header that carries the signature.
    public static let signatureHeader = "X-OctoISP-Signature"
    /// The header that carries the Unix timestamp the signature covers.
    public static let timestampHeader = "X-OctoISP-Timestamp"
    /// The header that stays the same across retries of one notification.
    public static let idempotencyHeader = "Idempotency-Key"

    /// `sha256=<hex>` over `"<timestamp>.<body>"`.
    public static func sign(key: [UInt8], timestamp: Int64, body: [UInt8]) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(timestamp).".utf8) + body, using: SymmetricKey(data: key))
        return "sha256=" + Hex.encode(mac)
    }

    /// Whether `signature` (the header value) is the signature of `body` at `timestamp` (the header
    /// value) under `key`, and `timestamp` is within `tolerance` seconds of `now`.
    public static func verify(signature: String, timestamp: String, body: [UInt8], key: [UInt8], now: Date,
                              tolerance: TimeInterval = 300) -> Bool {
        guard let seconds = Int64(timestamp.trimmingCharacters(in: .whitespaces)),
              abs(now.timeIntervalSince1970 - Double(seconds)) <= tolerance else { return false }
        let value = signature.trimmingCharacters(in: .whitespaces)
        guard value.hasPrefix("sha256="), let mac = Hex.decode(String(value.dropFirst(7))), mac.count == SHA256.byteCount else {
            return false
        }
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Array("\(seconds).".utf8) + body,
                                                     using: SymmetricKey(data: key))
    }
}
