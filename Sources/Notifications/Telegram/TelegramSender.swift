import Foundation

/// A Telegram bot and the chat it writes to.
public struct TelegramConfiguration: Sendable, Hashable, Codable {
    /// The Bot API's origin; a local stand-in in tests.
    public var baseURL: URL
    /// The bot token (`123456:ABC…`) BotFather gave; it goes into the request path.
    public var botToken: NotificationSecret
    /// A chat id (`-1001234567890`) or a public channel's `@name`.
    public var chatID: String
    /// Whether Telegram should not show a preview of the dashboard link.
    public var disableWebPagePreview: Bool
    /// Seconds before an unanswered request fails (retryable).
    public var timeoutSeconds: Int

    // camelCase keys without acronyms, so OctoJSON's snake_case conversion round-trips them.
    private enum CodingKeys: String, CodingKey {
        case baseURL = "baseUrl", botToken, chatID = "chatId", disableWebPagePreview, timeoutSeconds
    }

    /// `https://api.telegram.org`.
    public static let defaultBaseURL = URL(string: "https://api.telegram.org")!

    /// Creates a configuration.
    public init(baseURL: URL = TelegramConfiguration.defaultBaseURL, botToken: NotificationSecret, chatID: String,
                disableWebPagePreview: Bool = true, timeoutSeconds: Int = 10) {
        self.baseURL = baseURL
        self.botToken = botToken
        self.chatID = chatID
        self.disableWebPagePreview = disableWebPagePreview
        self.timeoutSeconds = timeoutSeconds
    }

    /// Decodes; `base_url` defaults to the Bot API, `disable_web_page_preview` to true, `timeout_seconds` to 10.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(baseURL: try container.decodeIfPresent(URL.self, forKey: .baseURL) ?? Self.defaultBaseURL,
                  botToken: try container.decode(NotificationSecret.self, forKey: .botToken), chatID: try container.decode(String.self, forKey: .chatID),
                  disableWebPagePreview: try container.decodeIfPresent(Bool.self, forKey: .disableWebPagePreview) ?? true,
                  timeoutSeconds: try container.decodeIfPresent(Int.self, forKey: .timeoutSeconds) ?? 10)
    }
}

/// Sends notifications through the Telegram Bot API's `sendMessage`:
/// `POST {baseURL}/bot{token}/sendMessage` with JSON `chat_id`, `text`, `parse_mode: "HTML"` and
/// `disable_web_page_preview`.
///
/// The answer is `{"ok":true,"result":{"message_id":…}}` or
/// `{"ok":false,"error_code":…,"description":…,"parameters":{"retry_after":…}}`: 429 and 5xx are
/// retryable (429 with Telegram's `retry_after`), other errors permanent.
public struct TelegramSender: Sendable {
    /// Certificates trusted for the Bot API's https.
    public var trust: TLSTrust

    /// Creates a sender.
    public init(trust: TLSTrust = .system) {
        self.trust = trust
    }

    /// The request body: `chat_id` is a number when the id is numeric, a string otherwise.
    public static func body(_ message: NotificationMessage, chatID: String, disableWebPagePreview: Bool) throws -> [UInt8] {
        var object: [String: Any] = [
            "text": fittingText(message),
            "parse_mode": "HTML",
            "disable_web_page_preview": disableWebPagePreview,
        ]
        if let number = Int64(chatID) { object["chat_id"] = number } else { object["chat_id"] = chatID }
        return Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
    }

    /// The `sendMessage` URL for `token`.
    public static func endpoint(baseURL: URL, token: String) -> URL {
        var base = baseURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        return URL(string: "\(base)/bot\(token)/sendMessage") ?? baseURL
    }

    /// Sends `message` to the configured chat.
    public func send(_ message: NotificationMessage, to configuration: TelegramConfiguration) async throws(DeliveryError) -> DeliveryReceipt {
        let token = configuration.botToken.value
        guard !token.isEmpty, token.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 32 && !"/?#%".unicodeScalars.contains($0) }) else {
            throw DeliveryError(.permanent, channel: .telegram, "the bot token is empty or has characters a token never has")
        }
        let body: [UInt8]
        do {
            body = try Self.body(message, chatID: configuration.chatID, disableWebPagePreview: configuration.disableWebPagePreview)
        } catch {
            throw DeliveryError(.permanent, channel: .telegram, "cannot encode the request: \(error)")
        }
        let client = NotificationHTTPClient(timeout: .seconds(configuration.timeoutSeconds), trust: trust)
        let response: NotificationHTTPClient.Response
        do throws(NotificationHTTPClient.Failure) {
            response = try await client.post(Self.endpoint(baseURL: configuration.baseURL, token: token),
                                             headers: [("Content-Type", "application/json")], body: body)
        } catch {
            // The URL holds the token: never repeat it.
            var failure = error.deliveryError(.telegram)
            failure.message = failure.message.replacingOccurrences(of: token, with: "<token>")
            throw failure
        }
        let answer = try? JSONDecoder().decode(TelegramAnswer.self, from: Data(response.body))
        if response.status / 100 == 2, answer?.ok == true {
            return DeliveryReceipt(channel: .telegram, httpStatus: response.status,
                                   reference: answer?.result?.messageID.map(String.init))
        }
        let code = answer?.errorCode ?? response.status
        let description = answer?.description ?? response.bodyExcerpt()
        let kind: DeliveryError.Kind = DeliveryError.kind(forHTTPStatus: code) ?? .permanent
        throw DeliveryError(kind, channel: .telegram, "Telegram answered \(code): \(description)", httpStatus: response.status,
                            retryAfterSeconds: answer?.parameters?.retryAfter ?? response.retryAfterSeconds)
    }

    /// The rendered text within Telegram's 4096 characters: the body is cut (before escaping, so no
    /// tag or entity is broken) to the longest prefix with which the whole fits.
    static func fittingText(_ message: NotificationMessage) -> String {
        let limit = 4096
        let full = NotificationRenderer.telegramHTML(message)
        guard full.count > limit else { return full }
        let body = Array(message.body)
        var shortened = message
        func render(_ length: Int) -> String {
            shortened.body = length == 0 ? "" : String(body[..<length]) + "…"
            return NotificationRenderer.telegramHTML(shortened)
        }
        var low = 0, high = body.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if render(middle).count <= limit { low = middle } else { high = middle - 1 }
        }
        let text = render(low)
        return text.count <= limit ? text : String(text.prefix(limit))
    }
}

/// The Bot API's answer envelope.
struct TelegramAnswer: Decodable {
    struct Result: Decodable {
        var messageID: Int64?
        enum CodingKeys: String, CodingKey { case messageID = "message_id" }
    }
    struct Parameters: Decodable {
        var retryAfter: Int?
        enum CodingKeys: String, CodingKey { case retryAfter = "retry_after" }
    }
    var ok: Bool
    var result: Result?
    var errorCode: Int?
    var description: String?
    var parameters: Parameters?
    enum CodingKeys: String, CodingKey {
        case ok, result, description, parameters
        case errorCode = "error_code"
    }
}
