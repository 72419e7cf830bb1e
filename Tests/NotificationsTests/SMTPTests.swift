import Foundation
import Notifications
import Testing

/// The SMTP server scripts/peers/smtp.sh starts (aiosmtpd): STARTTLS with a certificate made by
/// openssl, AUTH required, every message in a maildir and decoded by Python's email package.
struct SMTPPeer {
    let host: String
    let port: Int
    let plainPort: Int
    let certificatePEM: String
    let maildir: URL
    let decoded: URL
    let user: String
    let password: String

    init() throws {
        host = try peerVariable("OCTOISP_TEST_SMTP_HOST")
        port = try #require(Int(try peerVariable("OCTOISP_TEST_SMTP_PORT")))
        plainPort = try #require(Int(try peerVariable("OCTOISP_TEST_SMTP_PLAIN_PORT")))
        certificatePEM = try String(contentsOfFile: try peerVariable("OCTOISP_TEST_SMTP_CERT"), encoding: .utf8)
        maildir = URL(fileURLWithPath: try peerVariable("OCTOISP_TEST_SMTP_MAILDIR"))
        decoded = URL(fileURLWithPath: try peerVariable("OCTOISP_TEST_SMTP_DECODED"))
        user = try peerVariable("OCTOISP_TEST_SMTP_USER")
        password = try peerVariable("OCTOISP_TEST_SMTP_PASSWORD")
    }

    func channel(password: String? = nil, mechanism: SMTPConfiguration.AuthMechanism? = nil, port: Int? = nil,
                 security: SMTPConfiguration.Security = .startTLS, trusted: Bool = true, authenticate: Bool = true) -> EmailConfiguration {
        EmailConfiguration(host: host, port: port ?? self.port, security: security, trustedCertificatePEM: trusted ? certificatePEM : nil,
                           username: authenticate ? user : nil, password: authenticate ? NotificationSecret(password ?? self.password) : nil,
                           authMechanism: mechanism, fromAddress: "alertas@provedor.example", fromName: "NOC Provedor São João",
                           recipients: ["noc@provedor.example", "plantao@provedor.example"], timeoutSeconds: 10)
    }

    /// The server's decoding of the message with this Message-ID, and the raw file as stored.
    func received(messageID: String) throws -> (summary: [String: Any], raw: String)? {
        for file in try FileManager.default.contentsOfDirectory(at: decoded, includingPropertiesForKeys: nil) where file.pathExtension == "json" {
            let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
            guard summary["message_id"] as? String == "<\(messageID)>" else { continue }
            let key = file.deletingPathExtension().lastPathComponent
            let raw = try String(contentsOf: maildir.appendingPathComponent("new").appendingPathComponent(key), encoding: .utf8)
            return (summary, raw)
        }
        return nil
    }
}

@Suite struct SMTPTests {
    @Test(arguments: [nil, SMTPConfiguration.AuthMechanism.plain, .login])
    func startTLSAuthAndReadBackFromTheMaildir(mechanism: SMTPConfiguration.AuthMechanism?) async throws {
        let peer = try SMTPPeer()
        let message = sampleMessage()
        let receipt = try await NotificationDispatcher().send(message, via: .email(peer.channel(mechanism: mechanism)))
        #expect(receipt.channel == .email)
        #expect(receipt.reference?.hasPrefix("250 ") == true)

        let messageID = "\(message.id.uuidString.lowercased())@provedor.example"
        let (summary, raw) = try #require(try peer.received(messageID: messageID))
        #expect(summary["listener"] as? String == "starttls")
        #expect(summary["authenticated"] as? Bool == true)
        #expect(summary["mail_from"] as? String == "alertas@provedor.example")
        #expect(summary["rcpt_tos"] as? [String] == ["noc@provedor.example", "plantao@provedor.example"])
        #expect(summary["subject"] as? String == "[CRÍTICO] OLT-CENTRO fora do ar — Área São João")
        #expect(summary["from"] as? String == "NOC Provedor São João <alertas@provedor.example>")
        #expect(summary["content_type"] as? String == "multipart/alternative")
        #expect((summary["defects"] as? [String])?.isEmpty == true)
        let parts = try #require(summary["parts"] as? [String: String])
        let text = try #require(parts["text/plain"]).replacingOccurrences(of: "\r\n", with: "\n")
        #expect(text.contains("Severidade: Crítico"))
        #expect(text.contains("Situação: Disparado"))
        // The line that starts with a dot survived dot-stuffing.
        #expect(text.contains("\n.linha que começa com ponto\n"))
        #expect(text.contains("Valor <script>alert(1)</script> & mais"))
        let html = try #require(parts["text/html"])
        #expect(html.contains("<h2 style=\"margin:0 0 8px 0\">OLT-CENTRO fora do ar — Área São João</h2>"))
        #expect(html.contains("Valor &lt;script&gt;alert(1)&lt;/script&gt; &amp; mais"))
        #expect(html.contains("Abrir no OctoISP"))

        #expect(raw.contains("\nSubject: =?UTF-8?B?"))
        #expect(raw.contains("\nDate: "))
        #expect(summary["date"] as? String != "None")
        #expect(raw.contains("\nMessage-ID: <\(messageID)>"))
        #expect(raw.contains("\nMIME-Version: 1.0"))
        #expect(raw.contains("\nX-OctoISP-Alert: \(message.alertID!.uuidString.lowercased())"))
        let sevenBit = raw.unicodeScalars.allSatisfy { $0.isASCII }
        #expect(sevenBit, "the message is 7-bit")
    }

