import Foundation
import OctoCore
import OctoMetrics
import OctoStore
import OctoTestSupport
import Synchronization
import Testing
@testable import OctoHTTP

/// What one hub subscriber received.
final class Received: Sendable {
    let texts = Mutex<[String]>([])
    func contains(_ fragment: String) -> Bool { texts.withLock { $0.contains { $0.contains(fragment) } } }
}

extension MetricsIntegrationTests {
    @Suite struct LiveMetricsTests {
        /// Ingest → one NOTIFY per provider and batch → the relay reads the subscribed series under the
        /// subscriber's provider → `metrics/<id>` events, through a real LISTEN on PostgreSQL.
        @Test func subscribersReceiveNewValuesOfTheirSeriesOnly() async throws {
            try await TestDatabase.with { stack in
                let a = try await MetricsFixture.make(stack, slug: "alpha")
                let b = try await MetricsFixture.make(stack, slug: "beta")
                let watched = try await a.series("cpu")
                let unwatched = try await a.series("memory")
                let foreign = try await b.series("cpu")
                let hub = RealtimeHub()
                let relay = MetricsLiveRelay(hub: hub, store: MetricsStore(database: stack.database, clock: stack.clock),
                                             logger: MetricsTestLog.logger)
                let listener = EventListener(url: stack.appURL, logger: MetricsTestLog.logger) { event in
                    hub.deliver(event)
                    relay.observe(event)
                }
                // Alpha's client watches its cpu series; beta's client asks for alpha's series id and its own.
                let alpha = hub.attach(providerID: a.provider, topics: ["metrics/\(watched.id)"])
                let beta = hub.attach(providerID: b.provider, topics: ["metrics/\(watched.id)", "metrics/\(foreign.id)"])
                let (receivedA, receivedB) = (Received(), Received())
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await listener.run() }
                    group.addTask { try await relay.run() }
                    group.addTask { for await text in alpha.stream { receivedA.texts.withLock { $0.append(text) } } }
                    group.addTask { for await text in beta.stream { receivedB.texts.withLock { $0.append(text) } } }
                    try await withPipeline(stack.database, clock: stack.clock) { pipeline in
                        // Resubmit (idempotent) until the listener is connected and the value arrives.
                        let at = stack.clock.now.addingTimeInterval(-60)
                        for attempt in 0..<100 where !receivedA.contains("\"value\":42.5") {
                            try await pipeline.submit([MetricSample(seriesId: watched.id, at: at, value: 42.5),
                                                       MetricSample(seriesId: unwatched.id, at: at, value: 7),
                                                       MetricSample(seriesId: foreign.id, at: at.addingTimeInterval(Double(attempt)), value: 99)])
                            try await Task.sleep(for: .milliseconds(100))
                        }
                    }
                    try await Task.sleep(for: .milliseconds(300))
                    hub.detach(alpha.id)
                    hub.detach(beta.id)
                    group.cancelAll()
                }
                #expect(receivedA.contains("\"topic\":\"metrics/\(watched.id)\"") && receivedA.contains("\"value\":42.5"))
                #expect(!receivedA.contains("metrics/\(unwatched.id)"), "only subscribed series are sent")
                #expect(receivedA.texts.withLock { $0.count { $0.contains("metrics/\(watched.id)") } } == 1,
                        "an unchanged value is not sent again")
                #expect(!receivedB.contains("metrics/\(watched.id)"), "another provider's series id yields nothing")
                #expect(receivedB.contains("\"topic\":\"metrics/\(foreign.id)\"") && receivedB.contains("\"value\":99"))
            }
        }
    }
}
