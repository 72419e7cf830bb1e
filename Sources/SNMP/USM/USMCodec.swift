import Synchronization

/// Builds and opens USM-protected SNMPv3 messages: authentication (HMAC) and privacy
/// (DES / AES). No I/O; keys come already localized.
public enum USMCodec {
    private static let saltCounter = Atomic<UInt64>(UInt64.random(in: 0...UInt64.max))

    /// The next privacy salt (a process-wide counter starting at a random value).
    public static func nextSalt() -> UInt64 {
        saltCounter.wrappingAdd(1, ordering: .relaxed).newValue
    }

    /// What an outgoing message needs to know about the authoritative engine.
    public struct EngineParameters: Hashable, Sendable {
        /// snmpEngineID of the authoritative (agent) engine, empty for discovery.
        public var engineID: [UInt8]
        /// snmpEngineBoots.
        public var boots: Int32
        /// snmpEngineTime, as estimated now.
        public var time: Int32

        /// Creates parameters.
        public init(engineID: [UInt8], boots: Int32, time: Int32) {
            self.engineID = engineID
            self.boots = boots
            self.time = time
        }
    }

    /// Encodes `pdu` for `user` at `level`, authenticating and encrypting as the level requires.
    public static func encode(
        pdu: PDU, messageID: Int32, maxSize: Int32 = 65_507, user: USMUser, level: SecurityLevel,
        keys: LocalizedKeys, engine: EngineParameters, contextEngineID: [UInt8]? = nil,
        contextName: String = "", reportable: Bool = true, salt: UInt64 = USMCodec.nextSalt()
    ) throws(SNMPError) -> [UInt8] {
        var scopedWriter = BERWriter(capacity: 64 + 32 * pdu.varBinds.count)
        ScopedPDU(contextEngineID: contextEngineID ?? engine.engineID, contextName: Array(contextName.utf8),
                  pdu: pdu).encode(into: &scopedWriter)

        var privacyParameters: [UInt8] = []
        var encrypted: [UInt8]?
        if level == .authPriv {
            guard let priv = user.priv, let privKey = keys.priv else {
                throw SNMPError(.invalidArgument, "authPriv requires a privacy protocol and password")
            }
            let (cipherText, parameters) = try encrypt(scopedWriter.bytes, proto: priv.proto, key: privKey,
                                                       engine: engine, salt: salt)
            encrypted = cipherText
            privacyParameters = parameters
        }

        var macLength = 0
        if level != .noAuthNoPriv {
            guard let auth = user.auth, keys.auth != nil else {
                throw SNMPError(.invalidArgument, "\(level) requires an authentication protocol and password")
            }
            macLength = auth.proto.macLength
        }
        let security = USMSecurityParameters(
            engineID: engine.engineID, engineBoots: engine.boots, engineTime: engine.time,
            userName: Array(user.name.utf8), authenticationParameters: [UInt8](repeating: 0, count: macLength),
            privacyParameters: privacyParameters)
        let (securityBytes, securityAuthOffset) = security.encoded()

        var writer = BERWriter(capacity: scopedWriter.bytes.count + securityBytes.count + 48)
        let mark = writer.beginConstructed()
        writer.writeInteger(3)
        let header = writer.beginConstructed()
        writer.writeInteger(Int64(messageID))
        writer.writeInteger(Int64(maxSize))
        writer.writeOctetString([MessageFlags(level: level, reportable: reportable).rawValue])
        writer.writeInteger(3)
        writer.endConstructed(header)
        writer.writeOctetString(securityBytes)
        if let encrypted {
            writer.writeOctetString(encrypted)
        } else {
            writer.bytes.append(contentsOf: scopedWriter.bytes)
        }
        writer.endConstructed(mark)
        var bytes = writer.bytes

        if macLength > 0, let auth = user.auth, let authKey = keys.auth {
            // The outer header is now final; locate the security parameters inside it.
            guard let base = securityParametersOffset(in: bytes) else {
                throw SNMPError(.invalidArgument, "could not locate security parameters")
            }
            let offset = base + securityAuthOffset
            let mac = auth.proto.authenticationCode(key: authKey, message: bytes)
            bytes.replaceSubrange(offset..<(offset + macLength), with: mac)
        }
        return bytes
    }

    private static func securityParametersOffset(in bytes: [UInt8]) -> Int? {
        var outer = BERReader(bytes)
        guard var reader = try? outer.readConstructed() else { return nil }
        guard (try? reader.skipElement()) != nil, (try? reader.skipElement()) != nil,
              (try? reader.readHeader(expecting: BERTag.octetString)) != nil else { return nil }
        return reader.position
    }

