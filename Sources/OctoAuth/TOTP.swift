import Crypto
import Foundation

/// Time-based one-time passwords (RFC 6238, HMAC-SHA-1, 6 digits, 30-second steps), as authenticator
/// apps implement them.
public struct TOTP: Sendable {
    /// The shared secret.
    public let secret: [UInt8]
    /// Digits per code.
    public let digits: Int
    /// Seconds per step.
    public let period: TimeInterval

    /// Creates a generator for `secret`.
    public init(secret: [UInt8], digits: Int = 6, period: TimeInterval = 30) {
        self.secret = secret
        self.digits = digits
        self.period = period
    }

    /// A new random 160-bit secret.
    public static func generateSecret() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<20).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// The code for the step containing `date`.
    public func code(at date: Date) -> String {
        code(step: UInt64(max(0, date.timeIntervalSince1970) / period))
    }

    /// The code for a step counter (RFC 4226 HOTP).
    public func code(step: UInt64) -> String {
        var counter = step.bigEndian
        let message = withUnsafeBytes(of: &counter) { Data($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: secret)))
        let offset = Int(mac[mac.count - 1] & 0x0f)
        let binary = (UInt32(mac[offset] & 0x7f) << 24) | (UInt32(mac[offset + 1]) << 16)
            | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        let value = String(binary % modulus)
        return String(repeating: "0", count: digits - value.count) + value
    }

    /// Whether `code` is valid at `date`, accepting one step of clock drift either way.
    public func validate(_ code: String, at date: Date) -> Bool {
        matchingStep(code, at: date) != nil
    }

    /// The time step `code` belongs to when it is valid at `date` (one step of drift either way), else
    /// `nil`. Callers that remember the last step accepted per user make codes single-use.
    public func matchingStep(_ code: String, at date: Date) -> Int64? {
        let code = code.filter { !$0.isWhitespace }
        guard code.count == digits, code.allSatisfy(\.isASCIIDigit) else { return nil }
        let step = Int64(max(0, date.timeIntervalSince1970) / period)
        var matched: Int64?
        for drift in -1...1 where step + Int64(drift) >= 0 {
            if ConstantTimeText.equal(self.code(step: UInt64(step + Int64(drift))), code) { matched = step + Int64(drift) }
        }
        return matched
    }

    /// The `otpauth://` URI authenticator apps scan.
    public func provisioningURI(account: String, issuer: String = "OctoISP") -> String {
        var components = URLComponents()
        components.scheme = "otpauth"
        components.host = "totp"
        components.path = "/\(issuer):\(account)"
        components.queryItems = [
            URLQueryItem(name: "secret", value: Base32.encode(secret)),
            URLQueryItem(name: "issuer", value: issuer),
            URLQueryItem(name: "digits", value: String(digits)),
            URLQueryItem(name: "period", value: String(Int(period))),
        ]
        return components.string ?? ""
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

/// String comparison without early exit.
enum ConstantTimeText {
    static func equal(_ a: String, _ b: String) -> Bool {
        let a = Array(a.utf8), b = Array(b.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}

/// RFC 4648 base32 without padding, as used by authenticator apps.
public enum Base32 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    /// Encodes bytes.
    public static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | UInt32(byte)
            bits += 8
            while bits >= 5 {
                output.append(alphabet[Int((buffer >> UInt32(bits - 5)) & 31)])
                bits -= 5
            }
        }
        if bits > 0 { output.append(alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes text (case-insensitive, padding and spaces ignored); `nil` on a foreign character.
    public static func decode(_ text: String) -> [UInt8]? {
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for character in text.uppercased().utf8 where character != UInt8(ascii: "=") && character != UInt8(ascii: " ") {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            buffer = (buffer << 5) | UInt32(value)
            bits += 5
            if bits >= 8 {
                output.append(UInt8((buffer >> UInt32(bits - 8)) & 0xff))
                bits -= 8
            }
        }
        return output
    }
}
