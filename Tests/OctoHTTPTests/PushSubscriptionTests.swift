import Alerts
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Notifications
import OctoCore
import OctoJobs
import OctoStore
import OctoTestSupport
import Synchronization
import Testing

/// A person subscribes a browser through the API; a critical alert reaches it through a push service
/// on loopback that checks VAPID against the provider's key and decrypts the message as the browser
/// would; a push service that answers "gone" disables the subscription.
@Suite(.serialized) struct PushSubscriptionTests {
    /// A browser's subscription keys.
    struct Browser {
        let key = P256.KeyAgreement.PrivateKey()
        let auth = (0..<16).map { _ in UInt8.random(in: 0...255) }
        func json(_ endpoint: String, extra: String = "") -> String {
            #"{"endpoint": "\#(endpoint)", "keys": {"p256dh": "\#(Base64URL.encode(key.publicKey.x963Representation))", "auth": "\#(Base64URL.encode(auth))"}\#(extra)}"#
        }
    }

    /// What the push service received, and the status it answers.
    final class PushService: Sendable {
        let received = Mutex<[(path: String, authorization: String, body: [UInt8])]>([])
        let status = Mutex<HTTPResponse.Status>(.created)
    }

    @Test func aCriticalAlertReachesTheSubscribedBrowserAndAGoneSubscriptionStops() async throws {
        let service = PushService()
        let router = Router()
        router.post("push/:id") { request, context -> Response in
            let body = try await request.body.collect(upTo: 1 << 16)
            service.received.withLock { $0.append((request.uri.path, request.headers[.authorization] ?? "", Array(buffer: body))) }
            return Response(status: service.status.withLock { $0 })
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let pushApp = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                  onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: Logger(label: "push"))
        let secrets = try SecretBox(keyring: SecretBox.generateKeyring())
        let browser = Browser()
        try await APIHarness.with(configure: { configuration in
            configuration.addressRate = 10_000
            configuration.addressBurst = 10_000
            configuration.pushEndpoints = PushEndpointPolicy(allowInsecure: true)
        }, secrets: secrets) { harness in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await pushApp.runService() }
                var port = 0
                for await bound in ports { port = bound; break }
                let provider = try await harness.stack.makeProvider("push")
                try await harness.stack.makeUser("noc@push.test", role: .noc, provider: provider.id)
                try await harness.stack.makeUser("viewer@push.test", role: .viewer, provider: provider.id)
                let noc = try await harness.login("noc@push.test")
                let viewer = try await harness.login("viewer@push.test")
                // The key the browser subscribes with is the provider's, made once.
                let key = try #require(try await harness.call(.get, "/api/v1/push/vapid-public-key", token: viewer).string("public_key"))
                #expect(Base64URL.decode(key)?.count == 65)
                #expect(try await harness.call(.get, "/api/v1/push/vapid-public-key", token: noc).string("public_key") == key)
                // Bad subscriptions are refused, naming the field.
                for (body, field) in [(browser.json("ftp://127.0.0.1/x"), "endpoint"),
                                      (#"{"endpoint": "http://127.0.0.1:\#(port)/push/a", "keys": {"p256dh": "AAAA", "auth": "AAAA"}}"#, "keys.p256dh")] {
                    let refused = try await harness.call(.post, "/api/v1/me/push-subscriptions", token: noc, json: body)
                    #expect(refused.status == .badRequest && refused.errorField == field, "\(body): \(refused.status)")
                }
                let endpoint = "http://127.0.0.1:\(port)/push/noc-browser"
                let created = try await harness.call(.post, "/api/v1/me/push-subscriptions", token: noc, json: browser.json(endpoint))
                #expect(created.status == .created, "\(String(describing: created.json))")
                let subscription = try #require(created.string("id"))
                #expect(created.string("min_severity") == "critical", "people hear critical alerts unless they ask for more")
                // Subscribing the same browser again renews it rather than adding a second channel.
                let again = try await harness.call(.post, "/api/v1/me/push-subscriptions", token: noc, json: browser.json(endpoint, extra: #", "min_severity": "warning""#))
                #expect(again.string("id") == subscription && again.string("min_severity") == "warning")
                #expect(try await harness.call(.get, "/api/v1/me/push-subscriptions", token: noc).items.count == 1)
                // Another user neither sees nor changes it.
                #expect(try await harness.call(.get, "/api/v1/me/push-subscriptions", token: viewer).items.isEmpty)
                #expect(try await harness.call(.patch, "/api/v1/me/push-subscriptions/\(subscription)", token: viewer, json: #"{"enabled": false}"#).status == .notFound)
                #expect(try await harness.call(.delete, "/api/v1/me/push-subscriptions/\(subscription)", token: viewer).status == .notFound)
                // A test message reaches the person's own browser only; another user's is not theirs to test.
                #expect(try await harness.call(.post, "/api/v1/me/push-subscriptions/\(subscription)/test", token: viewer).status == .notFound)
                let tested = try await harness.call(.post, "/api/v1/me/push-subscriptions/\(subscription)/test", token: noc)
                #expect(tested.status == .ok && tested.string("outcome") == "sent", "\(String(describing: tested.json))")
                let test = try #require(service.received.withLock { $0.first })
                #expect(test.path == "/push/noc-browser")
                let testText = try WebPushEncryption.decrypt(test.body, receiverKey: browser.key, authSecret: browser.auth)
                #expect(try OctoJSON.decoder.decode(WebPushPayload.self, from: Data(testText)).title.contains("OctoISP"))
                service.received.withLock { $0.removeAll() }
                let quiet = try await harness.call(.patch, "/api/v1/me/push-subscriptions/\(subscription)", token: noc,
                                                   json: #"{"pacing": {"group_wait_seconds": 0, "group_interval_seconds": 1}}"#)
                #expect(quiet.status == .ok)

                // An OLT goes down; the alert is evaluated and delivered by a worker.
                var logger = Logger(label: "push-test")
                logger.logLevel = .warning
                try await harness.stack.database.withTenant(provider.id) { tx in
                    let device = try await tx.devices.create(DeviceInput(name: "OLT-SUL", kind: .olt), by: .system).id
                    try await tx.query("""
                        INSERT INTO snmp_devices (provider_id, device_id, address, reachability, created_at, updated_at)
                        VALUES (\(provider.id), \(device), '127.3.0.11'::inet, 'down', now(), now())
                        """)
                    _ = try await tx.alertRules.create(AlertRuleInput(name: "OLT fora do ar", severity: .critical, deviceKinds: ["olt"],
                                                                      condition: .reachability(includeSNMPFailing: false)), by: .system)
                }
                let queue = PostgresJobQueue(database: harness.stack.database, clock: harness.stack.clock, logger: logger)
                let notifier = AlertNotifier(database: harness.stack.database, queue: queue, secrets: secrets, logger: logger)
                var handlers = JobHandlers()
                handlers.registerAlertDeliveries(notifier)
                let worker = JobWorker(queue: queue, handlers: handlers, configuration: .init(includeDedicated: false, concurrency: 2, pollInterval: .milliseconds(50)),
                                       clock: harness.stack.clock, logger: logger)
                group.addTask { try await worker.run() }
                let fired = try await AlertEvaluator(database: harness.stack.database, logger: logger).evaluate(provider: provider.id)
                #expect(try await notifier.enqueue(provider: provider.id, alerts: fired.notify) == 1)
                // The test's clock moves while it waits, as time would: a delivery retried after a transient
                // failure (a timeout on a loaded machine) comes due instead of waiting for a frozen clock.
                var deadline = ContinuousClock.now + .seconds(20)
                while service.received.withLock({ $0.isEmpty }), ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(100))
                    harness.stack.clock.advance(by: 1)
                }
                let push = try #require(service.received.withLock { $0.first })
                #expect(push.path == "/push/noc-browser")
                #expect(push.authorization.hasSuffix(", k=\(key)"), "signed with the provider's VAPID key")
                let token = String(push.authorization.dropFirst(8).prefix(while: { $0 != "," }))
                #expect(VAPID.verify(token: token, publicKey: key)?["sub"] as? String == "mailto:noc@push.test")
                let plaintext = try WebPushEncryption.decrypt(push.body, receiverKey: browser.key, authSecret: browser.auth)
                let payload = try OctoJSON.decoder.decode(WebPushPayload.self, from: Data(plaintext))
                #expect(payload.title.contains("OLT-SUL") && payload.severity == .critical, "\(payload.title)")

                // The browser unsubscribed at its push service: the next push is answered 410 and the subscription stops.
                service.status.withLock { $0 = .gone }
                try await harness.stack.database.withTenant(provider.id) { tx in try await tx.query("UPDATE snmp_devices SET reachability = 'up'") }
                harness.stack.clock.advance(by: 2)
                let resolved = try await AlertEvaluator(database: harness.stack.database, logger: logger).evaluate(provider: provider.id)
                #expect(try await notifier.enqueue(provider: provider.id, alerts: resolved.notify) == 1)
                deadline = ContinuousClock.now + .seconds(20)
                var enabled = true
                while enabled, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(100))
                    harness.stack.clock.advance(by: 1)
                    enabled = try await harness.call(.get, "/api/v1/me/push-subscriptions", token: noc).items.first?["enabled"] == .bool(true)
                }
                #expect(!enabled, "a gone subscription is disabled")
                #expect(service.received.withLock { $0.count } == 2)
                // Its owner removes it.
                #expect(try await harness.call(.delete, "/api/v1/me/push-subscriptions/\(subscription)", token: noc).status == .noContent)
                #expect(try await harness.call(.get, "/api/v1/me/push-subscriptions", token: noc).items.isEmpty)
                group.cancelAll()
            }
        }
    }

    @Test(arguments: ["https://127.0.0.1/p", "https://10.1.2.3/p", "https://[::1]/p", "https://localhost/p", "http://push.example.com/p",
                      "https://192.168.0.1/p", "https://100.64.0.1/p"])
    func theDefaultPolicyRefusesEndpointsThatAreNotPublicHTTPS(endpoint: String) throws {
        #expect(throws: OctoError.self) { try PushEndpointPolicy().check(try #require(URL(string: endpoint))) }
    }

    @Test func aPublicHTTPSPushServiceIsAccepted() throws {
        try PushEndpointPolicy().check(try #require(URL(string: "https://fcm.googleapis.com/fcm/send/abc")))
        try PushEndpointPolicy().check(try #require(URL(string: "https://updates.push.services.mozilla.com/wpush/v2/x")))
    }
}
