import Alerts
import Foundation
import Hummingbird
import Logging
import Monitoring
import Notifications
import OctoCore
import OctoJobs
import OctoMetrics
import OctoStore
import OctoTestSupport
import SNMP
import Synchronization
import Testing

extension PollingIntegrationTests {
    /// From a real agent to real receivers: a net-snmp agent is polled, then killed (the device still
    /// answers ping: `snmp_failing`), the alert fires and reaches the SMTP server `make test` starts, a
    /// webhook receiver that verifies the signature and a Telegram stand-in that checks the request as the
    /// Bot API documents it; the agent comes back, the alert resolves, and each channel hears each once.
    @Suite struct AlertEndToEndTests {
        final class Received: Sendable {
            let webhook = Mutex<[(headers: [String: String], body: [UInt8])]>([])
            let telegram = Mutex<[String]>([])
            let telegramProblems = Mutex<[String]>([])
        }

        static func peer(_ name: String) throws -> String {
            try #require(ProcessInfo.processInfo.environment[name], "\(name) is not set: run the tests through scripts/test.sh (scripts/peers/smtp.sh)")
        }

        static let pollSettings = PollSettings(requestTimeout: .seconds(1), retries: 0, pollTimeout: .seconds(5),
                                               discoveryConcurrency: 4, discoveryTimeout: .milliseconds(500),
                                               icmp: ICMPPinger(timeout: .seconds(1), count: 2))

