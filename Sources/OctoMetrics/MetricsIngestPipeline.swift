import Foundation
import Logging
import Metrics
import OctoCore
import OctoStore
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The ingest path: callers ``submit(_:)`` samples of any provider; writers coalesce submissions into
/// batches and store them in `metric_ingest_batches` (one row per provider and batch, read as rows
/// through the view `metric_ingest`), one transaction per batch.
///
/// - Acknowledged means committed: ``submit(_:)`` returns only after the batch holding its samples
///   committed, and throws if it could not be written within ``Configuration/retryFor``.
/// - Backpressure: at most ``Configuration/maxPendingSamples`` samples are queued or in flight;
///   further submissions wait.
/// - Idempotent: a batch retried after an ambiguous failure may be stored twice; duplicates (same series
///   and millisecond) collapse into one sample when the maintenance task compacts them, the first
///   stored value winning.
public final class MetricsIngestPipeline: Service, Sendable {
    /// Realtime topic of the per-provider, per-batch ingest event.
    public static let batchTopic = "metrics"

    /// Tuning.
    public struct Configuration: Sendable {
        /// Samples per transaction, at most (whole submissions are never split).
        public var batchSize: Int
        /// Samples queued or being written before submitters wait.
        public var maxPendingSamples: Int
        /// Concurrent writer transactions.
        public var writers: Int
        /// How long a batch is retried (e.g. while PostgreSQL restarts) before its submitters get an error.
        public var retryFor: Duration
        /// Whether each batch publishes a ``MetricsIngestPipeline/batchTopic`` event per provider, from which
        /// the API's realtime relay serves `metrics/<series id>` subscriptions.
        public var publishLive: Bool
        /// Samples further than this in the future are refused.
        public var maxFuture: TimeInterval
        /// How long one write attempt may take before it is abandoned and retried.
        public var attemptTimeout: Duration

        /// Creates a configuration.
        public init(batchSize: Int = 20_000, maxPendingSamples: Int = 400_000, writers: Int = 2,
                    retryFor: Duration = .seconds(60), publishLive: Bool = true, maxFuture: TimeInterval = 3_600,
                    attemptTimeout: Duration = .seconds(10)) {
            self.attemptTimeout = attemptTimeout
            self.batchSize = max(1, batchSize)
            self.maxPendingSamples = max(1, maxPendingSamples)
            self.writers = max(1, writers)
            self.retryFor = retryFor
            self.publishLive = publishLive
            self.maxFuture = maxFuture
        }
    }

    /// A sample with its provider, ready to insert.
    struct Row: Sendable {
        var providerID: UUID
        var seriesID: Int64
        var atMilliseconds: Int64
        var value: Double
    }

    struct Entry: Sendable {
        var rows: [Row]
        var continuation: CheckedContinuation<Void, any Error>
    }

    struct State {
        var queue: [Entry] = []
        var reserved = 0
        var waitingProducers: [(count: Int, continuation: CheckedContinuation<Void, any Error>)] = []
        var idleWriters: [CheckedContinuation<Void, Never>] = []
        var closed = false
    }

    let database: Database
    let configuration: Configuration
    let clock: any WallClock
    let logger: Logger
    let state = Mutex(State())
    let providers = Mutex<[Int64: UUID]>([:])
    let counters = Mutex<(batches: Int, samples: Int, retries: Int)>((0, 0, 0))

    /// Creates the pipeline; it writes once ``run()`` runs.
    public init(database: Database, configuration: Configuration = Configuration(), clock: any WallClock = SystemWallClock(), logger: Logger) {
        self.database = database
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        // The counters exist from the start (at 0), so an error rate is defined before the first error.
        _ = Counter(label: "octoisp_ingest_batches_total")
        _ = Counter(label: "octoisp_ingest_samples_total")
        for kind in ["rejected", "write", "dropped"] { _ = Counter(label: "octoisp_ingest_errors_total", dimensions: [("kind", kind)]) }
    }

    /// Batches, samples and retries written so far.
    public var statistics: (batches: Int, samples: Int, retries: Int) { counters.withLock { $0 } }

