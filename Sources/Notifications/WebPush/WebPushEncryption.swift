import Crypto
import Foundation

/// RFC 8291 message encryption for Web Push over the RFC 8188 `aes128gcm` content coding: ECDH
/// on P-256 with a fresh sender key per message, HKDF-SHA256 combining the shared secret with the
/// subscription's authentication secret, AES-128-GCM over a single record.
public enum WebPushEncryption {
    /// The record size written in the header (RFC 8291 §4: one record; 4096 is what push services take).
    public static let recordSize: UInt32 = 4096
    /// Header (86) + padding delimiter (1) + tag (16) leave this much plaintext in one 4096-octet record.
    public static let maximumPlaintext = 3993

    /// Why a body could not be encrypted or decrypted.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// Details.
        public var description: String
    }

    /// Encrypts `plaintext` for the subscription with public key `receiverPublicKey` (`p256dh`, 65
    /// octets uncompressed) and `authSecret` (16 octets). `senderKey` and `salt` are fresh random
    /// values unless a test fixes them; `padding` zero octets follow the `0x02` delimiter.
    ///
    /// Returns the request body: `salt(16) ‖ rs(4) ‖ idlen(1)=65 ‖ sender public key(65) ‖ ciphertext`.
    public static func encrypt(_ plaintext: [UInt8], receiverPublicKey: [UInt8], authSecret: [UInt8],
                               senderKey: P256.KeyAgreement.PrivateKey = P256.KeyAgreement.PrivateKey(),
                               salt: [UInt8] = (0..<16).map { _ in UInt8.random(in: 0...255) },
                               padding: Int = 0) throws(Failure) -> [UInt8] {
        guard salt.count == 16 else { throw Failure(description: "the salt must be 16 octets") }
        guard authSecret.count == 16 else { throw Failure(description: "the authentication secret must be 16 octets") }
        guard padding >= 0, plaintext.count + padding <= maximumPlaintext else {
            throw Failure(description: "\(plaintext.count) octets of plaintext (+\(padding) padding) do not fit one record")
        }
        let receiver: P256.KeyAgreement.PublicKey
        do {
            receiver = try P256.KeyAgreement.PublicKey(x963Representation: receiverPublicKey)
        } catch {
            throw Failure(description: "the subscription key is not an uncompressed P-256 point")
        }
        let senderPublic = Array(senderKey.publicKey.x963Representation)
        let shared: SharedSecret
        do {
            shared = try senderKey.sharedSecretFromKeyAgreement(with: receiver)
        } catch {
            throw Failure(description: "ECDH failed: \(error)")
        }
        let keys = deriveKeys(ecdhSecret: shared.withUnsafeBytes { Array($0) }, authSecret: authSecret,
                              receiverPublic: receiverPublicKey, senderPublic: senderPublic, salt: salt)
        let record = plaintext + [0x02] + [UInt8](repeating: 0, count: padding)
        let sealed: AES.GCM.SealedBox
        do {
            sealed = try AES.GCM.seal(record, using: SymmetricKey(data: keys.cek), nonce: try AES.GCM.Nonce(data: keys.nonce))
        } catch {
            throw Failure(description: "AES-GCM failed: \(error)")
        }
        return header(salt: salt, recordSize: recordSize, keyID: senderPublic) + Array(sealed.ciphertext) + Array(sealed.tag)
    }

    /// Decrypts a body made by ``encrypt(_:receiverPublicKey:authSecret:senderKey:salt:padding:)``
    /// with the subscription's private key: what a user agent does on receipt (and our tests).
    public static func decrypt(_ body: [UInt8], receiverKey: P256.KeyAgreement.PrivateKey, authSecret: [UInt8]) throws(Failure) -> [UInt8] {
        guard body.count >= 21 else { throw Failure(description: "body shorter than the header") }
        let salt = Array(body[0..<16])
        let recordSize = body[16..<20].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let idLength = Int(body[20])
        guard idLength == 65, body.count >= 21 + idLength + 17 else { throw Failure(description: "keyid is not a P-256 public key") }
        let senderPublic = Array(body[21..<(21 + idLength)])
        let ciphertext = Array(body[(21 + idLength)...])
        guard ciphertext.count <= Int(recordSize) else { throw Failure(description: "more than one record") }
        let sender: P256.KeyAgreement.PublicKey
        let shared: SharedSecret
        do {
            sender = try P256.KeyAgreement.PublicKey(x963Representation: senderPublic)
            shared = try receiverKey.sharedSecretFromKeyAgreement(with: sender)
        } catch {
            throw Failure(description: "invalid sender key: \(error)")
        }
        let keys = deriveKeys(ecdhSecret: shared.withUnsafeBytes { Array($0) }, authSecret: authSecret,
                              receiverPublic: Array(receiverKey.publicKey.x963Representation), senderPublic: senderPublic, salt: salt)
        var record: [UInt8]
        do {
            let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: keys.nonce), ciphertext: ciphertext.dropLast(16),
                                            tag: ciphertext.suffix(16))
            record = Array(try AES.GCM.open(box, using: SymmetricKey(data: keys.cek)))
        } catch {
            throw Failure(description: "authentication failed: \(error)")
        }
        while record.last == 0 { record.removeLast() }
        guard record.last == 0x02 else { throw Failure(description: "missing padding delimiter 0x02") }
        record.removeLast()
        return record
    }

    /// The keys of RFC 8291 §3.3–3.4 (and RFC 8188 §2.2–2.3), exposed for tests against the RFC's
    /// intermediate values.
    public struct Keys: Sendable, Hashable {
        /// `IKM`: HKDF(auth_secret, ecdh_secret, "WebPush: info" ‖ 0x00 ‖ ua_public ‖ as_public, 32).
        public var ikm: [UInt8]
        /// `PRK`: HKDF-Extract(salt, IKM).
        public var prk: [UInt8]
        /// The 16-octet content encryption key.
        public var cek: [UInt8]
        /// The 12-octet nonce.
        public var nonce: [UInt8]
    }

    /// Derives ``Keys`` from the ECDH secret, the authentication secret, both public keys and the salt.
    public static func deriveKeys(ecdhSecret: [UInt8], authSecret: [UInt8], receiverPublic: [UInt8], senderPublic: [UInt8],
                                  salt: [UInt8]) -> Keys {
        let keyInfo = Array("WebPush: info".utf8) + [0] + receiverPublic + senderPublic
        let prkKey = hmac(key: authSecret, ecdhSecret)
        let ikm = hmac(key: prkKey, keyInfo + [1])
        let prk = hmac(key: salt, ikm)
        let cek = Array(hmac(key: prk, Array("Content-Encoding: aes128gcm".utf8) + [0, 1]).prefix(16))
        let nonce = Array(hmac(key: prk, Array("Content-Encoding: nonce".utf8) + [0, 1]).prefix(12))
        return Keys(ikm: ikm, prk: prk, cek: cek, nonce: nonce)
    }

    /// The RFC 8188 header.
    static func header(salt: [UInt8], recordSize: UInt32, keyID: [UInt8]) -> [UInt8] {
        salt + [UInt8(recordSize >> 24), UInt8(recordSize >> 16 & 0xff), UInt8(recordSize >> 8 & 0xff), UInt8(recordSize & 0xff)]
            + [UInt8(keyID.count)] + keyID
    }

    /// HKDF with SHA-256 where each expansion needs one block: Extract and single-block Expand are
    /// both one HMAC, exactly as RFC 8291 §3.4 writes them.
    private static func hmac(key: [UInt8], _ data: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: data, using: SymmetricKey(data: key)))
    }
}
