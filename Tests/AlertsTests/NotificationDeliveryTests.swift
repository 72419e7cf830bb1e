import Alerts
import Foundation
import Hummingbird
import Logging
import Notifications
import OctoCore
import OctoJobs
import OctoStore
import OctoTestSupport
import PostgresNIO
import Synchronization
import Testing

/// Alerts reach real receivers: the SMTP server `make test` starts (STARTTLS, AUTH) and a webhook
/// receiver that verifies the signature. A firing and a resolution each arrive once per channel, and
/// alerts of one group arrive together.
@Suite(.serialized) struct NotificationDeliveryTests {
    /// Records the webhook POSTs it receives.
    final class Receiver: Sendable {
        let requests = Mutex<[(headers: [String: String], body: [UInt8])]>([])
        var received: [(headers: [String: String], body: [UInt8])] { requests.withLock { $0 } }
    }

    static func peer(_ name: String) throws -> String {
        try #require(ProcessInfo.processInfo.environment[name], "\(name) is not set: run the tests through scripts/test.sh (scripts/peers/smtp.sh)")
    }

    /// The decoded mails the SMTP peer stored, oldest first.
    static func mails() throws -> [[String: Any]] {
        let directory = try peer("OCTOISP_TEST_SMTP_DECODED")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }
        return try names.compactMap { name in
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(name))) as? [String: Any]
        }
    }

    /// Fast timers for the test: no group wait, a one-second group interval.
    static let quick = NotificationPacing(groupBy: [.pop, .rule], groupWaitSeconds: 0, groupIntervalSeconds: 1, repeatIntervalSeconds: 3_600)

    /// Starts a webhook receiver on loopback, a database and a job worker running the deliveries, and
    /// runs `body` with them.
    static func withReceiver(_ body: @escaping @Sendable (_ stack: TestStack, _ port: Int, _ receiver: Receiver, _ notifier: AlertNotifier,
                                                          _ secrets: SecretBox, _ logger: Logger) async throws -> Void) async throws {
        let receiver = Receiver()
        let router = Router()
        router.post("hook") { request, _ -> Response in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.rawName.lowercased()] = field.value }
            receiver.requests.withLock { $0.append((headers, Array(buffer: bytes))) }
            return Response(status: .ok)
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
                              logger: Logger(label: "hook"))
        try await TestDatabase.with { stack in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await app.runService() }
                var port = 0
                for await bound in ports { port = bound; break }
                var logger = Logger(label: "alerts-test")
                logger.logLevel = .warning
                let secrets = try SecretBox(keyring: SecretBox.generateKeyring())
                let queue = PostgresJobQueue(database: stack.database, clock: stack.clock, logger: logger)
                let notifier = AlertNotifier(database: stack.database, queue: queue, secrets: secrets, logger: logger)
                var handlers = JobHandlers()
                handlers.registerAlertDeliveries(notifier)
                let worker = JobWorker(queue: queue, handlers: handlers, configuration: .init(includeDedicated: false, concurrency: 2, pollInterval: .milliseconds(50)),
                                       clock: stack.clock, logger: logger)
                group.addTask { try await worker.run() }
                try await body(stack, port, receiver, notifier, secrets, logger)
                group.cancelAll()
            }
        }
    }

    @Test func anAlertReachesEMailAndWebhookOnceWhenItFiresAndOnceWhenItResolves() async throws {
        let smtpPort = try #require(Int(try Self.peer("OCTOISP_TEST_SMTP_PORT")))
        let certificate = try String(contentsOfFile: try Self.peer("OCTOISP_TEST_SMTP_CERT"), encoding: .utf8)
        let user = try Self.peer("OCTOISP_TEST_SMTP_USER")
        let password = try Self.peer("OCTOISP_TEST_SMTP_PASSWORD")
        let recipient = "noc-\(UUID().lowercased.prefix(8))@provedor.test"
        try await Self.withReceiver { stack, port, receiver, notifier, secrets, logger in
            let provider = try await stack.makeProvider("acme").id
            let key = "webhook-signing-key-\(UUID().lowercased)"
            let (device, hook, mail) = try await stack.database.withTenant(provider) { tx in
                let device = try await tx.devices.create(DeviceInput(name: "OLT-CENTRO", kind: .olt), by: .system).id
                try await tx.query("""
                    INSERT INTO snmp_devices (provider_id, device_id, address, reachability, created_at, updated_at)
                    VALUES (\(provider), \(device), '127.3.0.7'::inet, 'down', now(), now())
                    """)
                _ = try await tx.alertRules.create(AlertRuleInput(name: "OLT fora do ar", severity: .critical, deviceKinds: ["olt"],
                                                                  condition: .reachability(includeSNMPFailing: false)), by: .system)
                let hook = try await tx.notificationChannels.create(NotificationChannelInput(
                    name: "Webhook NOC", channel: .webhook(WebhookConfiguration(url: URL(string: "http://127.0.0.1:\(port)/hook")!, key: NotificationSecret(key))),
                    pacing: Self.quick),
                    secrets: secrets, by: .system)
                let mail = try await tx.notificationChannels.create(NotificationChannelInput(
                    name: "E-mail NOC", minSeverity: .critical,
                    channel: .email(EmailConfiguration(host: "127.0.0.1", port: smtpPort, security: .startTLS, trustedCertificatePEM: certificate,
                                                       tlsServerName: "localhost", username: user, password: NotificationSecret(password),
                                                       fromAddress: "alertas@octoisp.test", recipients: [recipient])),
                    pacing: Self.quick),
                    secrets: secrets, by: .system)
                return (device, hook, mail)
            }
            // The secrets are stored sealed, never in clear, and answered empty.
            let stored = try await stack.database.withTenant(provider) { tx in
                try await tx.query("SELECT settings::text || coalesce(secrets_sealed, '') FROM notification_channels").values(String.self)
            }
            #expect(stored.count == 2 && stored.allSatisfy { !$0.contains(key) && !$0.contains(password) })
            // Fires: both channels get it.
            let evaluator = AlertEvaluator(database: stack.database, logger: logger)
            let fired = try await evaluator.evaluate(provider: provider)
            #expect(try await notifier.enqueue(provider: provider, alerts: fired.notify) == 2)
            #expect(try await notifier.enqueue(provider: provider, alerts: fired.notify) == 2, "asked twice…")
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await notifier.enqueue(provider: provider, alerts: fired.notify) == 2, "…and again after the first ran…")
            func mailsTo() throws -> [[String: Any]] { try Self.mails().filter { ($0["rcpt_tos"] as? [String])?.contains(recipient) == true } }
            var deadline = ContinuousClock.now + .seconds(30)
            while try receiver.received.count < 1 || mailsTo().count < 1, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
            try await Task.sleep(for: .milliseconds(1500))
            #expect(receiver.received.count == 1, "…delivered once")
            let attempts = try await stack.database.withTenant(provider) { tx in try await tx.notificationChannels.deliveries(alert: try #require(fired.notify.first)) }
            #expect(try mailsTo().count == 1, "\(attempts.map { "\($0.channelName ?? "") \($0.status) \($0.outcome) \($0.detail ?? "")" })")
            let first = try #require(receiver.received.first)
            let timestamp = try #require(first.headers["x-octoisp-timestamp"])
            let signature = try #require(first.headers["x-octoisp-signature"])
            #expect(WebhookSignature.verify(signature: signature, timestamp: timestamp, body: first.body, key: Array(key.utf8), now: Date()))
            let payload = try #require(try JSONSerialization.jsonObject(with: Data(first.body)) as? [String: Any])
            // Both channels speak Portuguese (the default): the alert's sentence too, not only the frame.
            #expect("\(payload)".contains("OLT-CENTRO está inacessível"), "\(payload)")
            let subject = try #require(try mailsTo().first?["subject"] as? String)
            #expect(subject.contains("OLT-CENTRO está inacessível"), "\(subject)")
            // Resolves: each channel hears it once more, a group interval after the firing.
            stack.clock.advance(by: 2)
            try await stack.database.withTenant(provider) { tx in
                try await tx.query("UPDATE snmp_devices SET reachability = 'up' WHERE device_id = \(device)")
            }
            let resolved = try await evaluator.evaluate(provider: provider)
            #expect(try await notifier.enqueue(provider: provider, alerts: resolved.notify) == 2)
            deadline = ContinuousClock.now + .seconds(30)
            while try receiver.received.count < 2 || mailsTo().count < 2, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
            #expect(receiver.received.count == 2)
            #expect(try mailsTo().count == 2)
            let alert = try #require(fired.notify.first)
            // The attempt is logged right after the receiver answered.
            var log = try await stack.database.withTenant(provider) { tx in try await tx.notificationChannels.deliveries(alert: alert) }
            deadline = ContinuousClock.now + .seconds(10)
            while log.count < 4, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                log = try await stack.database.withTenant(provider) { tx in try await tx.notificationChannels.deliveries(alert: alert) }
            }
            #expect(log.map(\.outcome) == ["sent", "sent", "sent", "sent"])
            #expect(Set(log.map(\.channelId)) == [hook.id, mail.id])
            #expect(log.filter { $0.status == "resolved" }.count == 2, "\(log.map { "\($0.status) \($0.outcome) \($0.channelName ?? "")" })")
            // A channel whose receiver refuses for good is logged as failed, not retried forever.
            let broken = try await stack.database.withTenant(provider) { tx in
                try await tx.notificationChannels.create(NotificationChannelInput(
                    name: "Quebrado", channel: .webhook(WebhookConfiguration(url: URL(string: "http://127.0.0.1:\(port)/missing")!, key: "k"))),
                    secrets: secrets, by: .system)
            }
            let test = try await notifier.test(channel: broken.id, provider: provider)
            #expect(test.outcome == "failed" && test.detail?.contains("404") == true, "\(String(describing: test.detail))")
            #expect(try await notifier.test(channel: hook.id, provider: provider).outcome == "sent")
        }
    }

    /// A person opts in to alert e-mails through the provider's e-mail channel: their warning-or-worse
    /// alerts reach their own address (as it is when sending) through the provider's SMTP server, while
    /// the provider's critical-only channel stays quiet.
    @Test func aPersonsEMailOptInSendsThroughTheProvidersServerToTheirAddress() async throws {
        let smtpPort = try #require(Int(try Self.peer("OCTOISP_TEST_SMTP_PORT")))
        let certificate = try String(contentsOfFile: try Self.peer("OCTOISP_TEST_SMTP_CERT"), encoding: .utf8)
        let smtpUser = try Self.peer("OCTOISP_TEST_SMTP_USER")
        let password = try Self.peer("OCTOISP_TEST_SMTP_PASSWORD")
        let tag = UUID().lowercased.prefix(8)
        let list = "noc-\(tag)@provedor.test"
        let person = "tecnica-\(tag)@provedor.test"
        try await Self.withReceiver { stack, port, receiver, notifier, secrets, logger in
            let provider = try await stack.makeProvider("optin").id
            let user = try await stack.makeUser(person, role: .noc, provider: provider)
            let (mail, hook) = try await stack.database.withTenant(provider) { tx in
                let device = try await tx.devices.create(DeviceInput(name: "SW-BAIRRO", kind: .switch), by: .system)
                try await tx.query("""
                    INSERT INTO snmp_devices (provider_id, device_id, address, reachability, created_at, updated_at)
                    VALUES (\(provider), \(device.id), '127.3.0.8'::inet, 'snmp_failing', now(), now())
                    """)
                _ = try await tx.alertRules.create(AlertRuleInput(name: "SNMP sem resposta", severity: .warning, condition: .reachability(includeSNMPFailing: true)),
                                                   by: .system)
                let mail = try await tx.notificationChannels.create(NotificationChannelInput(
                    name: "E-mail NOC", minSeverity: .critical,
                    channel: .email(EmailConfiguration(host: "127.0.0.1", port: smtpPort, security: .startTLS, trustedCertificatePEM: certificate,
                                                       tlsServerName: "localhost", username: smtpUser, password: NotificationSecret(password),
                                                       fromAddress: "alertas@octoisp.test", recipients: [list])),
                    pacing: Self.quick), secrets: secrets, by: .system)
                let hook = try await tx.notificationChannels.create(NotificationChannelInput(
                    name: "Webhook", minSeverity: .critical, channel: .webhook(WebhookConfiguration(url: URL(string: "http://127.0.0.1:\(port)/hook")!, key: "k"))),
                    secrets: secrets, by: .system)
                return (mail, hook)
            }
            let subscription = try await stack.database.withTenant(provider) { tx in
                try await tx.notificationChannels.subscribeEmail(EmailSubscriptionInput(viaChannelId: mail.id, minSeverity: .warning,
                                                                                        pacing: Self.quick), user: user.id, by: .system)
            }
            #expect(subscription.ownerUserId == user.id && subscription.viaChannelId == mail.id)
            // It holds no secret of its own, and is the person's alone.
            let sealed = try await stack.database.withTenant(provider) { tx in
                try await tx.query("SELECT count(*) FROM notification_channels WHERE id = \(subscription.id) AND secrets_sealed IS NULL").values(Int.self)
            }
            #expect(sealed == [1])
            await #expect(throws: OctoError.self) {
                try await stack.database.withTenant(provider) { tx in
                    try await tx.notificationChannels.subscribeEmail(EmailSubscriptionInput(viaChannelId: mail.id), user: user.id, by: .system)
                }
            }
            do {
                _ = try await stack.database.withTenant(provider) { tx in
                    try await tx.notificationChannels.subscribeEmail(EmailSubscriptionInput(viaChannelId: hook.id), user: user.id, by: .system)
                }
                Issue.record("a webhook is not an e-mail server")
            } catch let error as OctoError {
                #expect(error.field == "via_channel_id")
            }
            // A warning fires: the person hears of it, the critical-only channels do not.
            let fired = try await AlertEvaluator(database: stack.database, logger: logger).evaluate(provider: provider)
            #expect(try await notifier.enqueue(provider: provider, alerts: fired.notify) == 1)
            func mails(to address: String) throws -> [[String: Any]] { try Self.mails().filter { ($0["rcpt_tos"] as? [String])?.contains(address) == true } }
            let deadline = ContinuousClock.now + .seconds(30)
            while try mails(to: person).isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
            let received = try mails(to: person)
            #expect(received.count == 1)
            #expect((received.first?["subject"] as? String)?.contains("SW-BAIRRO") == true)
            #expect(try mails(to: list).isEmpty && receiver.received.isEmpty)
            // The address is read when sending: a changed e-mail gets the next one.
            let moved = "nova-\(tag)@provedor.test"
            try await stack.database.withTenant(provider) { tx in try await tx.query("UPDATE users SET email = \(moved) WHERE id = \(user.id)") }
            #expect(try await notifier.test(channel: subscription.id, provider: provider).outcome == "sent")
            #expect(try mails(to: moved).count == 1)
            // Unsubscribing removes it; another person cannot touch it.
            let stranger = try await stack.makeUser("outra-\(tag)@provedor.test", role: .noc, provider: provider)
            await #expect(throws: OctoError.self) {
                try await stack.database.withTenant(provider) { tx in try await tx.notificationChannels.unsubscribeEmail(subscription.id, user: stranger.id, by: .system) }
            }
            try await stack.database.withTenant(provider) { tx in try await tx.notificationChannels.unsubscribeEmail(subscription.id, user: user.id, by: .system) }
            #expect(try await stack.database.withTenant(provider) { tx in try await tx.notificationChannels.emailSubscriptions(of: user.id) }.isEmpty)
        }
    }

    /// The text of each webhook POST's notification (title and body).
    static func texts(_ receiver: Receiver) throws -> [String] {
        try receiver.received.map { request in
            let payload = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
            return "\(payload)"
        }
    }

    @Test func alertsOfOneGroupArriveTogetherAndAChangeWaitsForTheGroupInterval() async throws {
        try await Self.withReceiver { stack, port, receiver, notifier, secrets, logger in
            let provider = try await stack.makeProvider("grupo").id
            let pacing = NotificationPacing(groupBy: [.pop, .rule], groupWaitSeconds: 30, groupIntervalSeconds: 300, repeatIntervalSeconds: 3_600)
            let (devices, hook) = try await stack.database.withTenant(provider) { tx in
                let centro = try await tx.pops.create(PopInput(name: "POP Centro"), by: .system).id
                let norte = try await tx.pops.create(PopInput(name: "POP Norte"), by: .system).id
                var devices: [UUID] = []
                for (index, pop) in [centro, centro, centro, norte].enumerated() {
                    let device = try await tx.devices.create(DeviceInput(name: "OLT-\(index)", kind: .olt, popId: .value(pop)), by: .system).id
                    try await tx.query("""
                        INSERT INTO snmp_devices (provider_id, device_id, address, reachability, created_at, updated_at)
                        VALUES (\(provider), \(device), \("127.3.1.\(index + 1)")::inet, 'down', now(), now())
                        """)
                    devices.append(device)
                }
                _ = try await tx.alertRules.create(AlertRuleInput(name: "OLT fora do ar", severity: .critical, deviceKinds: ["olt"],
                                                                  condition: .reachability(includeSNMPFailing: false)), by: .system)
                let hook = try await tx.notificationChannels.create(NotificationChannelInput(
                    name: "Webhook NOC", language: .en,
                    channel: .webhook(WebhookConfiguration(url: URL(string: "http://127.0.0.1:\(port)/hook")!, key: "k")), pacing: pacing),
                    secrets: secrets, by: .system)
                return (devices, hook)
            }
            func settle(_ count: Int) async throws {
                let deadline = ContinuousClock.now + .seconds(20)
                while receiver.received.count < count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
                try await Task.sleep(for: .milliseconds(800))  // and nothing more arrives
            }
            let evaluator = AlertEvaluator(database: stack.database, logger: logger)
            let fired = try await evaluator.evaluate(provider: provider)
            #expect(fired.notify.count == 4)
            #expect(try await notifier.enqueue(provider: provider, alerts: fired.notify) == 2, "two groups: POP Centro and POP Norte")
            try await settle(1)
            #expect(receiver.received.isEmpty, "the group wait holds the first notification")
            stack.clock.advance(by: 31)
            try await settle(2)
            let first = try Self.texts(receiver)
            #expect(first.count == 2, "\(first)")
            #expect(first.contains { $0.contains("3 alerts firing: OLT fora do ar") }, "\(first)")
            #expect(first.contains { $0.contains("OLT-3 is unreachable") }, "\(first)")
            // One OLT of POP Centro comes back: told at the group interval, not before.
            try await stack.database.withTenant(provider) { tx in
                try await tx.query("UPDATE snmp_devices SET reachability = 'up' WHERE device_id = \(devices[0])")
            }
            stack.clock.advance(by: 60)
            let resolved = try await evaluator.evaluate(provider: provider)
            #expect(try await notifier.enqueue(provider: provider, alerts: resolved.notify) == 1)
            try await settle(3)
            #expect(receiver.received.count == 2, "a change waits for the group interval")
            stack.clock.advance(by: 240)
            try await settle(3)
            let texts = try Self.texts(receiver)
            #expect(texts.count == 3, "\(texts)")
            let change = try #require(texts.last)
            #expect(change.contains("2 alerts firing") && change.contains("Resolved (1)") && change.contains("OLT-0 is unreachable"), "\(change)")
            // The log says which group and why.
            let log = try await stack.database.withTenant(provider) { tx in try await tx.notificationChannels.deliveries(alert: fired.notify[0]) }
            #expect(log.map(\.reason) == ["initial", "change"] && log.allSatisfy { $0.channelId == hook.id && $0.groupKey?.hasPrefix("pop=") == true },
                    "\(log)")
            // Nothing changes for the repeat interval: one reminder per group still firing.
            stack.clock.advance(by: 3_600)
            try await settle(5)
            let reminders = try Self.texts(receiver).dropFirst(3)
            #expect(reminders.count == 2, "\(Array(reminders))")
        }
    }

    @Test func aChannelWhoseSecretCannotBeOpenedFailsTheJobAndKeepsItsGroup() async throws {
        try await Self.withReceiver { stack, port, receiver, notifier, secrets, logger in
            let provider = try await stack.makeProvider("acme").id
            let hook = try await stack.database.withTenant(provider) { tx in
                let device = try await tx.devices.create(DeviceInput(name: "OLT-NORTE", kind: .olt), by: .system).id
                try await tx.query("""
                    INSERT INTO snmp_devices (provider_id, device_id, address, reachability, created_at, updated_at)
                    VALUES (\(provider), \(device), '127.3.0.8'::inet, 'down', now(), now())
                    """)
                _ = try await tx.alertRules.create(AlertRuleInput(name: "OLT fora do ar", severity: .critical, deviceKinds: ["olt"],
                                                                  condition: .reachability(includeSNMPFailing: false)), by: .system)
                return try await tx.notificationChannels.create(NotificationChannelInput(
                    name: "Webhook NOC", channel: .webhook(WebhookConfiguration(url: URL(string: "http://127.0.0.1:\(port)/hook")!,
                                                                                key: NotificationSecret("signing-key"))),
                    pacing: Self.quick), secrets: secrets, by: .system)
            }
            let fired = try await AlertEvaluator(database: stack.database, logger: logger).evaluate(provider: provider)
            #expect(try await notifier.enqueue(provider: provider, alerts: fired.notify) == 1)
            let key = try #require(try await stack.database.withTenant(provider) { tx in
                try await tx.query("SELECT group_key FROM notification_groups WHERE channel_id = \(hook.id)").values(String.self).first
            })
            // A process with another secret key cannot open the channel: that is a failure, not a deleted channel.
            let stranger = AlertNotifier(database: stack.database, queue: PostgresJobQueue(database: stack.database, logger: logger),
                                         secrets: try SecretBox(keyring: SecretBox.generateKeyring()), logger: logger)
            await #expect(throws: (any Error).self) {
                try await stranger.notify(AlertGroupNotifyJob(channelId: hook.id, groupKey: key), provider: provider, messageId: UUID(), attempt: 1)
            }
            let groups = try await stack.database.withTenant(provider) { tx in
                try await tx.query("SELECT group_key FROM notification_groups WHERE channel_id = \(hook.id)").values(String.self)
            }
            #expect(groups == [key], "the group survives a channel that could not be read")
        }
    }
}