    /// Stores `samples`; returns once they are committed. Throws ``OctoError`` for unknown series,
    /// non-finite values or samples too far in the future (nothing of the submission is stored then),
    /// and `unavailable` when the database stayed unreachable or the pipeline shut down.
    public func submit(_ samples: [MetricSample]) async throws {
        guard !samples.isEmpty else { return }
        let rows: [Row]
        do {
            rows = try await resolve(samples)
        } catch {
            Counter(label: "octoisp_ingest_errors_total", dimensions: [("kind", "rejected")]).increment()
            throw error
        }
        try await reserve(rows.count)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let (accepted, writer) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
                if state.closed { return (false, nil) }
                state.queue.append(Entry(rows: rows, continuation: continuation))
                return (true, state.idleWriters.popLast())
            }
            if accepted {
                writer?.resume()
            } else {
                release(rows.count)
                continuation.resume(throwing: Self.closedError)
            }
        }
    }

    /// Runs the writers until graceful shutdown; queued samples are written before it returns.
    public func run() async throws {
        await withGracefulShutdownHandler {
            await writers()
        } onGracefulShutdown: {
            self.close()
        }
    }

    /// Runs the writers until ``close()`` or cancellation (which closes the pipeline); queued samples
    /// are written (or, when cancelled, failed) before it returns.
    public func writers() async {
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                for _ in 0..<configuration.writers {
                    group.addTask { await self.writerLoop() }
                }
            }
        } onCancel: {
            self.close()
        }
    }

    /// Stops accepting submissions; writers finish what is queued and return.
    public func close() {
        let (writers, producers) = state.withLock { state in
            state.closed = true
            defer { state.idleWriters = []; state.waitingProducers = [] }
            return (state.idleWriters, state.waitingProducers)
        }
        for writer in writers { writer.resume() }
        for producer in producers { producer.continuation.resume(throwing: Self.closedError) }
    }

    static let closedError = OctoError(.unavailable, "the metrics ingest pipeline is shut down")

    // MARK: - Flow control

    func reserve(_ count: Int) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let result = state.withLock { state -> Result<Void, any Error>? in
                if state.closed { return .failure(Self.closedError) }
                if state.reserved == 0 || (state.waitingProducers.isEmpty && state.reserved + count <= configuration.maxPendingSamples) {
                    state.reserved += count
                    return .success(())
                }
                state.waitingProducers.append((count, continuation))
                return nil
            }
            if let result { continuation.resume(with: result) }
        }
    }

    func release(_ count: Int) {
        let granted = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            state.reserved -= count
            var granted: [CheckedContinuation<Void, any Error>] = []
            while let first = state.waitingProducers.first,
                  state.reserved == 0 || state.reserved + first.count <= configuration.maxPendingSamples {
                state.reserved += first.count
                granted.append(first.continuation)
                state.waitingProducers.removeFirst()
            }
            return granted
        }
        for continuation in granted { continuation.resume() }
    }

    enum Next { case batch([Entry]), finished, wait }

    func nextBatch() async -> [Entry]? {
        while true {
            let next = state.withLock { state -> Next in
                if !state.queue.isEmpty {
                    var count = 0, taken = 0
                    while taken < state.queue.count && (taken == 0 || count + state.queue[taken].rows.count <= configuration.batchSize) {
                        count += state.queue[taken].rows.count
                        taken += 1
                    }
                    let batch = Array(state.queue[..<taken])
                    state.queue.removeFirst(taken)
                    return .batch(batch)
                }
                return state.closed ? .finished : .wait
            }
            switch next {
            case .batch(let batch): return batch
            case .finished: return nil
            case .wait:
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let now = state.withLock { state -> Bool in
                        if !state.queue.isEmpty || state.closed { return true }
                        state.idleWriters.append(continuation)
                        return false
                    }
                    if now { continuation.resume() }
                }
            }
        }
    }

    func writerLoop() async {
        while let batch = await nextBatch() {
            let count = batch.reduce(0) { $0 + $1.rows.count }
            let result = await writeWithRetry(batch.map(\.rows), count: count)
            for entry in batch { entry.continuation.resume(with: result) }
            release(count)
        }
    }

    func writeWithRetry(_ rows: [[Row]], count: Int) async -> Result<Void, any Error> {
        let deadline = ContinuousClock.now + configuration.retryFor
        var attempt = 0
        while true {
            do {
                try await withAttemptTimeout { try await self.write(rows) }
                counters.withLock { $0.batches += 1; $0.samples += count }
                Counter(label: "octoisp_ingest_batches_total").increment()
                Counter(label: "octoisp_ingest_samples_total").increment(by: count)
                return .success(())
            } catch {
                attempt += 1
                counters.withLock { $0.retries += 1 }
                Counter(label: "octoisp_ingest_errors_total", dimensions: [("kind", "write")]).increment()
                logger.warning("metrics batch failed; retrying", metadata: ["samples": "\(count)", "attempt": "\(attempt)", "error": "\(error)"])
                if ContinuousClock.now >= deadline || Task.isCancelled {
                    Counter(label: "octoisp_ingest_errors_total", dimensions: [("kind", "dropped")]).increment()
                    return .failure(OctoError(.unavailable, "metrics batch not stored: \(error)"))
                }
                try? await Task.sleep(for: .milliseconds(min(2_000, 50 << min(attempt, 6))))
            }
        }
    }

    /// Runs one write attempt, giving up after ``Configuration/attemptTimeout``: an attempt stuck on a
    /// connection the server dropped, or waiting for a pool that is reconnecting, is abandoned (not
    /// awaited: a cancelled lease may not return promptly) and retried. An abandoned attempt that
    /// commits later is harmless, since writes are idempotent.
    func withAttemptTimeout(_ body: @escaping @Sendable () async throws -> Void) async throws {
        try await withAbandoningTimeout(configuration.attemptTimeout,
                                        timeoutError: { OctoError(.unavailable, "metrics batch attempt timed out") },
                                        body)
    }

    // MARK: - Validation

    func resolve(_ samples: [MetricSample]) async throws -> [Row] {
        let latest = clock.now.addingTimeInterval(configuration.maxFuture)
        for sample in samples {
            guard sample.value.isFinite else { throw OctoError.invalid("value", "series \(sample.seriesId): value must be finite") }
            guard sample.at <= latest else { throw OctoError.invalid("at", "series \(sample.seriesId): sample is too far in the future") }
        }
        var known = providers.withLock { $0 }
        let missing = Set(samples.map(\.seriesId)).filter { known[$0] == nil }
        if !missing.isEmpty {
            let found = try await database.withGlobal(logger: logger) { tx in
                var found: [Int64: UUID] = [:]
                for try await (id, provider) in try await tx.query("SELECT id, provider_id FROM metric_series WHERE id = ANY(\(Array(missing)))").decode((Int64, UUID).self) {
                    found[id] = provider
                }
                return found
            }
            if let unknown = missing.first(where: { found[$0] == nil }) {
                throw OctoError.invalid("series_id", "unknown series \(unknown)")
            }
            providers.withLock { $0.merge(found) { _, new in new } }
            known.merge(found) { _, new in new }
        }
        return samples.map { Row(providerID: known[$0.seriesId]!, seriesID: $0.seriesId, atMilliseconds: $0.atMilliseconds, value: $0.value) }
    }
}