    @Test func englishResolvedMessageWithLocalhostAsTheCertificateName() async throws {
        let peer = try SMTPPeer()
        let message = sampleMessage(language: .en, status: .resolved)
        var channel = peer.channel()
        channel.tlsServerName = "localhost"
        _ = try await NotificationDispatcher().send(message, via: .email(channel))
        let (summary, _) = try #require(try peer.received(messageID: "\(message.id.uuidString.lowercased())@provedor.example"))
        #expect(summary["subject"] as? String == "[RESOLVED] OLT-CENTRO down — São João area")
        let parts = try #require(summary["parts"] as? [String: String])
        #expect(parts["text/plain"]?.contains("Status: Resolved") == true)
    }

    @Test func wrongPasswordFailsWithTheServers535() async throws {
        let peer = try SMTPPeer()
        let configuration = peer.channel(password: "senha-errada", mechanism: .plain)
        let mail = try configuration.mail(for: sampleMessage(), date: Date())
        let error = await #expect(throws: SMTPError.self) { try await SMTPClient(configuration.smtp).send(mail) }
        #expect(error?.kind == .rejected)
        #expect(error?.replyCode == 535)
        #expect(error?.command == "AUTH PLAIN")
        #expect(error?.isRetryable == false)
        #expect(error?.description.contains("senha-errada") == false)

        let delivery = await #expect(throws: DeliveryError.self) {
            try await NotificationDispatcher().send(sampleMessage(), via: .email(peer.channel(password: "senha-errada", mechanism: .login)))
        }
        #expect(delivery?.smtpReplyCode == 535)
        #expect(delivery?.isRetryable == false)
        #expect(delivery?.message.contains("AUTH LOGIN password") == true)
    }

    @Test func serverWithoutSTARTTLSFailsWhenTLSIsRequired() async throws {
        let peer = try SMTPPeer()
        let message = sampleMessage()
        let error = await #expect(throws: DeliveryError.self) {
            try await NotificationDispatcher().send(message, via: .email(peer.channel(port: peer.plainPort)))
        }
        #expect(error?.isRetryable == false)
        #expect(error?.message.contains("starttls_unavailable") == true)
        #expect(try peer.received(messageID: "\(message.id.uuidString.lowercased())@provedor.example") == nil)

        let direct = await #expect(throws: SMTPError.self) {
            try await SMTPClient(peer.channel(port: peer.plainPort).smtp).send(try peer.channel().mail(for: message, date: Date()))
        }
        #expect(direct?.kind == .startTLSUnavailable)
    }

    @Test func plainDeliveryWhenTLSIsNotRequired() async throws {
        let peer = try SMTPPeer()
        let message = sampleMessage(severity: .info)
        _ = try await NotificationDispatcher().send(message, via: .email(peer.channel(port: peer.plainPort, security: .none, authenticate: false)))
        let (summary, _) = try #require(try peer.received(messageID: "\(message.id.uuidString.lowercased())@provedor.example"))
        #expect(summary["listener"] as? String == "plain")
        #expect(summary["subject"] as? String == "[INFORMATIVO] OLT-CENTRO fora do ar — Área São João")
    }

    @Test func untrustedCertificateFailsPermanently() async throws {
        let peer = try SMTPPeer()
        let error = await #expect(throws: SMTPError.self) {
            try await SMTPClient(peer.channel(trusted: false).smtp).send(try peer.channel().mail(for: sampleMessage(), date: Date()))
        }
        #expect(error?.kind == .tls)
        #expect(error?.isRetryable == false)
        #expect(error?.message.uppercased().contains("CERTIFICATE") == true, "\(String(describing: error))")
    }

    @Test func silentServerTimesOutRetryably() async throws {
        // A socket that listens but never accepts: the kernel completes the handshake, nobody speaks.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        #expect(listen(fd, 8) == 0)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))

        var configuration = SMTPConfiguration(host: "127.0.0.1", port: port, security: .startTLS)
        configuration.commandTimeout = .seconds(1)
        let mail = MailMessage(from: try MailAddress("a@provedor.example"), to: [try MailAddress("b@provedor.example")], subject: "x",
                               text: "x", date: Date(), messageID: "x@provedor.example")
        let started = ContinuousClock.now
        let error = await #expect(throws: SMTPError.self) { try await SMTPClient(configuration).send(mail) }
        #expect(error?.kind == .timeout)
        #expect(error?.command == "greeting")
        #expect(error?.isRetryable == true)
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}

@Suite struct SMTPReplyTests {
    @Test(arguments: [("tempfail@provedor.example", 451, true), ("reject@provedor.example", 550, false)])
    func recipientRefusalsCarryTheReplyCode(recipient: String, code: Int, retryable: Bool) async throws {
        let peer = try SMTPPeer()
        var channel = peer.channel()
        channel.recipients = [recipient]
        let error = await #expect(throws: DeliveryError.self) {
            try await NotificationDispatcher().send(sampleMessage(), via: .email(channel))
        }
        #expect(error?.smtpReplyCode == code)
        #expect(error?.isRetryable == retryable)
        #expect(error?.message.contains("RCPT TO <\(recipient)>") == true)
    }

    @Test func classification() {
        #expect(SMTPError(.rejected, "x", replyCode: 421).isRetryable)
        #expect(!SMTPError(.rejected, "x", replyCode: 554).isRetryable)
        #expect(SMTPError(.timeout, "x").isRetryable)
        #expect(SMTPError(.connection, "x").isRetryable)
        #expect(!SMTPError(.tls, "x").isRetryable)
        #expect(!SMTPError(.startTLSUnavailable, "x").isRetryable)
    }

    @Test func configurationNeverPrintsThePassword() {
        let configuration = SMTPConfiguration(host: "smtp.provedor.example", port: 587, username: "noc", password: "segredo-123")
        #expect(!String(describing: configuration).contains("segredo-123"))
        #expect(!String(reflecting: configuration).contains("segredo-123"))
    }
}
