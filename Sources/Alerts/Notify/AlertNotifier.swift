import Foundation
import Logging
import Notifications
import OctoCore
import OctoJobs
import OctoStore
import PostgresNIO

/// `alerts.notify`: tells one channel about one group of alerts when the channel's
/// ``NotificationPacing`` says so — after the group wait, on a change no sooner than the group
/// interval, again after the repeat interval, and not during quiet hours below their severity. Retried
/// with backoff while the receiver's failure is retryable (the retries reuse the job's id as the
/// notification's id), dead-lettered (visible in the jobs API) when attempts run out.
public struct AlertGroupNotifyJob: JobPayload, Hashable {
    /// The job type.
    public static let jobType = "alerts.notify"
    /// The channel.
    public var channelId: UUID
    /// The group (``NotificationPacing/groupKey(of:)``).
    public var groupKey: String

    /// Creates the payload.
    public init(channelId: UUID, groupKey: String) {
        self.channelId = channelId
        self.groupKey = groupKey
    }
}

/// Routes the alerts that fired or resolved to the provider's channels, groups and paces them per
/// channel, and delivers them through the ``NotificationDispatching`` senders, logging every attempt.
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

    static func request(provider: UUID, channel: UUID, group: String, at: Date? = nil, severity: AlertSeverity = .warning) throws -> JobRequest {
        let key = "alerts.notify:\(channel.lowercased):\(group)"
        return try JobRequest(AlertGroupNotifyJob(channelId: channel, groupKey: group), providerID: provider, priority: severity == .critical ? 20 : 10,
                              runAt: at, maxAttempts: 8, dedupKey: at.map { "\(key):\(Int64($0.timeIntervalSince1970))" } ?? key)
    }

    /// Hands alerts that started firing or resolved to every channel that routes them: their groups'
    /// clocks start and each group is looked at; returns how many channel groups were touched.
    @discardableResult
    public func enqueue(provider: UUID, alerts: [UUID]) async throws -> Int {
        guard !alerts.isEmpty else { return 0 }
        let requests = try await database.withTenant(provider) { tx -> [JobRequest] in
            let channels = try await tx.notificationChannels.enabled(secrets: nil)
            guard !channels.isEmpty else { return [] }
            var touched: [String: JobRequest] = [:]
            for alert in try await tx.alerts.get(alerts) where alert.suppressedBy == nil {
                for channel in channels where channel.routes(severity: alert.severity, pop: alert.popId) {
                    let group = channel.pacing.groupKey(of: alert)
                    let id = "\(channel.id.lowercased)|\(group)"
                    // Every alert that fires starts its group's clock; one look per group is enough.
                    if alert.state != .resolved { try await tx.notificationGroups.touch(channel: channel.id, key: group) }
                    if touched[id] == nil || alert.severity == .critical {
                        touched[id] = try Self.request(provider: provider, channel: channel.id, group: group, severity: alert.severity)
                    }
                }
            }
            return Array(touched.values)
        }
        if !requests.isEmpty, let queue { _ = try await queue.enqueue(requests) }
        return requests.count
    }

    /// What a flush found: a notification to send, or when to look again.
    enum Plan {
        case send(NotificationChannelRecord, firing: [Alert], resolved: [Alert], reason: PacingDecision.Reason, at: Date)
        case wait(Date)
        case nothing
    }

    /// Looks at one group of one channel and sends its notification when the pacing says so. The
    /// group's row stays locked while the notification goes out, so two workers never tell it twice.
    public func notify(_ job: AlertGroupNotifyJob, provider: UUID, messageId: UUID, attempt: Int) async throws {
        let outcome: (Plan, Result<DeliveryReceipt, DeliveryError>?) = try await database.withTenant(provider) { tx in
            // Only a channel that is gone or disabled drops the group; a failed read (or a secret that cannot
            // be opened) fails the job, which is retried.
            guard let channel = try await OctoError.absentAsNil({ try await tx.notificationChannels.get(job.channelId, secrets: secrets) }),
                  channel.enabled else {
                try await tx.notificationGroups.delete(channel: job.channelId, key: job.groupKey)
                return (.nothing, nil)
            }
            guard var state = try await tx.notificationGroups.lock(channel: channel.id, key: job.groupKey) else { return (.nothing, nil) }
            let now = tx.clock.now
            let members = try await tx.alerts.notifying().filter {
                channel.routes(severity: $0.severity, pop: $0.popId) && channel.pacing.groupKey(of: $0) == job.groupKey
            }
            // Alerts told firing that no longer notify: resolved ones are told; the rest (suppressed
            // since, rule deleted, routed elsewhere) are forgotten rather than called resolved.
            let gone = try await tx.alerts.get(Array(state.notifiedFiring.subtracting(members.map(\.id))))
            let resolved = gone.filter { $0.state == .resolved }
            let forgotten = state.notifiedFiring.subtracting(members.map(\.id)).subtracting(resolved.map(\.id))
            try await tx.notificationGroups.forget(channel: channel.id, key: job.groupKey, alerts: forgotten)
            state.notifiedFiring.subtract(forgotten)
            switch channel.pacing.decide(state: state, firing: Set(members.map(\.id)), severity: members.map(\.severity).max(), now: now) {
            case .done:
                try await tx.notificationGroups.delete(channel: channel.id, key: job.groupKey)
                return (.nothing, nil)
            case .wait(let until):
                return (.wait(until), nil)
            case .send(_, let told, let reason):
                let message = message(firing: members, resolved: resolved.filter { told.contains($0.id) }, id: messageId,
                                      language: channel.language, at: now)
                let result: Result<DeliveryReceipt, DeliveryError>
                do throws(DeliveryError) {
                    result = .success(try await dispatcher.send(message, via: channel.channel))
                } catch {
                    result = .failure(error)
                }
                if case .success = result {
                    try await tx.notificationGroups.sent(channel: channel.id, key: job.groupKey, firing: Set(members.map(\.id)), at: now)
                }
                return (.send(channel, firing: members, resolved: resolved.filter { told.contains($0.id) }, reason: reason, at: now), result)
            }
        }
        switch outcome {
        case (.nothing, _):
            return
        case (.wait(let until), _):
            if let queue { _ = try await queue.enqueue([try Self.request(provider: provider, channel: job.channelId, group: job.groupKey, at: until)]) }
        case (.send(let channel, let firing, let resolved, let reason, let at), let result?):
            let logged: (outcome: String, detail: String?) = switch result {
            case .success(let receipt): ("sent", receipt.reference ?? receipt.httpStatus.map { "HTTP \($0)" })
            case .failure(let error): (error.isRetryable ? "retrying" : "failed", error.description)
            }
            try await database.withTenant(provider) { tx in
                for alert in firing {
                    try await tx.notificationChannels.log(alert: alert.id, channel: channel.id, status: "firing", outcome: logged.outcome,
                                                          attempt: attempt, detail: logged.detail, group: job.groupKey, reason: reason.rawValue)
                }
                for alert in resolved {
                    try await tx.notificationChannels.log(alert: alert.id, channel: channel.id, status: "resolved", outcome: logged.outcome,
                                                          attempt: attempt, detail: logged.detail, group: job.groupKey, reason: reason.rawValue)
                }
            }
            switch result {
            case .success:
                // Reminded after the repeat interval while anything fires; a change schedules its own look.
                if !firing.isEmpty, let queue {
                    let next = at.addingTimeInterval(TimeInterval(channel.pacing.repeatIntervalSeconds))
                    _ = try await queue.enqueue([try Self.request(provider: provider, channel: channel.id, group: job.groupKey, at: next)])
                }
            case .failure(let error):
                logger.warning("notification not delivered", metadata: ["channel.id": "\(channel.id.lowercased)", "group": "\(job.groupKey)",
                                                                        "error": "\(error.description)"])
                if error.subscriptionGone {
                    // The browser unsubscribed (404/410 from its push service): the channel stops here.
                    try await database.withTenant(provider) { tx in try await tx.notificationChannels.disableGone(channel.id) }
                    return
                }
                if error.isRetryable { throw error }
            }
        case (.send, nil):
            return
        }
    }

    /// One notification for a group: a single alert reads as itself; several are counted in the title
    /// and listed in the body, firing first, then resolved.
    func message(firing: [Alert], resolved: [Alert], id: UUID, language: NotificationMessage.Language, at: Date) -> NotificationMessage {
        if firing.count + resolved.count == 1, let alert = firing.first ?? resolved.first {
            return message(alert, status: firing.isEmpty ? .resolved : .firing, id: id, language: language)
        }
        let english = language == .en
        let all = firing + resolved
        let severity = all.map(\.severity).max() ?? .warning
        let rules = Set(all.compactMap(\.ruleName))
        let subject = rules.count == 1 ? rules.first! : (english ? "several rules" : "várias regras")
        let title: String
        if firing.isEmpty {
            title = english ? "\(resolved.count) alerts resolved: \(subject)" : "\(resolved.count) alertas resolvidos: \(subject)"
        } else {
            title = english ? "\(firing.count) alerts firing: \(subject)" : "\(firing.count) alertas disparando: \(subject)"
        }
        func line(_ alert: Alert) -> String {
            ["- " + Self.summary(alert, language), alert.value.map { "(\(AlertEvaluator.format($0)))" }].compactMap { $0 }.joined(separator: " ")
        }
        var lines: [String] = []
        if !firing.isEmpty {
            lines.append(english ? "Firing (\(firing.count)):" : "Disparando (\(firing.count)):")
            lines.append(contentsOf: firing.prefix(50).map(line))
            if firing.count > 50 { lines.append(english ? "… and \(firing.count - 50) more" : "… e mais \(firing.count - 50)") }
        }
        if !resolved.isEmpty {
            if !lines.isEmpty { lines.append("") }
            lines.append(english ? "Resolved (\(resolved.count)):" : "Resolvidos (\(resolved.count)):")
            lines.append(contentsOf: resolved.prefix(50).map(line))
            if resolved.count > 50 { lines.append(english ? "… and \(resolved.count - 50) more" : "… e mais \(resolved.count - 50)") }
        }
        var labels: [String: String] = ["firing": String(firing.count), "resolved": String(resolved.count)]
        if rules.count == 1, let rule = rules.first { labels["rule"] = rule }
        return NotificationMessage(id: id, title: title, body: lines.joined(separator: "\n"),
                                   severity: NotificationMessage.Severity(rawValue: severity.rawValue) ?? .warning,
                                   status: firing.isEmpty ? .resolved : .firing, labels: labels,
                                   url: publicURL.map { $0.appendingPathComponent("alerts") }, language: language, occurredAt: at)
    }

    /// The message of `alert` for a channel in `language`.
    func message(_ alert: Alert, status: NotificationMessage.Status, id: UUID, language: NotificationMessage.Language) -> NotificationMessage {
        var labels = alert.labels
        labels["target"] = alert.target
        if let device = alert.deviceName { labels["device"] = device }
        if alert.affected > 0 { labels["affected"] = String(alert.affected) }
        let english = language == .en
        let summary = Self.summary(alert, language)
        let value = alert.value.map { (english ? "value: " : "valor: ") + AlertEvaluator.format($0) }
        let affected = alert.affected > 0 ? (english ? "\(alert.affected) affected" : "\(alert.affected) afetados") : nil
        let body = [summary, value, affected].compactMap { $0 }.joined(separator: " · ")
        return NotificationMessage(id: id, title: summary, body: body, severity: NotificationMessage.Severity(rawValue: alert.severity.rawValue) ?? .warning,
                                   status: status, alertID: alert.id, incidentID: alert.incidentId, labels: labels,
                                   url: publicURL.map { $0.appendingPathComponent("alerts/\(alert.id.lowercased)") }, language: language,
                                   occurredAt: (status == .resolved ? alert.resolvedAt : alert.firedAt) ?? alert.evaluatedAt)
    }

    /// The alert's summary in `language` (English for alerts stored before summaries were also written in Portuguese).
    static func summary(_ alert: Alert, _ language: NotificationMessage.Language) -> String {
        language == .en ? alert.summary : alert.summaryPtBr ?? alert.summary
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
        register(AlertGroupNotifyJob.self) { job, context in
            try await notifier.notify(job, provider: context.providerID, messageId: context.job.id, attempt: context.job.attempt)
        }
    }
}
