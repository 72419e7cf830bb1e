import Foundation

/// The pieces of MIME (RFC 2045, 2047) and SMTP (RFC 5321) text encoding the mail client needs.
public enum MIME {
    /// A multipart boundary that cannot occur in quoted-printable or base64 text (it starts with `=_`).
    public static func makeBoundary() -> String {
        "=_OctoISP_" + Hex.encode((0..<12).map { _ in UInt8.random(in: 0...255) })
    }

    /// An RFC 5322 date in UTC: `Sat, 05 Dec 2026 14:03:07 +0000`.
    public static func dateHeader(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int?) -> String { let v = value ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
        return "\(days[(c.weekday ?? 1) - 1]), \(two(c.day)) \(months[(c.month ?? 1) - 1]) \(c.year ?? 1970) "
            + "\(two(c.hour)):\(two(c.minute)):\(two(c.second)) +0000"
    }

    /// An unstructured header value: as is when it is short printable ASCII, otherwise RFC 2047
    /// `=?UTF-8?B?…?=` encoded words of at most 75 characters, folded onto continuation lines.
    /// `nameLength` is the length of `Name: ` before the value.
    public static func headerText(_ text: String, nameLength: Int) -> String {
        let clean = NotificationRenderer.singleLine(text)
        let ascii = clean.utf8.allSatisfy { $0 >= 32 && $0 < 127 }
        if ascii && !clean.contains("=?") && clean.utf8.count + nameLength <= 78 { return clean }
        return encodedWords(clean).joined(separator: "\r\n ")
    }

    /// `text` as RFC 2047 base64 encoded words, each whole characters and at most 75 characters long.
    public static func encodedWords(_ text: String) -> [String] {
        // "=?UTF-8?B?" + "?=" is 12 characters; 45 bytes of UTF-8 become 60 base64 characters.
        let maximumBytes = 45
        var words: [String] = []
        var chunk: [UInt8] = []
        func flush() {
            guard !chunk.isEmpty else { return }
            words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=")
            chunk = []
        }
        for character in text {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > maximumBytes { flush() }
            chunk += bytes
        }
        flush()
        return words.isEmpty ? ["=?UTF-8?B??="] : words
    }

    /// Quoted-printable (RFC 2045 §6.7) of UTF-8 text: line breaks become CRLF hard breaks, lines
    /// are at most 76 characters with `=` soft breaks, trailing spaces and tabs are encoded.
    public static func quotedPrintable(_ text: String) -> String {
        let lines = NotificationRenderer.normalizedLines(text)
        var out: [String] = []
        for line in lines {
            let bytes = Array(line.utf8)
            var encoded = ""
            var current = 0
            for (index, byte) in bytes.enumerated() {
                let isLast = index == bytes.count - 1
                let piece: String
                if byte == UInt8(ascii: "=") || byte > 126 || (byte < 32 && byte != 9) || ((byte == 32 || byte == 9) && isLast) {
                    piece = "=" + Hex.encode([byte]).uppercased()
                } else {
                    piece = String(UnicodeScalar(byte))
                }
                // Keep room for the soft break's "=": at most 75 characters before it.
                if current + piece.count > 75 {
                    encoded += "=\r\n"
                    current = 0
                }
                encoded += piece
                current += piece.count
            }
            out.append(encoded)
        }
        return out.joined(separator: "\r\n")
    }

    /// Decodes quoted-printable text to bytes (for tests and receivers).
    public static func decodeQuotedPrintable(_ text: String) -> [UInt8] {
        let bytes = Array(text.replacingOccurrences(of: "=\r\n", with: "").replacingOccurrences(of: "=\n", with: "").utf8)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "="), index + 2 < bytes.count,
               let value = Hex.decode(String(decoding: bytes[(index + 1)...(index + 2)], as: UTF8.self)) {
                out += value
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return out
    }

    /// The DATA payload for SMTP: every line that starts with `.` gets another `.` (RFC 5321
    /// §4.5.2), bare LF become CRLF, and the terminating `.` line is appended.
    public static func dotStuffed(_ message: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.count + 64)
        var atLineStart = true
        var previous: UInt8 = 0
        for byte in message {
            if byte == UInt8(ascii: "\n") && previous != UInt8(ascii: "\r") { out.append(UInt8(ascii: "\r")) }
            if atLineStart && byte == UInt8(ascii: ".") { out.append(UInt8(ascii: ".")) }
            out.append(byte)
            atLineStart = byte == UInt8(ascii: "\n")
            previous = byte
        }
        if !atLineStart { out += Array("\r\n".utf8) }
        out += Array(".\r\n".utf8)
        return out
    }

    /// A header field name: printable ASCII without `:` or spaces.
    static func isToken(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { $0 > 32 && $0 < 127 && $0 != UInt8(ascii: ":") }
    }
}
