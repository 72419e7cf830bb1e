import Foundation
import Notifications
import Testing

@Suite struct TelegramTests {
    static let token = "123456789:AAH-test_Token-xyz"

    func configuration(_ base: URL, chat: String = "-1001234567890") -> TelegramConfiguration {
        TelegramConfiguration(baseURL: base, botToken: NotificationSecret(Self.token), chatID: chat)
    }

    /// What Telegram documents for sendMessage, checked the way its server would.
    static func checkSendMessage(_ request: CapturedRequest) -> CannedAnswer {
        guard request.method == "POST", request.path == "/bot\(token)/sendMessage" else {
            return CannedAnswer(status: 404, body: #"{"ok":false,"error_code":404,"description":"Not Found"}"#)
        }
        guard request.header("Content-Type")?.hasPrefix("application/json") == true,
              let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
              object["chat_id"] != nil, let text = object["text"] as? String, !text.isEmpty,
              object["parse_mode"] as? String == "HTML" else {
            return CannedAnswer(status: 400, body: #"{"ok":false,"error_code":400,"description":"Bad Request: message text is empty"}"#)
        }
        return CannedAnswer(status: 200, headers: ["Content-Type": "application/json"],
                            body: #"{"ok":true,"result":{"message_id":4242,"chat":{"id":-1001234567890},"text":"x"}}"#)
    }

    @Test func sendMessageAsTelegramDocumentsIt() async throws {
        let message = sampleMessage()
        try await LocalReceiver.with(answer: Self.checkSendMessage) { base, receiver in
            let receipt = try await NotificationDispatcher().send(message, via: .telegram(configuration(base)))
            #expect(receipt.reference == "4242")
            let request = try #require(receiver.requests.first)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
            #expect((object["chat_id"] as? NSNumber)?.int64Value == -1001234567890)
            #expect(object["parse_mode"] as? String == "HTML")
            #expect(object["disable_web_page_preview"] as? Bool == true)
            let text = try #require(object["text"] as? String)
            #expect(text.hasPrefix("🔴 <b>[CRÍTICO] OLT-CENTRO fora do ar — Área São João</b>"))
            #expect(text.contains("Valor &lt;script&gt;alert(1)&lt;/script&gt; &amp; mais"))
            #expect(text.contains("<a href=\"https://noc.provedor.example/alerts/42?x=1&amp;y=2\">Abrir no OctoISP</a>"))
        }
    }

    @Test func channelUsernamesAreSentAsStrings() async throws {
        try await LocalReceiver.with(answer: Self.checkSendMessage) { base, receiver in
            _ = try await NotificationDispatcher().send(sampleMessage(language: .en), via: .telegram(configuration(base, chat: "@noc_alerts")))
            let object = try #require(try JSONSerialization.jsonObject(with: Data(receiver.requests[0].body)) as? [String: Any])
            #expect(object["chat_id"] as? String == "@noc_alerts")
            #expect((object["text"] as? String)?.contains("Open in OctoISP") == true)
        }
    }

    @Test func badRequestIsPermanentWithTelegramsDescription() async throws {
        let answer = CannedAnswer(status: 400, body: #"{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}"#)
        try await LocalReceiver.with(answer: { _ in answer }) { base, _ in
            let error = await #expect(throws: DeliveryError.self) {
                try await NotificationDispatcher().send(sampleMessage(), via: .telegram(configuration(base)))
            }
            #expect(error?.isRetryable == false)
            #expect(error?.httpStatus == 400)
            #expect(error?.message.contains("chat not found") == true)
            #expect(error?.message.contains(Self.token) == false)
        }
    }

    @Test func tooManyRequestsIsRetryableAfterRetryAfter() async throws {
        let answer = CannedAnswer(status: 429, body: #"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}"#)
        try await LocalReceiver.with(answer: { _ in answer }) { base, _ in
            let error = await #expect(throws: DeliveryError.self) {
                try await NotificationDispatcher().send(sampleMessage(), via: .telegram(configuration(base)))
            }
            #expect(error?.isRetryable == true)
            #expect(error?.retryAfterSeconds == 7)
            #expect(error?.httpStatus == 429)
        }
    }

    @Test func serverErrorsAreRetryableAndWrongTokensPermanent() async throws {
        try await LocalReceiver.with(answer: { _ in CannedAnswer(status: 502, body: "<html>Bad Gateway</html>") }) { base, _ in
            let error = await #expect(throws: DeliveryError.self) {
                try await NotificationDispatcher().send(sampleMessage(), via: .telegram(configuration(base)))
            }
            #expect(error?.isRetryable == true)
        }
        try await LocalReceiver.with(answer: Self.checkSendMessage) { base, _ in
            var wrong = configuration(base)
            wrong.botToken = "999:other"
            let error = await #expect(throws: DeliveryError.self) {
                try await NotificationDispatcher().send(sampleMessage(), via: .telegram(wrong))
            }
            #expect(error?.isRetryable == false)
            #expect(error?.httpStatus == 404)
        }
    }
}

@Suite struct TelegramTextTests {
    @Test func longBodiesAreShortenedWithoutCuttingMarkup() throws {
        var message = sampleMessage()
        message.body = String(repeating: "<&> ", count: 3000)
        let body = try TelegramSender.body(message, chatID: "1", disableWebPagePreview: true)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        let text = try #require(object["text"] as? String)
        #expect(text.count <= 4096)
        #expect(text.contains("…"))
        #expect(text.count > 3900, "the body is cut only as much as needed")
        #expect(text.hasSuffix("</a>"), "the link after the body is still whole")
        #expect(!text.contains("&am\n") && !text.contains("&l\n"))
    }
}
