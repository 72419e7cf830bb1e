import Foundation
import Notifications
import OctoCore
import Testing

@Suite struct ChannelTests {
    static let channels: [NotificationChannel] = [
        .email(EmailConfiguration(host: "smtp.provedor.example", username: "noc", password: "smtp-pass", fromAddress: "a@provedor.example",
                                  recipients: ["noc@provedor.example"])),
        .webhook(WebhookConfiguration(url: URL(string: "https://hooks.example/x")!, key: "hook-key")),
        .telegram(TelegramConfiguration(botToken: "1:bot-token", chatID: "-100")),
        .webPush(WebPushConfiguration(subscription: WebPushSubscription(endpoint: URL(string: "https://push.example/s")!, p256dh: "BA", auth: "AA"),
                                      vapidPrivateKey: "vapid-private", vapidSubject: "mailto:noc@provedor.example")),
    ]

    @Test(arguments: channels)
    func jsonRoundTripWithATypeTag(channel: NotificationChannel) throws {
        let data = try OctoJSON.encoder.encode(channel)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["type"] as? String == channel.kind.rawValue)
        #expect(object["settings"] is [String: Any])
        #expect(try OctoJSON.decoder.decode(NotificationChannel.self, from: data) == channel)
    }

    @Test(arguments: channels)
    func secretsCanBeSealedOpenedAndRedacted(channel: NotificationChannel) throws {
        let secrets = channel.secrets
        #expect(secrets.count == 1)
        let (field, secret) = try #require(secrets.first)
        let expected: [ChannelKind: NotificationSecretField] = [.email: .smtpPassword, .webhook: .webhookKey,
                                                                .telegram: .telegramBotToken, .webPush: .vapidPrivateKey]
        #expect(field == expected[channel.kind])

        let sealed = channel.mapSecrets { field, secret in NotificationSecret("sealed:\(field.rawValue):" + String(secret.value.reversed())) }
        let stored = String(decoding: try OctoJSON.encoder.encode(sealed), as: UTF8.self)
        #expect(!stored.contains(secret.value))
        let opened = sealed.mapSecrets { field, secret in
            NotificationSecret(String(secret.value.dropFirst("sealed:\(field.rawValue):".count).reversed()))
        }
        #expect(opened == channel)

        #expect(channel.redacted.secrets.values.allSatisfy { $0.value.isEmpty })
        #expect(!String(describing: channel).contains(secret.value))
        #expect(!String(reflecting: channel).contains(secret.value))
    }

    @Test func httpStatusClassification() {
        #expect(DeliveryError.kind(forHTTPStatus: 200) == nil)
        #expect(DeliveryError.kind(forHTTPStatus: 204) == nil)
        #expect(DeliveryError.kind(forHTTPStatus: 408) == .retryable)
        #expect(DeliveryError.kind(forHTTPStatus: 429) == .retryable)
        #expect(DeliveryError.kind(forHTTPStatus: 500) == .retryable)
        #expect(DeliveryError.kind(forHTTPStatus: 400) == .permanent)
        #expect(DeliveryError.kind(forHTTPStatus: 403) == .permanent)
        #expect(DeliveryError.kind(forHTTPStatus: 302) == .permanent)
    }
}

@Suite struct MessageCodingTests {
    @Test func notificationMessageRoundTripsThroughTheJSONConventions() throws {
        let message = sampleMessage()
        let data = try OctoJSON.encoder.encode(message)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["alert_id"] != nil && object["incident_id"] != nil && object["occurred_at"] != nil)
        #expect(object["language"] as? String == "pt-BR")
        #expect(try OctoJSON.decoder.decode(NotificationMessage.self, from: data) == message)
    }
}
