import Foundation

/// An e-mail address with an optional display name.
public struct MailAddress: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `local@domain`, ASCII only (no SMTPUTF8), without angle brackets.
    public var address: String
    /// Shown by mail clients; may hold any Unicode (it is encoded per RFC 2047).
    public var name: String?

    /// Creates an address; fails when `address` could break an SMTP command or a header.
    public init(_ address: String, name: String? = nil) throws(SMTPError) {
        guard Self.isValid(address) else {
            throw SMTPError(.invalidMessage, "invalid e-mail address \(address.debugDescription)")
        }
        self.address = address
        self.name = name
    }

    /// One `@`, a non-empty local part and domain, printable ASCII without spaces, brackets,
    /// commas, quotes or control characters.
    public static func isValid(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, address.utf8.count <= 254 else { return false }
        return address.utf8.allSatisfy { $0 > 32 && $0 < 127 && !"<>()[]\\,;:\"".utf8.contains($0) }
    }

    /// `address` or `Name <address>`.
    public var description: String { name.map { "\($0) <\(address)>" } ?? address }

    /// The header form: `address`, `"Name" <address>` or `=?UTF-8?B?…?= <address>`.
    var headerValue: String {
        guard let name, !name.isEmpty else { return address }
        let clean = NotificationRenderer.singleLine(name)
        if clean.utf8.allSatisfy({ $0 >= 32 && $0 < 127 }) {
            let quoted = clean.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(quoted)\" <\(address)>"
        }
        return MIME.encodedWords(clean).joined(separator: "\r\n ") + " <\(address)>"
    }
}

/// One e-mail: a multipart/alternative message with a plain-text and an HTML part.
public struct MailMessage: Sendable, Hashable {
    /// The author (`From:` and `MAIL FROM`).
    public var from: MailAddress
    /// The recipients (`To:` and one `RCPT TO` each).
    public var to: [MailAddress]
    /// The subject; any Unicode (encoded per RFC 2047 when not plain ASCII).
    public var subject: String
    /// The plain-text part.
    public var text: String
    /// The HTML part; without it the message is a single text/plain part.
    public var html: String?
    /// The `Date:` header.
    public var date: Date
    /// The `Message-ID:` without angle brackets, e.g. `9b1c…@octoisp.example`.
    public var messageID: String
    /// Further headers (ASCII values), e.g. `X-OctoISP-Alert`.
    public var headers: [String: String]
    /// Files sent with the message (a scheduled report's PDF and CSV); with any, the message is
    /// multipart/mixed: the text (or the text/HTML alternative) first, then each file in base64.
    public var attachments: [MailAttachment] = []

    /// Creates a message.
    public init(from: MailAddress, to: [MailAddress], subject: String, text: String, html: String? = nil, date: Date,
                messageID: String, headers: [String: String] = [:]) {
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.date = date
        self.messageID = messageID
        self.headers = headers
    }

    /// The message as sent after `DATA`, before dot-stuffing: CRLF line breaks, 7-bit only.
    public func encoded(boundary: String = MIME.makeBoundary()) throws(SMTPError) -> [UInt8] {
        guard !to.isEmpty else { throw SMTPError(.invalidMessage, "a message needs at least one recipient") }
        var head: [String] = []
        head.append("Date: \(MIME.dateHeader(date))")
        head.append("From: \(from.headerValue)")
        head.append("To: " + to.map(\.headerValue).joined(separator: ",\r\n "))
        head.append("Subject: " + MIME.headerText(subject, nameLength: 9))
        head.append("Message-ID: <\(messageID)>")
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            guard MIME.isToken(name), value.utf8.allSatisfy({ $0 >= 32 && $0 < 127 }) else {
                throw SMTPError(.invalidMessage, "invalid header \(name.debugDescription)")
            }
            head.append("\(name): \(value)")
        }
        head.append("MIME-Version: 1.0")
        var lines = head
        if attachments.isEmpty {
            lines += bodyLines(boundary: boundary)
        } else {
            let mixed = "mixed-" + boundary
            lines.append("Content-Type: multipart/mixed; boundary=\"\(mixed)\"")
            lines.append("")
            lines.append("This is a multi-part message in MIME format.")
            lines.append("--\(mixed)")
            lines += bodyLines(boundary: boundary)
            for attachment in attachments {
                guard !attachment.contentType.isEmpty, attachment.contentType.utf8.allSatisfy({ $0 >= 32 && $0 < 127 && $0 != 34 }) else {
                    throw SMTPError(.invalidMessage, "invalid attachment type \(attachment.contentType.debugDescription)")
                }
                lines.append("--\(mixed)")
                lines.append("Content-Type: \(attachment.contentType); name=\"\(attachment.asciiName)\"")
                lines.append("Content-Transfer-Encoding: base64")
                lines.append("Content-Disposition: attachment; filename=\"\(attachment.asciiName)\"; filename*=UTF-8''\(attachment.encodedName)")
                lines.append("")
                let encoded = Data(attachment.content).base64EncodedString()
                var index = encoded.startIndex
                while index < encoded.endIndex {
                    let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
                    lines.append(String(encoded[index..<end]))
                    index = end
                }
            }
            lines.append("--\(mixed)--")
        }
        return Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }

    /// The text part, or the text/HTML alternative.
    func bodyLines(boundary: String) -> [String] {
        var lines: [String] = []
        if let html {
            lines.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
            lines.append("")
            lines.append("This is a multi-part message in MIME format.")
            for (type, content) in [("text/plain", text), ("text/html", html)] {
                lines.append("--\(boundary)")
                lines.append("Content-Type: \(type); charset=utf-8")
                lines.append("Content-Transfer-Encoding: quoted-printable")
                lines.append("")
                lines.append(MIME.quotedPrintable(content))
            }
            lines.append("--\(boundary)--")
        } else {
            lines.append("Content-Type: text/plain; charset=utf-8")
            lines.append("Content-Transfer-Encoding: quoted-printable")
            lines.append("")
            lines.append(MIME.quotedPrintable(text))
        }
        return lines
    }
}

/// A file attached to an e-mail.
public struct MailAttachment: Sendable, Hashable {
    /// File name (any Unicode; sent per RFC 2231 and as an ASCII fallback).
    public var name: String
    /// MIME type, e.g. `application/pdf`.
    public var contentType: String
    /// The bytes.
    public var content: [UInt8]

    /// Creates an attachment.
    public init(name: String, contentType: String, content: [UInt8]) {
        self.name = name
        self.contentType = contentType
        self.content = content
    }

    /// The name with anything but safe ASCII replaced by `_`.
    var asciiName: String {
        String(name.unicodeScalars.map { $0.isASCII && $0.value > 32 && $0 != "\"" && $0 != "\\" ? Character($0) : "_" })
    }

    /// RFC 2231 percent-encoding of the UTF-8 name.
    var encodedName: String {
        name.utf8.map { byte in
            let c = Character(UnicodeScalar(byte))
            return (c.isLetter || c.isNumber) && byte < 128 || "-._".utf8.contains(byte) ? String(c) : String(format: "%%%02X", byte)
        }.joined()
    }
}
