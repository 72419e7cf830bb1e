import Foundation
import OctoAuth
import Testing

/// RFC 6238 appendix B (SHA-1, secret "12345678901234567890"), truncated to 6 digits.
@Suite struct TOTPTests {
    static let secret = Array("12345678901234567890".utf8)

    @Test(arguments: [
        (59.0, "287082"), (1_111_111_109, "081804"), (1_111_111_111, "050471"),
        (1_234_567_890, "005924"), (2_000_000_000, "279037"), (20_000_000_000, "353130"),
    ])
    func rfc6238Vectors(time: Double, code: String) {
        #expect(TOTP(secret: Self.secret).code(at: Date(timeIntervalSince1970: time)) == code)
    }

    @Test func acceptsOneStepOfDriftAndNoMore() {
        let totp = TOTP(secret: Self.secret)
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(totp.validate(totp.code(at: now), at: now))
        #expect(totp.validate(totp.code(at: now - 30), at: now))
        #expect(totp.validate(totp.code(at: now + 30), at: now))
        #expect(!totp.validate(totp.code(at: now - 90), at: now))
        #expect(!totp.validate("12345", at: now))
        #expect(!totp.validate("abcdef", at: now))
    }

    @Test func base32RoundTrip() {
        let bytes = TOTP.generateSecret()
        #expect(Base32.decode(Base32.encode(bytes)) == bytes)
        #expect(Base32.encode(Array("foobar".utf8)) == "MZXW6YTBOI")
        #expect(Base32.decode("MZXW6YTBOI======") == Array("foobar".utf8))
        #expect(Base32.decode("not base32!") == nil)
    }
}
