import OctoCore
import OctoMetrics
import Synchronization

/// Hands the samples of many polls to the ingest pipeline in one submission: the polls that finish
/// while a submission is in flight go together in the next one (no timer, so a lone poll is never
/// delayed). Each poll still returns only once its samples are committed (``MetricsIngestPipeline``'s
/// guarantee holds per poll). When the pipeline refuses a combined submission (an invalid sample, e.g.
/// a series deleted meanwhile), each poll's samples are submitted alone, so one poll's bad sample fails
/// that poll only.
final class PollSampleBatcher: Sendable {
    private struct Entry {
        var samples: [MetricSample]
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var pending: [Entry] = []
        var samples = 0
        var flushing = false
    }

    let pipeline: MetricsIngestPipeline
    /// Most samples per combined submission.
    let maxSamples: Int
    private let state = Mutex(State())
    private let counters = Mutex<(submissions: Int, polls: Int)>((0, 0))

    init(pipeline: MetricsIngestPipeline, maxSamples: Int = 20_000) {
        self.pipeline = pipeline
        self.maxSamples = max(1, maxSamples)
    }

    /// Combined submissions made so far and the polls they carried.
    var statistics: (submissions: Int, polls: Int) { counters.withLock { $0 } }

    /// Stores `samples`; returns once they are committed, or throws what the pipeline threw.
    func submit(_ samples: [MetricSample]) async throws {
        guard !samples.isEmpty else { return }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let lead = state.withLock { state -> Bool in
                state.pending.append(Entry(samples: samples, continuation: continuation))
                state.samples += samples.count
                if state.flushing { return false }
                state.flushing = true
                return true
            }
            // The flush outlives no poll: it ends when nothing is pending, and every pending poll awaits it.
            if lead { Task { await self.flush() } }
        }
    }

    private func flush() async {
        while true {
            let batch = state.withLock { state -> [Entry] in
                var taken = 0
                var count = 0
                while taken < state.pending.count, count == 0 || count + state.pending[taken].samples.count <= maxSamples {
                    count += state.pending[taken].samples.count
                    taken += 1
                }
                let batch = Array(state.pending.prefix(taken))
                state.pending.removeFirst(taken)
                state.samples -= count
                if batch.isEmpty { state.flushing = false }
                return batch
            }
            if batch.isEmpty { return }
            counters.withLock { $0.submissions += 1; $0.polls += batch.count }
            do {
                try await pipeline.submit(batch.flatMap(\.samples))
                for entry in batch { entry.continuation.resume() }
            } catch let error as OctoError where batch.count > 1 && error.code == .invalidInput {
                for entry in batch {
                    do {
                        try await pipeline.submit(entry.samples)
                        entry.continuation.resume()
                    } catch {
                        entry.continuation.resume(throwing: error)
                    }
                }
            } catch {
                for entry in batch { entry.continuation.resume(throwing: error) }
            }
        }
    }
}
