import Testing
@testable import SNMP

func hexBytes(_ text: String) -> [UInt8] {
    let digits = Array(text.filter { !$0.isWhitespace })
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
}

enum V3Vectors {
    static let engineID = hexBytes("80001F888059DC486145A26322")

    static func sampleMessage() -> [UInt8] {
        let user = USMUser(name: "u", auth: .init(.sha1, "authpass-octo1"), priv: .init(.aes128, "privpass-octo1"))
        let keys = USMKeyCache.shared.keys(for: user, engineID: engineID)
        return try! USMCodec.encode(pdu: PDU(type: .get, requestID: 7, varBinds: [VarBind(.sysDescr)]), messageID: 7,
                                    user: user, level: .authPriv, keys: keys,
                                    engine: .init(engineID: engineID, boots: 3, time: 1000), salt: 42)
    }
}

@Suite("USM keys and crypto")
struct USMTests {
    // RFC 3414 appendix A.3.1 and A.3.2.
    static let rfcEngineID = hexBytes("000000000000000000000002")

    @Test func md5PasswordToKeyMatchesRFC3414() {
        let ku = AuthProtocol.md5.passwordToKey(Array("maplesyrup".utf8))
        #expect(ku == hexBytes("9faf3283884e92834ebc9847d8edd963"))
        #expect(AuthProtocol.md5.localize(key: ku, engineID: Self.rfcEngineID)
            == hexBytes("526f5eed9fcce26f8964c2930787d82b"))
    }

    @Test func sha1PasswordToKeyMatchesRFC3414() {
        let ku = AuthProtocol.sha1.passwordToKey(Array("maplesyrup".utf8))
        #expect(ku == hexBytes("9fb5cc0381497b3793528939ff788d5d79145211"))
        #expect(AuthProtocol.sha1.localize(key: ku, engineID: Self.rfcEngineID)
            == hexBytes("6695febc9288e36282235fc7151f128497b38f3f"))
    }

    @Test func hmacLengthsFollowRFC7860() {
        let lengths = AuthProtocol.allCases.map { ($0.digestLength, $0.macLength) }
        #expect(lengths.map(\.0) == [16, 20, 28, 32, 48, 64])
        #expect(lengths.map(\.1) == [12, 12, 16, 24, 32, 48])
        for proto in AuthProtocol.allCases {
            #expect(proto.authenticationCode(key: [1, 2, 3], message: [4, 5]).count == proto.macLength)
        }
    }

    @Test func sha224HMACMatchesRFC4231() {
        // RFC 4231 test case 2.
        let mac = AuthProtocol.sha224.hmac(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(mac == hexBytes("a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44"))
    }

    // Reeder / Blumenthal extensions as net-snmp computes them (engine 80001F888059DC486145A26322, "privpass12").
    @Test(arguments: [
        (AuthProtocol.md5, PrivProtocol.aes256C, "92E9863298306ABFA9250C4F54FF245DB0C03ABE3DB564B4DC7265ED57786FEA"),
        (AuthProtocol.md5, PrivProtocol.aes256, "92E9863298306ABFA9250C4F54FF245DB7D738FC71D8CA6A36993C212B6AC7DD"),
        (AuthProtocol.sha1, PrivProtocol.aes256C, "7441E9D9674A55709C82B9C9EB7D2D66DA95A329246A4965E8BC7CF8DAC2A1A6"),
        (AuthProtocol.sha1, PrivProtocol.aes256, "7441E9D9674A55709C82B9C9EB7D2D66DA95A329AF1E091732ED5F388F49B3AC"),
        (AuthProtocol.sha256, PrivProtocol.aes256, "FBB84E7488FE576266ED2DA748CF9DD4FC49909096187DF5A0BC0A92A37ADF32"),
    ])
    func keyExtensionMatchesNetSNMP(auth: AuthProtocol, priv: PrivProtocol, expected: String) {
        let ku = auth.passwordToKey(Array("privpass12".utf8))
        #expect(priv.localizedKey(ku: ku, auth: auth, engineID: V3Vectors.engineID) == hexBytes(expected))
    }

    @Test func keyExtensionLengths() {
        let ku = AuthProtocol.md5.passwordToKey(Array("privpass12".utf8))
        for priv in PrivProtocol.allCases {
            #expect(priv.localizedKey(ku: ku, auth: .md5, engineID: V3Vectors.engineID).count == priv.keyMaterialLength)
        }
        let blumenthal192 = PrivProtocol.aes192.localizedKey(ku: ku, auth: .md5, engineID: V3Vectors.engineID)
        let blumenthal256 = PrivProtocol.aes256.localizedKey(ku: ku, auth: .md5, engineID: V3Vectors.engineID)
        #expect(Array(blumenthal256.prefix(24)) == blumenthal192)
    }

    @Test(arguments: PrivProtocol.allCases)
    func encryptionRoundTrips(_ priv: PrivProtocol) throws {
        let ku = AuthProtocol.sha1.passwordToKey(Array("privpass-octo1".utf8))
        let key = priv.localizedKey(ku: ku, auth: .sha1, engineID: V3Vectors.engineID)
        let engine = USMCodec.EngineParameters(engineID: V3Vectors.engineID, boots: 5, time: 12345)
        let plain: [UInt8] = Array(0..<77)
        let (cipherText, parameters) = try USMCodec.encrypt(plain, proto: priv, key: key, engine: engine, salt: 99)
        #expect(parameters.count == 8)
        #expect(cipherText != plain)
        let decrypted = try USMCodec.decrypt(cipherText, proto: priv, key: key, engine: engine,
                                             privacyParameters: parameters)
        #expect(Array(decrypted.prefix(plain.count)) == plain)
    }

    @Test func desMatchesKnownAnswer() {
        // FIPS 81 / classic DES test: key 0123456789ABCDEF, IV 1234567890ABCDEF.
        let out = LibCrypto.desCBC(key: hexBytes("0123456789abcdef"), iv: hexBytes("1234567890abcdef"),
                                   input: Array("Now is the time for all ".utf8), encrypt: true)
        #expect(out == hexBytes("e5c7cdde872bf27c43e934008c389c0f683788499a7c05f6"))
    }

    @Test(arguments: AuthProtocol.allCases, [PrivProtocol?.none, .des, .aes128, .aes192, .aes256, .aes256C])
    func messagesRoundTripAndVerify(auth: AuthProtocol, priv: PrivProtocol?) throws {
        let user = USMUser(name: "octo", auth: .init(auth, "authpass-octo1"), priv: priv.map { .init($0, "privpass-octo1") })
        let keys = USMKeyCache.shared.keys(for: user, engineID: V3Vectors.engineID)
        let pdu = PDU(type: .get, requestID: 77, varBinds: [VarBind(.sysName)])
        let bytes = try USMCodec.encode(pdu: pdu, messageID: 77, user: user, level: user.securityLevel, keys: keys,
                                        engine: .init(engineID: V3Vectors.engineID, boots: 1, time: 2))
        let message = try SNMPv3Message.decode(bytes)
        #expect(message.messageID == 77)
        #expect(message.security.authenticationParameters.count == auth.macLength)
        let scoped = try USMCodec.open(message, bytes: bytes, user: user, keys: keys)
        #expect(scoped.pdu == pdu)
        // Flip one byte of the MAC and the message must be rejected.
        var tampered = bytes
        tampered[message.authOffset] ^= 0x01
        let tamperedMessage = try SNMPv3Message.decode(tampered)
        #expect(throws: SNMPError.self) { try USMCodec.open(tamperedMessage, bytes: tampered, user: user, keys: keys) }
    }

    @Test func keyCacheReturnsStableKeys() {
        let cache = USMKeyCache()
        let user = USMUser(name: "a", auth: .init(.sha256, "authpass-octo1"), priv: .init(.aes128, "privpass-octo1"))
        let first = cache.keys(for: user, engineID: [1, 2, 3, 4, 5])
        let second = cache.keys(for: user, engineID: [1, 2, 3, 4, 5])
        let other = cache.keys(for: user, engineID: [9, 9, 9, 9, 9])
        #expect(first == second)
        #expect(first != other)
        #expect(first.auth?.count == 32)
        #expect(first.priv?.count == 16)
    }
}
