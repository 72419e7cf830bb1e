import Crypto
import Foundation

/// RFC 8292 Voluntary Application Server Identification: an ES256 JWT that names the push
/// service's origin (`aud`), expires within 24 hours (`exp`) and says how to reach the operator
/// (`sub`), sent as `Authorization: vapid t=<jwt>, k=<public key>`.
public struct VAPID: Sendable {
    /// The application server's P-256 signing key.
    public var key: P256.Signing.PrivateKey
    /// A `mailto:` (or `https:`) contact for the push service's operator.
    public var subject: String

    /// Why a token cannot be made.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// Details.
        public var description: String
    }

    /// Creates an identity from a key and a contact.
    public init(key: P256.Signing.PrivateKey, subject: String) {
        self.key = key
        self.subject = subject
    }

    /// Creates an identity from the base64url private key (32 octets, as web-push tools print it).
    public init(base64URLPrivateKey: String, subject: String) throws(Failure) {
        guard let raw = Base64URL.decode(base64URLPrivateKey),
              let key = try? P256.Signing.PrivateKey(rawRepresentation: raw) else {
            throw Failure(description: "the VAPID private key is not 32 octets of base64url")
        }
        self.init(key: key, subject: subject)
    }

    /// A new random identity (for `octoisp` to print once at set-up, and for tests).
    public static func generate(subject: String) -> VAPID {
        VAPID(key: P256.Signing.PrivateKey(), subject: subject)
    }

    /// The public key as base64url of its uncompressed point: the `k=` parameter and the
    /// `applicationServerKey` the browser subscribes with.
    public var publicKeyBase64URL: String { Base64URL.encode(key.publicKey.x963Representation) }

    /// The private key as base64url of its 32 octets, for storing (sealed).
    public var privateKeyBase64URL: String { Base64URL.encode(key.rawRepresentation) }

    /// The origin of a push endpoint: scheme, host and a non-default port, e.g.
    /// `https://fcm.googleapis.com`.
    public static func audience(for endpoint: URL) -> String? {
        guard let scheme = endpoint.scheme?.lowercased(), let host = endpoint.host?.lowercased() else { return nil }
        let defaultPort = scheme == "https" ? 443 : scheme == "http" ? 80 : nil
        if let port = endpoint.port, port != defaultPort { return "\(scheme)://\(host):\(port)" }
        return "\(scheme)://\(host)"
    }

    /// The signed JWT for `audience`, valid until `expiresAt` (at most 24 hours after `now`).
    public func token(audience: String, expiresAt: Date, now: Date) throws(Failure) -> String {
        guard expiresAt > now, expiresAt.timeIntervalSince(now) <= 24 * 3600 else {
            throw Failure(description: "a VAPID token must expire within 24 hours")
        }
        guard subject.hasPrefix("mailto:") || subject.hasPrefix("https:") else {
            throw Failure(description: "the VAPID subject must be a mailto: or https: URI")
        }
        let header = #"{"typ":"JWT","alg":"ES256"}"#
        let claims: [String: Any] = ["aud": audience, "exp": Int64(expiresAt.timeIntervalSince1970), "sub": subject]
        guard let claimData = try? JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            throw Failure(description: "cannot encode the claims")
        }
        let signingInput = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(claimData)
        guard let signature = try? key.signature(for: Array(signingInput.utf8)) else {
            throw Failure(description: "cannot sign the token")
        }
        // JWS ES256 wants r ‖ s (64 octets), which is the raw representation, not DER.
        return signingInput + "." + Base64URL.encode(signature.rawRepresentation)
    }

    /// `vapid t=<jwt>, k=<public key>`.
    public func authorization(audience: String, expiresAt: Date, now: Date) throws(Failure) -> String {
        "vapid t=\(try token(audience: audience, expiresAt: expiresAt, now: now)), k=\(publicKeyBase64URL)"
    }

    /// Verifies a token's ES256 signature with `publicKey` (base64url uncompressed point) and returns
    /// its claims; what a push service does, here for tests and diagnostics.
    public static func verify(token: String, publicKey: String) -> [String: Any]? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let keyBytes = Base64URL.decode(publicKey),
              let key = try? P256.Signing.PublicKey(x963Representation: keyBytes),
              let signatureBytes = Base64URL.decode(parts[2]),
              let signature = try? P256.Signing.ECDSASignature(rawRepresentation: signatureBytes),
              key.isValidSignature(signature, for: Array((parts[0] + "." + parts[1]).utf8)),
              let headerBytes = Base64URL.decode(parts[0]),
              let header = try? JSONSerialization.jsonObject(with: Data(headerBytes)) as? [String: Any],
              header["alg"] as? String == "ES256",
              let claimBytes = Base64URL.decode(parts[1]),
              let claims = try? JSONSerialization.jsonObject(with: Data(claimBytes)) as? [String: Any] else { return nil }
        return claims
    }
}
