import Foundation
import Notifications
import Testing

@Suite struct MIMETests {
    @Test func quotedPrintableEncodesNonASCIIEqualsAndTrailingSpace() {
        #expect(MIME.quotedPrintable("Olá = mundo ") == "Ol=C3=A1 =3D mundo=20")
        #expect(MIME.quotedPrintable("a\nb\r\nc") == "a\r\nb\r\nc")
        let long = String(repeating: "é", count: 100)
        let encoded = MIME.quotedPrintable(long)
        for line in encoded.components(separatedBy: "\r\n") { #expect(line.count <= 76) }
        #expect(String(decoding: MIME.decodeQuotedPrintable(encoded), as: UTF8.self) == long)
    }

    @Test func encodedWordsAreShortAndWholeCharacters() {
        let subject = "[CRÍTICO] OLT-CENTRO fora do ar — Área São João, Coração, Ação, Pênalti, Último aviso"
        let words = MIME.encodedWords(subject)
        #expect(words.count > 1)
        var decoded: [UInt8] = []
        for word in words {
            #expect(word.count <= 75)
            #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
            let bytes = Array(Data(base64Encoded: String(word.dropFirst(10).dropLast(2)))!)
            let whole = String(validating: bytes, as: UTF8.self) != nil
            #expect(whole, "a word splits a character")
            decoded += bytes
        }
        #expect(String(decoding: decoded, as: UTF8.self) == subject)
        #expect(MIME.headerText("Plain ASCII subject", nameLength: 9) == "Plain ASCII subject")
    }

    @Test func dotStuffingAndTermination() {
        let stuffed = MIME.dotStuffed(Array(".start\r\nmiddle\n..two\r\nend".utf8))
        #expect(String(decoding: stuffed, as: UTF8.self) == "..start\r\nmiddle\r\n...two\r\nend\r\n.\r\n")
        #expect(String(decoding: MIME.dotStuffed(Array("x\r\n".utf8)), as: UTF8.self) == "x\r\n.\r\n")
    }

    @Test func dateHeaderIsRFC5322() {
        #expect(MIME.dateHeader(Date(timeIntervalSince1970: 1_796_475_000)) == "Sat, 05 Dec 2026 12:50:00 +0000")
    }

    @Test func multipartMessageIsSevenBitWithBothParts() throws {
        let message = MailMessage(from: try MailAddress("noc@provedor.example", name: "NOC Provedor São João"),
                                  to: [try MailAddress("ops@provedor.example")], subject: "Ação necessária",
                                  text: "Olá\n.ponto", html: "<p>Olá</p>", date: Date(timeIntervalSince1970: 0),
                                  messageID: "abc@provedor.example")
        let bytes = try message.encoded(boundary: "=_b")
        #expect(bytes.allSatisfy { $0 < 128 })
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("Subject: =?UTF-8?B?"))
        #expect(text.contains("From: =?UTF-8?B?"))
        #expect(text.contains("Message-ID: <abc@provedor.example>\r\n"))
        #expect(text.contains("Content-Type: multipart/alternative; boundary=\"=_b\"\r\n"))
        #expect(text.contains("--=_b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nOl=C3=A1\r\n.ponto\r\n"))
        #expect(text.contains("--=_b\r\nContent-Type: text/html; charset=utf-8"))
        #expect(text.hasSuffix("--=_b--\r\n"))
    }

    @Test(arguments: ["a b@x.org", "a@b@c", "<a@x.org>", "a@x.org\r\nRCPT TO:<b@y.org>", "@x.org", "a@"])
    func addressesThatCouldInjectAreRefused(address: String) {
        #expect(throws: SMTPError.self) { try MailAddress(address) }
    }
}
