import Foundation
import Logging
import Notifications
import OctoCore
import OctoJobs
import OctoStore
import PostgresNIO

/// `alerts.deliver`: one alert's firing or resolution through one channel. Deliveries of one alert to
/// one channel run one at a time, in order (the ordering key), and a status already sent is not sent
/// again, so each channel hears of each transition once; retried with backoff while the receiver's
/// failure is retryable, dead-lettered (visible in the jobs API) when attempts run out.
public struct AlertDeliveryJob: JobPayload, Hashable {
    /// The job type.
    public static let jobType = "alerts.deliver"
    /// The alert.
    public var alertId: UUID
    /// The channel.
    public var channelId: UUID
    /// `firing` or `resolved`.
    public var status: String
    /// The notification's id: retries reuse it (webhook Idempotency-Key, e-mail Message-ID).
    public var messageId: UUID

    /// Creates the payload.
    public init(alertId: UUID, channelId: UUID, status: String, messageId: UUID) {
        self.alertId = alertId
        self.channelId = channelId
        self.status = status
        self.messageId = messageId
    }
}

/// Routes the alerts that fired or resolved to the provider's channels and delivers them through the
/// ``NotificationDispatching`` senders, logging every attempt.
public struct AlertNotifier: Sendable {
    let database: Database
    let queue: (any JobQueue)?
    let secrets: SecretBox?
    let dispatcher: any NotificationDispatching
    let publicURL: URL?
    let logger: Logger

    /// Creates a notifier; `publicURL` (the dashboard's address) makes notifications link to the alert.
    public init(database: Database, queue: (any JobQueue)?, secrets: SecretBox?, dispatcher: any NotificationDispatching = NotificationDispatcher(),
                publicURL: URL? = nil, logger: Logger) {
        self.database = database
        self.queue = queue
        self.secrets = secrets
        self.dispatcher = dispatcher
        self.publicURL = publicURL
        self.logger = logger
    }

    /// Enqueues one delivery per alert and matching channel; returns how many.
    @discardableResult
    public func enqueue(provider: UUID, alerts: [UUID]) async throws -> Int {
        guard !alerts.isEmpty else { return 0 }
        let requests = try await database.withTenant(provider) { tx -> [JobRequest] in
            let channels = try await tx.notificationChannels.enabled(secrets: nil)
            guard !channels.isEmpty else { return [] }
            var requests: [JobRequest] = []
            for id in alerts {
                guard let alert = try? await tx.alerts.get(id), alert.state == .firing || alert.state == .resolved else { continue }
                let status = alert.state == .resolved ? "resolved" : "firing"
                for channel in channels where channel.routes(severity: alert.severity, pop: alert.popId) {
                    requests.append(try JobRequest(AlertDeliveryJob(alertId: id, channelId: channel.id, status: status, messageId: UUID()),
                                                   providerID: provider, priority: alert.severity == .critical ? 20 : 10, maxAttempts: 8,
                                                   dedupKey: "alerts.deliver:\(id.lowercased):\(channel.id.lowercased):\(status)",
                                                   orderingKey: "alerts.deliver:\(id.lowercased):\(channel.id.lowercased)"))
                }
            }
            return requests
        }
        if !requests.isEmpty, let queue { _ = try await queue.enqueue(requests) }
        return requests.count
    }

    /// The message of `alert` for a channel in `language`.
    func message(_ alert: Alert, status: NotificationMessage.Status, id: UUID, language: NotificationMessage.Language) -> NotificationMessage {
        var labels = alert.labels
        labels["target"] = alert.target
        if let device = alert.deviceName { labels["device"] = device }
        if alert.affected > 0 { labels["affected"] = String(alert.affected) }
        let body = [alert.summary, alert.value.map { "value: \(AlertEvaluator.format($0))" }, alert.affected > 0 ? "\(alert.affected) affected" : nil]
            .compactMap { $0 }.joined(separator: " · ")
        return NotificationMessage(id: id, title: alert.summary, body: body, severity: NotificationMessage.Severity(rawValue: alert.severity.rawValue) ?? .warning,
                                   status: status, alertID: alert.id, incidentID: alert.incidentId, labels: labels,
                                   url: publicURL.map { $0.appendingPathComponent("alerts/\(alert.id.lowercased)") }, language: language,
                                   occurredAt: (status == .resolved ? alert.resolvedAt : alert.firedAt) ?? alert.evaluatedAt)
    }

