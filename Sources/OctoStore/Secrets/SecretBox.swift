import Crypto
import Foundation
import OctoCore

/// Seals secrets at rest (SNMP communities, v3 keys, CPE credentials, TOTP seeds) with AES-256-GCM.
///
/// Keys come from `OCTOISP_SECRET_KEY` as `kid:base64key[,kid:base64key…]`; the first seals, all open, so
/// keys can be rotated by prepending a new one. Sealed text is `v1.<kid>.<base64(nonce|ciphertext|tag)>`.
public struct SecretBox: Sendable {
    let current: (id: String, key: SymmetricKey)
    let keys: [String: SymmetricKey]

    /// Parses a key ring; each key is 32 bytes of base64.
    public init(keyring: String) throws(OctoError) {
        var parsed: [(String, SymmetricKey)] = []
        for entry in keyring.split(separator: ",") {
            let parts = entry.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, !parts[0].isEmpty, !parts[0].contains("."),
                  let data = Data(base64Encoded: String(parts[1])), data.count == 32 else {
                throw .invalid("OCTOISP_SECRET_KEY", "expected kid:base64(32 bytes)[,kid:…]")
            }
            parsed.append((String(parts[0]), SymmetricKey(data: data)))
        }
        guard let first = parsed.first else { throw .invalid("OCTOISP_SECRET_KEY", "no key given") }
        current = first
        keys = Dictionary(parsed, uniquingKeysWith: { a, _ in a })
    }

    /// A new random key ring entry, for set-up scripts.
    public static func generateKeyring(id: String = "k1") -> String {
        "\(id):\(SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() })"
    }

    /// Encrypts `plaintext`, binding it to `context` (e.g. `user:<id>:totp`) so it cannot be moved.
    public func seal(_ plaintext: String, context: String) throws -> String {
        let box = try AES.GCM.seal(Data(plaintext.utf8), using: current.key, authenticating: Data(context.utf8))
        return "v1.\(current.id).\(box.combined!.base64EncodedString())"
    }

    /// Decrypts text made by ``seal(_:context:)`` with the same context.
    public func open(_ sealed: String, context: String) throws(OctoError) -> String {
        let parts = sealed.split(separator: ".", maxSplits: 2)
        guard parts.count == 3, parts[0] == "v1", let key = keys[String(parts[1])],
              let data = Data(base64Encoded: String(parts[2])) else {
            throw OctoError(.internal, "sealed secret has an unknown format or key id")
        }
        do {
            let plain = try AES.GCM.open(try AES.GCM.SealedBox(combined: data), using: key, authenticating: Data(context.utf8))
            return String(decoding: plain, as: UTF8.self)
        } catch {
            throw OctoError(.internal, "sealed secret does not open with its key (tampered or wrong context)")
        }
    }
}
