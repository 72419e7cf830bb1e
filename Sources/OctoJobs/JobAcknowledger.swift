import Synchronization

/// Groups the acks of jobs that finish close together, so that a busy worker acks many jobs per round
/// trip. There is no timer: a flush starts as soon as a job finishes, and the jobs that finish while
/// it is in flight go together in the next one, so an idle worker's single ack is never delayed.
///
/// A job whose ack waits here still counts as running in the queue (for limits and ordering keys),
/// which only errs on the safe side; if the process dies first, the job runs again (at least once).
final class JobAcknowledger: Sendable {
    /// Most jobs per flush.
    let maxBatch: Int
    private let state = Mutex<(pending: [ClaimedJob], closed: Bool)>(([], false))
    private let signals: AsyncStream<Void>
    private let signal: AsyncStream<Void>.Continuation

    init(maxBatch: Int = 256) {
        self.maxBatch = max(1, maxBatch)
        (signals, signal) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues a job's ack; `false` once the acknowledger stopped (the caller then acks by itself).
    func add(_ job: ClaimedJob) -> Bool {
        let added = state.withLock { state in
            if state.closed { return false }
            state.pending.append(job)
            return true
        }
        if added { signal.yield() }
        return added
    }

    /// Ends ``run(_:)`` after a last flush.
    func finish() {
        signal.finish()
    }

    /// Flushes queued acks until ``finish()`` or cancellation, then closes and flushes what is left.
    func run(_ flush: @Sendable ([ClaimedJob]) async -> Void) async {
        var iterator = signals.makeAsyncIterator()
        while await iterator.next() != nil {
            await drain(flush)
        }
        state.withLock { $0.closed = true }
        await drain(flush)
    }

    private func drain(_ flush: @Sendable ([ClaimedJob]) async -> Void) async {
        while true {
            let batch = state.withLock { state -> [ClaimedJob] in
                let count = min(state.pending.count, maxBatch)
                let batch = Array(state.pending.prefix(count))
                state.pending.removeFirst(count)
                return batch
            }
            if batch.isEmpty { return }
            await flush(batch)
        }
    }
}
