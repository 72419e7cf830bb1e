import Foundation
import OctoCore
import Logging
import Metrics
import Synchronization

extension JobWorker {
    /// Runs one claimed job with a heartbeat (kept by `leases` when given), then acks it (through `acks`
    /// when given) or records the failure.
    func execute(_ job: ClaimedJob, acks: JobAcknowledger? = nil, leases: JobLeaseKeeper? = nil) async {
        var jobLogger = self.logger
        jobLogger[metadataKey: "provider.id"] = "\(job.providerID.lowercased)"
        jobLogger[metadataKey: "job.id"] = "\(job.id.lowercased)"
        jobLogger[metadataKey: "job.type"] = "\(job.type)"
        let requestId = RequestTrace.requestId(in: job.payload)
        if let requestId { jobLogger[metadataKey: "request.id"] = "\(requestId)" }
        let logger = jobLogger
        let dimensions = [("queue", JobMetrics.queueLabel(job.queue)), ("provider", job.providerID.lowercased)]
        let started = ContinuousClock.now
        // Jobs this one enqueues carry the same request id.
        let outcome = await RequestTrace.$requestId.withValue(requestId) { await runWithinDeadline(job, logger: logger, leases: leases) }
        let elapsed = ContinuousClock.now - started
        Timer(label: "octoisp_job_duration_seconds", dimensions: dimensions).recordNanoseconds(
            elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        switch outcome {
        case .success:
            logger.debug("job succeeded", metadata: ["attempt": "\(job.attempt)", "duration.ms": "\(Int(elapsed / .milliseconds(1)))"])
            if let acks, acks.add(job) { return }
            if await settle(job, logger: logger, { try await self.queue.complete(job) }) {
                Counter(label: "octoisp_jobs_completed_total", dimensions: dimensions).increment()
            }
        case .failure(let error):
            let retryable = (error as? JobError)?.isRetryable ?? true
            let message = (error as? JobError)?.description ?? String(describing: error)
            if retryable && job.attempt < job.maxAttempts {
                let delay = configuration.retry.delay(afterAttempt: job.attempt, random: random())
                let retryAt = clock.now.addingTimeInterval(delay)
                logger.warning("job failed; retrying", metadata: ["attempt": "\(job.attempt)", "retry.in": "\(delay)", "error": "\(message)"])
                if await settle(job, logger: logger, { try await self.queue.fail(job, error: message, retryAt: retryAt) }) {
                    Counter(label: "octoisp_jobs_retried_total", dimensions: dimensions).increment()
                }
            } else {
                logger.error("job dead-lettered", metadata: ["attempt": "\(job.attempt)", "error": "\(message)"])
                if await settle(job, logger: logger, { try await self.queue.fail(job, error: message, retryAt: nil) }) {
                    Counter(label: "octoisp_jobs_dead_lettered_total", dimensions: dimensions).increment()
                }
            }
        }
    }

    /// Runs the job's handler in its own task while `leases` (or, without it, a watchdog task of the
    /// job's own) extends the lease every third of it and, past ``Configuration/deadline``, cancels the
    /// handler and returns a retryable failure at once, without waiting for a handler that ignores
    /// cancellation. With `leases` a job costs one task and no timer.
    func runWithinDeadline(_ job: ClaimedJob, logger: Logger, leases: JobLeaseKeeper? = nil) async -> Result<Void, any Error> {
        let handlers = handlers
        let outcome = OneOutcome()
        let work = Task {
            do {
                try await handlers.run(job, logger: logger)
                outcome.resume(.success(()))
            } catch {
                outcome.resume(.failure(error))
            }
        }
        let lease = LeaseState()
        let kept = leases.map { $0.add(job, work: work, outcome: outcome, lease: lease, logger: logger) }
        let watchdog = leases == nil ? Task { await self.watch(job, work: work, outcome: outcome, lease: lease, logger: logger) } : nil
        return await withTaskCancellationHandler {
            let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Void, any Error>, Never>) in
                outcome.set(continuation)
            }
            lease.finish()
            if let kept { leases?.remove(kept) }
            watchdog?.cancel()
            return result
        } onCancel: {
            work.cancel()
        }
    }

    /// Until cancelled: extends the lease every third of it (each heartbeat in a task of its own, so a
    /// heartbeat that hangs cannot hold back the deadline) and enforces the deadline.
    func watch(_ job: ClaimedJob, work: Task<Void, Never>, outcome: OneOutcome, lease: LeaseState, logger: Logger) async {
        let interval = Duration.milliseconds(Int64(max(0.05, configuration.lease / 3) * 1000))
        let deadline = configuration.deadline
        let end = ContinuousClock.now + deadline
        var nextBeat = ContinuousClock.now + interval
        while !Task.isCancelled {
            do {
                try await Task.sleep(until: lease.lost ? end : min(nextBeat, end), clock: .continuous)
            } catch {
                return
            }
            if ContinuousClock.now >= end {
                work.cancel()
                logger.error("job passed its deadline; cancelled", metadata: ["deadline": "\(deadline)"])
                outcome.resume(.failure(JobError(.backend, "the job did not finish within its deadline of \(deadline)")))
                return
            }
            nextBeat = ContinuousClock.now + interval
            guard lease.startBeat() else { continue }
            Task {
                defer { lease.endBeat() }
                do {
                    // A heartbeat that lands after the job's outcome was recorded finds no claim: not a loss.
                    if try await !queue.heartbeat(job, lease: configuration.lease), lease.lose() {
                        logger.warning("lease lost; another worker may run this job again")
                    }
                } catch {
                    logger.warning("heartbeat failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    /// Acks finished jobs in one round trip, retrying transport errors like ``settle(_:logger:_:)``.
    func acknowledge(_ jobs: [ClaimedJob]) async {
        let deadline = ContinuousClock.now + .milliseconds(Int64(configuration.lease * 1000))
        var pause = Duration.milliseconds(50)
        while true {
            do {
                let accepted = try await queue.complete(jobs)
                // One increment per queue and provider, not per job.
                var completed: [QueueAndProvider: Int64] = [:]
                for (job, accepted) in zip(jobs, accepted) {
                    if accepted {
                        completed[QueueAndProvider(queue: job.queue, provider: job.providerID), default: 0] += 1
                    } else {
                        logger.warning("claim was lost before the outcome was recorded; the job may run again",
                                       metadata: ["job.id": "\(job.id.lowercased)", "provider.id": "\(job.providerID.lowercased)"])
                    }
                }
                for (key, count) in completed {
                    Counter(label: "octoisp_jobs_completed_total", dimensions: [("queue", JobMetrics.queueLabel(key.queue)), ("provider", key.provider.lowercased)])
                        .increment(by: count)
                }
                return
            } catch {
                if Task.isCancelled || ContinuousClock.now + pause > deadline {
                    logger.error("could not record the jobs' outcome; they will run again", metadata: ["error": "\(error)", "count": "\(jobs.count)"])
                    return
                }
                logger.warning("recording the jobs' outcome failed; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(1))
            }
        }
    }

    /// Runs an ack or failure record, retrying transport errors until the lease would have run out (after
    /// that the job is recovered and runs again). Returns whether the queue accepted it.
    func settle(_ job: ClaimedJob, logger: Logger, _ operation: @Sendable () async throws -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int64(configuration.lease * 1000))
        var pause = Duration.milliseconds(50)
        while true {
            do {
                let accepted = try await operation()
                if !accepted { logger.warning("claim was lost before the outcome was recorded; the job may run again") }
                return accepted
            } catch {
                if Task.isCancelled || ContinuousClock.now + pause > deadline {
                    logger.error("could not record the job's outcome; it will run again", metadata: ["error": "\(error)"])
                    return false
                }
                logger.warning("recording the job's outcome failed; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(1))
            }
        }
    }
}

/// A queue and a provider, the dimensions of the completion counter.
struct QueueAndProvider: Hashable {
    var queue: String
    var provider: UUID
}

/// The first of several racing outcomes, delivered once.
final class OneOutcome: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<Result<Void, any Error>, Never>?, early: Result<Void, any Error>?, done: Bool)>(
        (nil, nil, false))

    func set(_ continuation: CheckedContinuation<Result<Void, any Error>, Never>) {
        let early: Result<Void, any Error>? = state.withLock { state in
            if let early = state.early { state.early = nil; return early }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(returning: early) }
    }

    func resume(_ result: Result<Void, any Error>) {
        let continuation: CheckedContinuation<Result<Void, any Error>, Never>? = state.withLock { state in
            guard !state.done else { return nil }
            state.done = true
            guard let continuation = state.continuation else {
                state.early = result
                return nil
            }
            state.continuation = nil
            return continuation
        }
        continuation?.resume(returning: result)
    }
}

/// The heartbeats of one job: whether its claim was lost, whether a heartbeat is in flight and whether
/// the job already has its outcome.
final class LeaseState: Sendable {
    private let state = Mutex<(lost: Bool, beating: Bool, finished: Bool)>((false, false, false))

    var lost: Bool { state.withLock { $0.lost } }

    /// Whether a heartbeat may start now (the claim holds and no heartbeat is in flight).
    func startBeat() -> Bool {
        state.withLock { state in
            if state.lost || state.beating || state.finished { return false }
            state.beating = true
            return true
        }
    }

    func endBeat() { state.withLock { $0.beating = false } }

    /// Records the loss; `false` when the job had its outcome already (the claim ended normally).
    func lose() -> Bool {
        state.withLock { state in
            state.lost = true
            return !state.finished
        }
    }

    func finish() { state.withLock { $0.finished = true } }
}
