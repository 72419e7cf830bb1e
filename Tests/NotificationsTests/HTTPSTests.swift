import Foundation
import Notifications
import Testing

/// The HTTP channels over TLS, served with the certificate scripts/peers/smtp.sh made with openssl
/// (CN localhost, SAN localhost and 127.0.0.1).
@Suite struct HTTPSTests {
    struct Certificate {
        let pem: String
        let key: String

        init() throws {
            pem = try String(contentsOfFile: try peerVariable("OCTOISP_TEST_SMTP_CERT"), encoding: .utf8)
            key = try String(contentsOfFile: try peerVariable("OCTOISP_TEST_SMTP_KEY"), encoding: .utf8)
        }
    }

    @Test func webhookOverHTTPSWithAPrivateTrustRoot() async throws {
        let certificate = try Certificate()
        try await LocalReceiver.with(tls: (certificate.pem, certificate.key), answer: { _ in CannedAnswer(status: 200) }) { base, receiver in
            #expect(base.scheme == "https")
            let channel = NotificationChannel.webhook(WebhookConfiguration(url: base.appendingPathComponent("hook"), key: "k"))
            let receipt = try await NotificationDispatcher(httpTrust: .pem(certificate.pem)).send(sampleMessage(), via: channel)
            #expect(receipt.httpStatus == 200)
            #expect(receiver.requests.count == 1)

            // The system store does not know the test's certificate: a permanent TLS failure.
            let error = await #expect(throws: DeliveryError.self) {
                try await NotificationDispatcher(httpTrust: .system).send(sampleMessage(), via: channel)
            }
            #expect(error?.isRetryable == false)
            #expect(error?.message.hasPrefix("tls:") == true, "\(String(describing: error))")
            #expect(receiver.requests.count == 1)
        }
    }

    @Test func telegramOverHTTPSByHostName() async throws {
        let certificate = try Certificate()
        try await LocalReceiver.with(tls: (certificate.pem, certificate.key), answer: TelegramTests.checkSendMessage) { base, receiver in
            let byName = URL(string: "https://localhost:\(base.port!)")!
            let configuration = TelegramConfiguration(baseURL: byName, botToken: NotificationSecret(TelegramTests.token), chatID: "-1001234567890")
            let receipt = try await NotificationDispatcher(httpTrust: .pem(certificate.pem)).send(sampleMessage(), via: .telegram(configuration))
            #expect(receipt.reference == "4242")
            #expect(receiver.requests.first?.authority == "localhost:\(base.port!)")
        }
    }
}