    /// Verifies and decrypts an incoming message, returning its scoped PDU.
    ///
    /// Unauthenticated messages are returned as they are (the caller decides whether the level is acceptable).
    public static func open(_ message: SNMPv3Message, bytes: [UInt8], user: USMUser,
                            keys: LocalizedKeys) throws(SNMPError) -> ScopedPDU {
        if message.flags.contains(.auth) {
            guard let auth = user.auth, let authKey = keys.auth else {
                throw SNMPError(.unsupportedSecurityLevel, "authenticated message for a user without authentication")
            }
            let received = message.security.authenticationParameters
            guard received.count == auth.proto.macLength,
                  message.authOffset + received.count <= bytes.count else {
                throw SNMPError(.authenticationFailure, "authentication parameters of \(received.count) octets")
            }
            var zeroed = bytes
            for index in message.authOffset..<(message.authOffset + received.count) { zeroed[index] = 0 }
            let expected = auth.proto.authenticationCode(key: authKey, message: zeroed)
            guard constantTimeEqual(expected, received) else {
                throw SNMPError(.authenticationFailure, "response HMAC does not verify")
            }
        }
        switch message.data {
        case .plaintext(let scoped):
            return scoped
        case .encrypted(let cipherText):
            guard message.flags.contains(.priv), let priv = user.priv, let privKey = keys.priv else {
                throw SNMPError(.decryptionError, "encrypted message for a user without privacy")
            }
            let engine = EngineParameters(engineID: message.security.engineID, boots: message.security.engineBoots,
                                          time: message.security.engineTime)
            let plain = try decrypt(cipherText, proto: priv.proto, key: privKey, engine: engine,
                                    privacyParameters: message.security.privacyParameters)
            do {
                var reader = BERReader(plain)
                return try ScopedPDU.decode(from: &reader)
            } catch {
                throw SNMPError(.decryptionError, "decrypted scoped PDU does not decode: \(error)")
            }
        }
    }

    /// Encrypts a serialized scoped PDU; returns the cipher text and msgPrivacyParameters.
    public static func encrypt(_ plain: [UInt8], proto: PrivProtocol, key: [UInt8], engine: EngineParameters,
                               salt: UInt64) throws(SNMPError) -> (cipherText: [UInt8], parameters: [UInt8]) {
        switch proto {
        case .des:
            let parameters = bigEndian(UInt32(bitPattern: engine.boots)) + bigEndian(UInt32(truncatingIfNeeded: salt))
            let iv = zip(key[8..<16], parameters).map { $0 ^ $1 }
            var padded = plain
            let remainder = padded.count % 8
            if remainder != 0 { padded += [UInt8](repeating: 0, count: 8 - remainder) }
            guard let cipherText = LibCrypto.desCBC(key: Array(key.prefix(8)), iv: iv, input: padded, encrypt: true)
            else { throw SNMPError(.decryptionError, "DES encryption failed") }
            return (cipherText, parameters)
        default:
            let parameters = bigEndian(salt)
            let iv = bigEndian(UInt32(bitPattern: engine.boots)) + bigEndian(UInt32(bitPattern: engine.time))
                + parameters
            guard let cipherText = LibCrypto.aesCFB(key: Array(key.prefix(proto.keyLength)), iv: iv, input: plain,
                                                    encrypt: true)
            else { throw SNMPError(.decryptionError, "AES encryption failed") }
            return (cipherText, parameters)
        }
    }

    /// Decrypts an encryptedPDU.
    public static func decrypt(_ cipherText: [UInt8], proto: PrivProtocol, key: [UInt8], engine: EngineParameters,
                               privacyParameters: [UInt8]) throws(SNMPError) -> [UInt8] {
        guard privacyParameters.count == 8 else {
            throw SNMPError(.decryptionError, "privacy parameters of \(privacyParameters.count) octets")
        }
        switch proto {
        case .des:
            guard cipherText.count % 8 == 0, key.count >= 16 else {
                throw SNMPError(.decryptionError, "DES cipher text of \(cipherText.count) octets")
            }
            let iv = zip(key[8..<16], privacyParameters).map { $0 ^ $1 }
            guard let plain = LibCrypto.desCBC(key: Array(key.prefix(8)), iv: iv, input: cipherText, encrypt: false)
            else { throw SNMPError(.decryptionError, "DES decryption failed") }
            return plain
        default:
            let iv = bigEndian(UInt32(bitPattern: engine.boots)) + bigEndian(UInt32(bitPattern: engine.time))
                + privacyParameters
            guard let plain = LibCrypto.aesCFB(key: Array(key.prefix(proto.keyLength)), iv: iv, input: cipherText,
                                               encrypt: false)
            else { throw SNMPError(.decryptionError, "AES decryption failed") }
            return plain
        }
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    private static func bigEndian(_ value: UInt64) -> [UInt8] {
        bigEndian(UInt32(value >> 32)) + bigEndian(UInt32(value & 0xFFFF_FFFF))
    }

    private static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }
}
