import Foundation
import OctoCore

/// Sends one notification through one channel. The alert engine's delivery job handler calls
/// this; a test of the engine can substitute a recording fake.
public protocol NotificationDispatching: Sendable {
    /// Delivers `message` through `channel`, or throws a ``DeliveryError`` saying whether a retry
    /// may help.
    func send(_ message: NotificationMessage, via channel: NotificationChannel) async throws(DeliveryError) -> DeliveryReceipt
}

/// The real dispatcher: SMTP, webhook, Telegram and Web Push. It keeps no state between calls
/// (rate limits, retries and the notification log belong to the engine's job queue).
public struct NotificationDispatcher: NotificationDispatching {
    /// Where time comes from (e-mail `Date:`, webhook timestamp, VAPID expiry).
    public var clock: any WallClock
    /// Certificates trusted for https receivers (webhooks, Telegram, push services).
    public var httpTrust: TLSTrust

    /// Creates a dispatcher.
    public init(clock: any WallClock = SystemWallClock(), httpTrust: TLSTrust = .system) {
        self.clock = clock
        self.httpTrust = httpTrust
    }

    /// Delivers `message` through `channel`; the channel's secrets must be open (not sealed).
    public func send(_ message: NotificationMessage, via channel: NotificationChannel) async throws(DeliveryError) -> DeliveryReceipt {
        switch channel {
        case .email(let settings):
            do throws(SMTPError) {
                let mail = try settings.mail(for: message, date: clock.now)
                let reply = try await SMTPClient(settings.smtp).send(mail)
                return DeliveryReceipt(channel: .email, reference: reply.description)
            } catch {
                throw DeliveryError(error.isRetryable ? .retryable : .permanent, channel: .email, error.description,
                                    smtpReplyCode: error.replyCode)
            }
        case .webhook(let settings):
            return try await WebhookSender(clock: clock, trust: httpTrust).send(message, to: settings)
        case .telegram(let settings):
            return try await TelegramSender(trust: httpTrust).send(message, to: settings)
        case .webPush(let settings):
            return try await WebPushSender(clock: clock, trust: httpTrust).send(message, to: settings)
        }
    }
}
