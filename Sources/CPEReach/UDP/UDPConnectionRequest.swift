import Crypto

/// A UDP connection request (TR-069 Annex G): one datagram holding an HTTP GET whose query carries a
/// timestamp `ts`, a message id `id`, the connection-request user name `un`, a random cnonce `cn` and
/// `sig`, the hex HMAC-SHA1 over `ts`+`id`+`un`+`cn` keyed with the connection-request password.
/// The ACS sends the same message a few times (UDP may drop it); the CPE acts once per `id`.
public struct UDPConnectionRequest: Sendable, Hashable {
    /// Seconds since 1970 when the ACS made the message.
    public var timestamp: UInt64
    /// Message id, the same in every copy of one request.
    public var id: UInt32
    /// Connection-request user name.
    public var username: String
    /// Random cnonce.
    public var cnonce: String
    /// Hex HMAC-SHA1.
    public var signature: String

    /// Why a datagram is not a valid UDP connection request.
    public struct Invalid: Error, Sendable, Hashable, CustomStringConvertible {
        /// What is wrong.
        public let description: String
    }

    /// A signed request for `username`/`password` made at `timestamp`.
    public static func signed(timestamp: UInt64, id: UInt32 = UInt32.random(in: 0...UInt32.max), username: String, password: String,
                              cnonce: String = Self.randomCnonce()) -> UDPConnectionRequest {
        UDPConnectionRequest(timestamp: timestamp, id: id, username: username, cnonce: cnonce,
                             signature: signature(timestamp: timestamp, id: id, username: username, cnonce: cnonce, password: password))
    }

    /// 16 hex digits from the system's random source.
    public static func randomCnonce() -> String {
        (0..<8).map { _ in UInt8.random(in: 0...255) }.map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
        }.joined()
    }

    /// The hex HMAC-SHA1 over `ts`+`id`+`un`+`cn` with `password` as the key.
    public static func signature(timestamp: UInt64, id: UInt32, username: String, cnonce: String, password: String) -> String {
        let text = "\(timestamp)\(id)\(username)\(cnonce)"
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Array(text.utf8), using: SymmetricKey(data: Array(password.utf8)))
        return mac.map { byte in
            let digits = Array("0123456789ABCDEF")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
        }.joined()
    }

    /// Whether `sig` is right for `password` (hex compared without regard to case, in constant time).
    public func isSigned(with password: String) -> Bool {
        let expected = Array(Self.signature(timestamp: timestamp, id: id, username: username, cnonce: cnonce, password: password).utf8)
        let given = Array(signature.uppercased().utf8)
        guard expected.count == given.count else { return false }
        return zip(expected, given).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// The datagram to `host`:`port` (host as it appears in UDPConnectionRequestAddress).
    public func datagram(host: String, port: Int) -> [UInt8] {
        let authority = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]:\(port)" : "\(host):\(port)"
        let query = "ts=\(timestamp)&id=\(id)&un=\(Self.escape(username))&cn=\(Self.escape(cnonce))&sig=\(signature)"
        return Array("GET http://\(authority)?\(query) HTTP/1.1\r\nHost: \(authority)\r\n\r\n".utf8)
    }

    /// Parses a datagram: the request line must be `GET <uri> HTTP/1.1` with every query field present.
    public static func parse(_ bytes: [UInt8]) throws(Invalid) -> UDPConnectionRequest {
        guard bytes.count <= 2048 else { throw Invalid(description: "datagram larger than 2048 bytes") }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let line = text.split(separator: "\r\n", maxSplits: 1, omittingEmptySubsequences: false).first else {
            throw Invalid(description: "empty datagram")
        }
        let parts = line.split(separator: " ")
        guard parts.count == 3, parts[0] == "GET", parts[2].hasPrefix("HTTP/1.") else { throw Invalid(description: "not an HTTP GET request line") }
        guard let question = parts[1].firstIndex(of: "?") else { throw Invalid(description: "no query") }
        var fields: [String: String] = [:]
        for pair in parts[1][parts[1].index(after: question)...].split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard kv.count == 2 else { continue }
            fields[String(kv[0])] = unescape(String(kv[1]))
        }
        guard let ts = fields["ts"].flatMap(UInt64.init) else { throw Invalid(description: "ts missing or not a number") }
        guard let id = fields["id"].flatMap(UInt32.init) else { throw Invalid(description: "id missing or not a number") }
        guard let un = fields["un"] else { throw Invalid(description: "un missing") }
        guard let cn = fields["cn"] else { throw Invalid(description: "cn missing") }
        guard let sig = fields["sig"], sig.count == 40 else { throw Invalid(description: "sig missing or not 40 hex digits") }
        return UDPConnectionRequest(timestamp: ts, id: id, username: un, cnonce: cn, signature: sig)
    }

    static func escape(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            let char = Character(UnicodeScalar(byte))
            if char.isLetter && byte < 0x80 || char.isNumber && byte < 0x80 || "-._~".contains(char) {
                result.append(char)
            } else {
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return result
    }

    static func unescape(_ text: String) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
               let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// What a CPE remembers to act once per request and refuse replays (TR-069 Annex G): the newest
/// timestamp accepted and the ids seen with it.
public struct UDPConnectionRequestGuard: Sendable {
    var newest: UInt64 = 0
    var seen: Set<UInt32> = []

    /// Creates an empty guard.
    public init() {}

    /// What to do with a datagram.
    public enum Verdict: Sendable, Hashable {
        /// Valid and new: open a session.
        case accept
        /// A copy of a request already acted on.
        case duplicate
        /// Refused, with why.
        case refuse(String)
    }

    /// Judges `datagram` for a CPE whose connection-request credentials are `username`/`password`.
    public mutating func judge(_ datagram: [UInt8], username: String, password: String) -> Verdict {
        let request: UDPConnectionRequest
        do { request = try UDPConnectionRequest.parse(datagram) } catch { return .refuse(error.description) }
        guard request.username == username else { return .refuse("un does not match") }
        guard request.isSigned(with: password) else { return .refuse("bad sig") }
        if request.timestamp < newest { return .refuse("ts older than an accepted request") }
        if request.timestamp == newest && seen.contains(request.id) { return .duplicate }
        if request.timestamp > newest {
            newest = request.timestamp
            seen = []
        }
        seen.insert(request.id)
        return .accept
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
