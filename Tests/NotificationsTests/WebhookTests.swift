import Crypto
import Foundation
import Notifications
import OctoCore
import Testing

@Suite struct WebhookTests {
    static let key = "chave-do-webhook-ç-123"

    func configuration(_ base: URL, timeout: Int = 10) -> WebhookConfiguration {
        WebhookConfiguration(url: base.appendingPathComponent("hooks/octoisp"), key: NotificationSecret(Self.key), timeoutSeconds: timeout)
    }

    @Test func signedDeliveryVerifiesAtTheReceiver() async throws {
        let clock = ManualWallClock(Date())
        let message = sampleMessage()
        try await LocalReceiver.with(answer: { request in
            // The receiver as documented: raw body, timestamp header, signature header, shared key.
            let valid = WebhookSignature.verify(signature: request.header("X-OctoISP-Signature") ?? "",
                                                timestamp: request.header("X-OctoISP-Timestamp") ?? "", body: request.body,
                                                key: Array(Self.key.utf8), now: Date())
            return CannedAnswer(status: valid ? 202 : 401)
        }) { base, receiver in
            let receipt = try await NotificationDispatcher(clock: clock).send(message, via: .webhook(configuration(base)))
            #expect(receipt.httpStatus == 202)
            let request = try #require(receiver.requests.first)
            #expect(request.method == "POST")
            #expect(request.path == "/hooks/octoisp")
            #expect(request.header("Content-Type") == "application/json; charset=utf-8")
            #expect(request.header("Idempotency-Key") == message.id.uuidString.lowercased())
            #expect(request.header("X-OctoISP-Timestamp") == String(Int64(clock.now.timeIntervalSince1970)))
            let signature = try #require(request.header("X-OctoISP-Signature"))
            #expect(signature.hasPrefix("sha256=") && signature.count == 7 + 64)
            #expect(request.body == (try WebhookSender.body(message)))

            let payload = try OctoJSON.decoder.decode(WebhookPayload.self, from: Data(request.body))
            #expect(payload.id == message.id.lowercased)
            #expect(payload.subject == "[CRÍTICO] OLT-CENTRO fora do ar — Área São João")
            #expect(payload.alertId == message.alertID?.lowercased)
            #expect(payload.labels == message.labels)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
            #expect(object["alert_id"] as? String == message.alertID!.uuidString.lowercased())
            #expect(object["severity"] as? String == "critical")
            #expect(object["status"] as? String == "firing")
            #expect(object["occurred_at"] as? String == "2026-12-05T12:50:00.000Z")
        }
    }

    @Test func verifyRejectsTamperingOtherKeysAndOldTimestamps() {
        let body = Array(#"{"id":"x"}"#.utf8)
        let now = Date(timeIntervalSince1970: 1_796_475_000)
        let timestamp = Int64(now.timeIntervalSince1970)
        let key = Array(Self.key.utf8)
        let signature = WebhookSignature.sign(key: key, timestamp: timestamp, body: body)
        #expect(WebhookSignature.verify(signature: signature, timestamp: String(timestamp), body: body, key: key, now: now))
        #expect(!WebhookSignature.verify(signature: signature, timestamp: String(timestamp), body: body + [32], key: key, now: now))
        #expect(!WebhookSignature.verify(signature: signature, timestamp: String(timestamp + 1), body: body, key: key, now: now))
        #expect(!WebhookSignature.verify(signature: signature, timestamp: String(timestamp), body: body, key: Array("other".utf8), now: now))
        #expect(!WebhookSignature.verify(signature: signature, timestamp: String(timestamp), body: body, key: key,
                                         now: now.addingTimeInterval(301)))
        #expect(!WebhookSignature.verify(signature: "sha1=" + signature.dropFirst(7), timestamp: String(timestamp), body: body, key: key, now: now))
        // The documented construction, computed independently: HMAC-SHA256 over "<timestamp>.<body>".
        #expect(signature == "sha256=" + Hex.encode(hmacSHA256(key: key, Array("\(timestamp).".utf8) + body)))
    }

    @Test(arguments: [(500, true), (502, true), (503, true), (408, true), (429, true), (400, false), (401, false), (404, false),
                      (410, false), (301, false)])
    func statusClassification(status: Int, retryable: Bool) async throws {
        try await LocalReceiver.with(answer: { _ in CannedAnswer(status: status, headers: ["Retry-After": "12"], body: "nope") }) { base, receiver in
            let error = await #expect(throws: DeliveryError.self) {
                try await NotificationDispatcher().send(sampleMessage(), via: .webhook(configuration(base)))
            }
            #expect(error?.channel == .webhook)
            #expect(error?.httpStatus == status)
            #expect(error?.isRetryable == retryable)
            #expect(error?.retryAfterSeconds == 12)
            #expect(error?.message.contains("nope") == true)
            #expect(receiver.requests.count == 1)
        }
    }

    @Test func timeoutsAndRefusedConnectionsAreRetryable() async throws {
        try await LocalReceiver.with(answer: { _ in CannedAnswer(status: 200, delay: .seconds(4)) }) { base, _ in
            let started = ContinuousClock.now
            let error = await #expect(throws: DeliveryError.self) {
                try await NotificationDispatcher().send(sampleMessage(), via: .webhook(configuration(base, timeout: 1)))
            }
            #expect(error?.isRetryable == true)
            #expect(error?.message.contains("timeout") == true)
            #expect(ContinuousClock.now - started < .seconds(3))
        }
        let port = try closedPort()
        let error = await #expect(throws: DeliveryError.self) {
            try await NotificationDispatcher().send(sampleMessage(), via: .webhook(configuration(URL(string: "http://127.0.0.1:\(port)")!)))
        }
        #expect(error?.isRetryable == true)
        #expect(error?.httpStatus == nil)
    }
}

/// HMAC-SHA256 written out from SHA-256 (RFC 2104), independent of the code under test.
func hmacSHA256(key: [UInt8], _ message: [UInt8]) -> [UInt8] {
    var block = key.count > 64 ? Array(SHA256.hash(data: key)) : key
    block += [UInt8](repeating: 0, count: 64 - block.count)
    let inner = Array(SHA256.hash(data: block.map { $0 ^ 0x36 } + message))
    return Array(SHA256.hash(data: block.map { $0 ^ 0x5c } + inner))
}