    /// Delivers one job: sent and logged, or logged and rethrown when the failure is retryable.
    public func deliver(_ job: AlertDeliveryJob, provider: UUID, attempt: Int) async throws {
        let loaded = try await database.withTenant(provider) { tx -> (Alert, NotificationChannelRecord)? in
            guard let alert = try? await tx.alerts.get(job.alertId), let channel = try? await tx.notificationChannels.get(job.channelId, secrets: secrets) else {
                return nil
            }
            // Once per alert, channel and status, whatever asked again (the queue's dedup key holds only while a job is pending).
            guard try await !tx.notificationChannels.wasSent(alert: alert.id, channel: channel.id, status: job.status) else { return nil }
            return (alert, channel)
        }
        guard let (alert, channel) = loaded else { return }  // deleted since, or already told: nothing to say
        let status: NotificationMessage.Status = job.status == "resolved" ? .resolved : .firing
        let result: Result<DeliveryReceipt, DeliveryError>
        do throws(DeliveryError) {
            result = .success(try await dispatcher.send(message(alert, status: status, id: job.messageId, language: channel.language), via: channel.channel))
        } catch {
            result = .failure(error)
        }
        switch result {
        case .success(let receipt):
            try await database.withTenant(provider) { tx in
                try await tx.notificationChannels.log(alert: alert.id, channel: channel.id, status: job.status, outcome: "sent", attempt: attempt,
                                                      detail: receipt.reference ?? receipt.httpStatus.map { "HTTP \($0)" })
            }
        case .failure(let error):
            try await database.withTenant(provider) { tx in
                try await tx.notificationChannels.log(alert: alert.id, channel: channel.id, status: job.status,
                                                      outcome: error.isRetryable ? "retrying" : "failed", attempt: attempt, detail: error.description)
            }
            logger.warning("notification not delivered", metadata: ["alert.id": "\(alert.id.lowercased)", "channel.id": "\(channel.id.lowercased)",
                                                                    "error": "\(error.description)"])
            if error.isRetryable { throw error }
        }
    }

    /// Sends a test notification through a channel now and logs it; the error says why it failed.
    public func test(channel id: UUID, provider: UUID) async throws -> NotificationDelivery {
        let channel = try await database.withTenant(provider) { tx in try await tx.notificationChannels.get(id, secrets: secrets) }
        let english = channel.language == .en
        let message = NotificationMessage(title: english ? "OctoISP test notification" : "Notificação de teste do OctoISP",
                                          body: english ? "If you can read this, the channel \(channel.name) works."
                                                        : "Se você está lendo isto, o canal \(channel.name) funciona.",
                                          severity: .info, status: .firing, language: channel.language, occurredAt: Date())
        var outcome = "sent"
        var detail: String?
        do throws(DeliveryError) {
            let receipt = try await dispatcher.send(message, via: channel.channel)
            detail = receipt.reference ?? receipt.httpStatus.map { "HTTP \($0)" }
        } catch {
            outcome = "failed"
            detail = error.description
        }
        let logged = outcome
        let text = detail
        try await database.withTenant(provider) { tx in
            try await tx.notificationChannels.log(alert: nil, channel: id, status: "test", outcome: logged, attempt: 1, detail: text)
        }
        return NotificationDelivery(alertId: nil, channelId: id, channelName: channel.name, status: "test", outcome: outcome, attempt: 1,
                                    detail: detail, at: Date())
    }
}

extension JobHandlers {
    /// Registers the delivery of alert notifications.
    public mutating func registerAlertDeliveries(_ notifier: AlertNotifier) {
        register(AlertDeliveryJob.self) { job, context in
            try await notifier.deliver(job, provider: context.providerID, attempt: context.job.attempt + 1)
        }
    }
}