        @Test func anAgentThatStopsAnsweringRaisesOneAlertOnEveryChannelAndOneResolution() async throws {
            let smtpPort = try #require(Int(try Self.peer("OCTOISP_TEST_SMTP_PORT")))
            let certificate = try String(contentsOfFile: try Self.peer("OCTOISP_TEST_SMTP_CERT"), encoding: .utf8)
            let smtpUser = try Self.peer("OCTOISP_TEST_SMTP_USER")
            let smtpPassword = try Self.peer("OCTOISP_TEST_SMTP_PASSWORD")
            let mailbox = try Self.peer("OCTOISP_TEST_SMTP_DECODED")
            let recipient = "noc-\(UUID().uuidString.lowercased().prefix(8))@provedor.test"
            let token = "123456:ABC-\(UUID().uuidString.prefix(8))"
            let chat = "-1001234567890"
            let key = "webhook-key-\(UUID().uuidString.lowercased())"

            let received = Received()
            let router = Router()
            router.post("hook") { request, _ -> Response in
                let body = try await request.body.collect(upTo: 1 << 20)
                var headers: [String: String] = [:]
                for field in request.headers { headers[field.name.rawName.lowercased()] = field.value }
                received.webhook.withLock { $0.append((headers, Array(body.readableBytesView))) }
                return Response(status: .ok)
            }
            router.post("bot\(token)/sendMessage") { request, _ -> Response in
                let body = try await request.body.collect(upTo: 1 << 20)
                let json = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
                var problems: [String] = []
                if request.headers[.contentType]?.hasPrefix("application/json") != true { problems.append("content type") }
                // The Bot API takes chat_id as an Integer or a String.
                if json["chat_id"].map({ "\($0)" }) != chat { problems.append("chat_id \(String(describing: json["chat_id"]))") }
                if json["parse_mode"] as? String != "HTML" { problems.append("parse_mode") }
                if (json["text"] as? String)?.isEmpty != false { problems.append("text") }
                received.telegramProblems.withLock { $0 += problems }
                let text = json["text"] as? String ?? ""
                received.telegram.withLock { $0.append(text) }
                let answer = #"{"ok":true,"result":{"message_id":\#(received.telegram.withLock { $0.count })}}"#
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: answer)))
            }
            let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
            let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                  onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: Logger(label: "receivers"))
            let firstAgents = try await LoopbackAgents.start(count: 1)
            let restarted = Mutex<LoopbackAgents?>(nil)
            defer {
                firstAgents.stop()
                restarted.withLock { $0?.stop() }
            }

            try await TestDatabase.with { stack in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await app.runService() }
                    var port = 0
                    for await bound in ports { port = bound; break }
                    let fixture = try await PollingFixture.make(stack)
                    let credential = try await fixture.credential("public", community: "public", priority: 1)
                    let device = try await fixture.device(firstAgents.addresses[0], port: firstAgents.port, credential: credential.id)
                    let quick = NotificationPacing(groupBy: [.pop, .rule], groupWaitSeconds: 0, groupIntervalSeconds: 1, repeatIntervalSeconds: 3_600)
                    try await stack.database.withTenant(fixture.provider) { tx in
                        _ = try await tx.alertRules.create(AlertRuleInput(name: "Agente SNMP mudo", severity: .critical, scope: .device, scopeId: device.deviceId,
                                                                          condition: .reachability(includeSNMPFailing: true), forSeconds: 0,
                                                                          keepFiringForSeconds: 0), by: .system)
                        _ = try await tx.notificationChannels.create(NotificationChannelInput(
                            name: "Webhook", channel: .webhook(WebhookConfiguration(url: URL(string: "http://127.0.0.1:\(port)/hook")!, key: NotificationSecret(key))),
                            pacing: quick), secrets: fixture.secrets, by: .system)
                        _ = try await tx.notificationChannels.create(NotificationChannelInput(
                            name: "Telegram", channel: .telegram(TelegramConfiguration(baseURL: URL(string: "http://127.0.0.1:\(port)")!,
                                                                                       botToken: NotificationSecret(token), chatID: chat)),
                            pacing: quick), secrets: fixture.secrets, by: .system)
                        _ = try await tx.notificationChannels.create(NotificationChannelInput(
                            name: "E-mail", channel: .email(EmailConfiguration(host: "127.0.0.1", port: smtpPort, security: .startTLS,
                                                                                 trustedCertificatePEM: certificate, tlsServerName: "localhost",
                                                                                 username: smtpUser, password: NotificationSecret(smtpPassword),
                                                                                 fromAddress: "alertas@octoisp.test", recipients: [recipient])),
                            pacing: quick), secrets: fixture.secrets, by: .system)
                    }
                    let queue = PostgresJobQueue(database: stack.database, clock: stack.clock, logger: PollingPeers.logger)
                    let notifier = AlertNotifier(database: stack.database, queue: queue, secrets: fixture.secrets, logger: PollingPeers.logger)
                    var handlers = JobHandlers()
                    handlers.registerAlertDeliveries(notifier)
                    let worker = JobWorker(queue: queue, handlers: handlers, configuration: .init(includeDedicated: false, concurrency: 3, pollInterval: .milliseconds(50)),
                                           clock: stack.clock, logger: PollingPeers.logger)
                    group.addTask { try await worker.run() }
                    let evaluator = AlertEvaluator(database: stack.database, logger: PollingPeers.logger)

                    /// Polls the device once and evaluates, handing what changed to the notifier.
                    func cycle() async throws -> AlertEvaluator.Summary {
                        try await withSNMPClient { client in
                            let service = try fixture.service(client: client, queue: queue, settings: Self.pollSettings)
                            try await service.poll(SNMPPollJob(deviceId: device.deviceId, collectors: [.system], period: 1), provider: fixture.provider)
                        }
                        stack.clock.advance(by: 2)
                        let summary = try await evaluator.evaluate(provider: fixture.provider)
                        if !summary.notify.isEmpty { try await notifier.enqueue(provider: fixture.provider, alerts: summary.notify) }
                        return summary
                    }
                    func mails() throws -> [[String: Any]] {
                        try FileManager.default.contentsOfDirectory(atPath: mailbox).filter { $0.hasSuffix(".json") }.compactMap { name in
                            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: mailbox).appendingPathComponent(name))) as? [String: Any]
                        }.filter { ($0["rcpt_tos"] as? [String])?.contains(recipient) == true }
                    }
                    func settle(_ count: Int) async throws {
                        let deadline = ContinuousClock.now + .seconds(30)
                        while try received.webhook.withLock({ $0.count }) < count || received.telegram.withLock({ $0.count }) < count || mails().count < count,
                              ContinuousClock.now < deadline {
                            try await Task.sleep(for: .milliseconds(100))
                        }
                        try await Task.sleep(for: .milliseconds(800))  // and nothing more arrives
                    }

                    // The agent answers: nothing fires.
                    let healthy = try await cycle()
                    #expect(try await fixture.state(device.deviceId).reachability == "up")
                    #expect(healthy.notify.isEmpty)
                    // The agent dies; the device still answers ping.
                    firstAgents.stop()
                    let fired = try await cycle()
                    let state = try await fixture.state(device.deviceId)
                    #expect(state.reachability == "snmp_failing", "\(state.reachability) \(state.lastError ?? "")")
                    #expect(fired.notify.count == 1 && fired.transitions["firing"] == 1)
                    // The next poll, still failing, tells nobody again.
                    #expect(try await cycle().notify.isEmpty)
                    try await settle(1)
                    #expect(received.webhook.withLock { $0.count } == 1)
                    #expect(received.telegram.withLock { $0.count } == 1)
                    #expect(try mails().count == 1)
                    let hook = try #require(received.webhook.withLock { $0.first })
                    #expect(WebhookSignature.verify(signature: hook.headers["x-octoisp-signature"] ?? "", timestamp: hook.headers["x-octoisp-timestamp"] ?? "",
                                                    body: hook.body, key: Array(key.utf8), now: Date()))
                    let firingText = try #require(received.telegram.withLock { $0.first })
                    // The channel speaks Portuguese (the default), the alert's sentence too.
                    #expect(firingText.contains("127.1.0.1 responde ao ping, mas não ao SNMP"), "\(firingText)")
                    #expect(received.telegramProblems.withLock { $0 }.isEmpty, "\(received.telegramProblems.withLock { $0 })")

                    // The agent comes back (a new process, on another port): the alert resolves, once per channel.
                    let secondAgents = try await LoopbackAgents.start(count: 1)
                    restarted.withLock { $0 = secondAgents }
                    try await stack.database.withTenant(fixture.provider) { tx in
                        try await tx.query("UPDATE snmp_devices SET address = \(secondAgents.addresses[0])::inet, port = \(secondAgents.port) WHERE device_id = \(device.deviceId)")
                    }
                    let resolved = try await cycle()
                    #expect(try await fixture.state(device.deviceId).reachability == "up")
                    #expect(resolved.transitions["resolved"] == 1)
                    try await settle(2)
                    #expect(received.webhook.withLock { $0.count } == 2)
                    #expect(received.telegram.withLock { $0.count } == 2)
                    #expect(try mails().count == 2)
                    let resolvedText = try #require(received.telegram.withLock { $0.last })
                    #expect(resolvedText.uppercased().contains("RESOLVIDO"), "\(resolvedText)")
                    let log = try await stack.database.withTenant(fixture.provider) { tx in
                        try await tx.notificationChannels.deliveries(alert: try #require(fired.notify.first))
                    }
                    #expect(log.count == 6 && log.allSatisfy { $0.outcome == "sent" }, "\(log.map { "\($0.channelName ?? "") \($0.status) \($0.outcome)" })")
                    group.cancelAll()
                }
            }
        }
    }
}
