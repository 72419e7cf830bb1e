import Foundation
import Logging
import OctoCore
import OctoMetrics
import OctoStore
import ServiceLifecycle
import Synchronization

/// Live metric values for WebSocket clients subscribed to `metrics/<series id>`.
///
/// Ingest publishes one small `metrics` event per provider and batch (never one per series: a batch
/// holds tens of thousands). On such an event this relay reads the newest value of the series that
/// this process's clients subscribed to for that provider, under that provider's RLS, and delivers
/// those that changed as `metrics/<series id>` events `{series_id, at, value}`. Bursts of batches for
/// one provider are coalesced into one read.
public final class MetricsLiveRelay: Service {
    private let hub: RealtimeHub
    private let store: MetricsStore
    private let logger: Logger
    private let stream: AsyncStream<UUID>
    private let continuation: AsyncStream<UUID>.Continuation
    private let state = Mutex(State())

    private struct State {
        var queued: Set<UUID> = []
        var sent: [Int64: Date] = [:]
    }

    /// A relay delivering through `hub`, reading through `store`.
    public init(hub: RealtimeHub, store: MetricsStore, logger: Logger) {
        self.hub = hub
        self.store = store
        self.logger = logger
        (stream, continuation) = AsyncStream.makeStream(of: UUID.self, bufferingPolicy: .unbounded)
    }

    /// Hands an event from the ``EventListener`` to the relay; ignores everything but ingest batches.
    public func observe(_ event: RealtimeEvent) {
        guard event.topic == MetricsIngestPipeline.batchTopic else { return }
        let fresh = state.withLock { $0.queued.insert(event.providerId).inserted }
        if fresh { continuation.yield(event.providerId) }
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            for await provider in stream {
                state.withLock { _ = $0.queued.remove(provider) }
                do {
                    try await refresh(provider)
                } catch {
                    logger.warning("live metrics refresh failed", metadata: ["provider": "\(provider)", "error": "\(error)"])
                }
            }
        } onGracefulShutdown: {
            self.continuation.finish()
        }
    }

    /// Reads and delivers the subscribed series of `provider` whose newest sample changed.
    func refresh(_ provider: UUID) async throws {
        let ids = hub.subscribedSeries(of: provider)
        guard !ids.isEmpty else { return }
        let latest = try await store.database.withTenant(provider) { tx in try await store.reader(tx).latest(ids) }
        let changed = state.withLock { state in
            latest.filter { value in
                guard state.sent[value.seriesId] != value.at else { return false }
                state.sent[value.seriesId] = value.at
                return true
            }
        }
        for value in changed {
            hub.deliver(RealtimeEvent(providerId: provider, topic: "metrics/\(value.seriesId)", data: .object([
                "series_id": .number(Double(value.seriesId)),
                "at": .string(OctoJSON.formatDate(value.at)),
                "value": .number(value.value),
            ])))
        }
    }
}
