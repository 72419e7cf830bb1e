import Foundation
import Logging
import OctoCore
import OctoJobs
import OctoStore
import PostgresNIO

/// `provisioning.rollout`: one step of a rollout (settle the finished wave, stop or complete it, or start the next wave).
public struct ProvisioningRolloutJob: JobPayload, Hashable {
    /// The job type.
    public static let jobType = "provisioning.rollout"
    /// The rollout.
    public var rolloutId: UUID

    /// Creates the payload.
    public init(rolloutId: UUID) {
        self.rolloutId = rolloutId
    }
}

extension ProvisioningService {
    /// Creates a rollout and enqueues its first step in the same transaction (PostgreSQL queue) or right after.
    public func startRollout(_ input: RolloutInput, provider: UUID, database: Database, by actor: Actor) async throws -> Rollout {
        let (rollout, pending) = try await database.withTenant(provider) { tx -> (Rollout, JobRequest?) in
            let rollout = try await tx.rollouts.create(input, secrets: secrets, by: actor)
            return (rollout, try await enqueueStep(rollout.id, at: nil, in: tx))
        }
        try await tasks.enqueue(pending)
        return rollout
    }

    /// Enqueues a step of `rollout` (ordering key: the rollout, so steps never overlap) at `date`.
    func enqueueStep(_ rollout: UUID, at date: Date?, in tx: Transaction) async throws -> JobRequest? {
        guard let queue = tasks.queue, let provider = tx.providerID else { return nil }
        let job = try JobRequest(ProvisioningRolloutJob(rolloutId: rollout), providerID: provider, runAt: date, maxAttempts: 3,
                                 orderingKey: "provisioning-rollout:\(rollout.lowercased)")
        try await JobOutbox.stage(job, on: queue, in: tx)
        return nil
    }

    /// Records a settled task of a rollout device; when its wave has no running device left, enqueues the next step.
    public func rolloutTaskSettled(_ task: DeviceTask, in tx: Transaction) async throws -> JobRequest? {
        let succeeded = task.status == .done
        let error = succeeded ? nil : task.fault.map { "\($0.code) \($0.string)" } ?? task.status.rawValue
        guard let rollout = try await tx.rollouts.taskSettled(task.id, succeeded: succeeded, error: error) else { return nil }
        return try await enqueueStep(rollout, at: nil, in: tx)
    }

    /// One step of a rollout: if a wave is still running, nothing; if the failure rate of the settled
    /// devices passed the threshold, stop (pending devices skipped); if none is pending, complete; if
    /// the pause since the last wave is not over, come back then; otherwise start the next wave by
    /// performing the action on the next `wave_size` devices. Progress is published on
    /// `provisioning/rollouts/<id>`. Returns whether the rollout is still running.
    @discardableResult
    public func stepRollout(_ id: UUID, provider: UUID, database: Database) async throws -> Bool {
        let (running, pending) = try await database.withTenant(provider) { tx -> (Bool, [JobRequest]) in
            _ = try await tx.rollouts.get(id, lock: true)
            // Tasks that ended without an answer (expired, cancelled) settle their devices here.
            try await tx.query("""
                UPDATE provisioning_rollout_devices r SET status = CASE WHEN t.status = 'done' THEN 'succeeded' ELSE 'failed' END,
                       error = CASE WHEN t.status = 'done' THEN NULL ELSE coalesce(t.fault_code::text || ' ' || t.fault_string, t.status) END,
                       updated_at = \(tx.clock.now)
                FROM acs_tasks t WHERE r.rollout_id = \(id) AND r.status = 'running' AND t.id = r.task_id
                  AND t.status IN ('done', 'fault', 'expired', 'cancelled')
                """)
            var rollout = try await tx.rollouts.get(id)
            guard rollout.status == .running else { return (false, []) }
            let now = tx.clock.now
            let settled = rollout.counts.succeeded + rollout.counts.failed
            if settled > 0, Double(rollout.counts.failed) / Double(settled) > rollout.failureThreshold {
                let rate = Int((Double(rollout.counts.failed) / Double(settled) * 100).rounded())
                try await tx.rollouts.finish(id, status: .stopped,
                                             reason: "failure rate \(rate)% passed the threshold of \(Int((rollout.failureThreshold * 100).rounded()))%")
                let stopped = try await tx.rollouts.get(id)
                try await tx.audit("provisioning_rollout.stopped", by: .system, target: ("provisioning_rollout", id.lowercased), before: rollout, after: stopped)
                try await tx.rollouts.publish(stopped)
                return (false, [])
            }
            if rollout.counts.running > 0 { return (true, []) }
            if rollout.counts.pending == 0 {
                try await tx.rollouts.finish(id, status: .completed, reason: nil)
                let completed = try await tx.rollouts.get(id)
                try await tx.audit("provisioning_rollout.completed", by: .system, target: ("provisioning_rollout", id.lowercased), details: .object([
                    "succeeded": .number(Double(completed.counts.succeeded)), "failed": .number(Double(completed.counts.failed)),
                ]))
                try await tx.rollouts.publish(completed)
                return (false, [])
            }
            if let next = rollout.nextWaveAt, next > now {
                return (true, [try await enqueueStep(id, at: next, in: tx)].compactMap { $0 })
            }
            rollout.wave += 1
            // The stored action is masked; the devices need the real key.
            rollout.action = try await tx.rollouts.action(id, secrets: secrets)
            let devices = try await tx.query("""
                SELECT device_id FROM provisioning_rollout_devices WHERE rollout_id = \(id) AND status = 'pending'
                ORDER BY position LIMIT \(rollout.waveSize)
                """).acsRows { try $0.acsColumn("device_id", as: UUID.self) }
            let settings: ProvisioningSettings
            do throws(ProvisioningError) { settings = try rollout.action.wifiSettings() } catch { settings = ProvisioningSettings() }
            var jobs: [JobRequest] = []
            var startedTasks = 0
            for device in devices {
                let result: ActionResult
                do {
                    let (performed, job) = try await perform(rollout.action, settings: settings, device: device, in: tx, by: .system)
                    if let job { jobs.append(job) }
                    result = performed
                } catch let refused as OctoError {
                    // The action does not apply to this device (its settings do not resolve): it fails, the wave goes on.
                    try await tx.query("""
                        UPDATE provisioning_rollout_devices SET status = 'failed', wave = \(rollout.wave), outcome = 'rejected',
                               error = \(refused.message), updated_at = \(now)
                        WHERE rollout_id = \(id) AND device_id = \(device)
                        """)
                    continue
                }
                let status: String
                var error: String?
                switch (result.taskId, result.apply?.outcome) {
                case (.some, _): status = "running"; startedTasks += 1
                case (nil, .unchanged?), (nil, .alreadyQueued?): status = "succeeded"
                default:
                    status = "failed"
                    error = result.apply?.plan.errors.first?.message ?? result.apply?.outcome.rawValue
                }
                try await tx.query("""
                    UPDATE provisioning_rollout_devices SET status = \(status), wave = \(rollout.wave), task_id = \(result.taskId),
                           outcome = \(result.apply?.outcome.rawValue ?? rollout.action.type.rawValue), error = \(error), updated_at = \(now)
                    WHERE rollout_id = \(id) AND device_id = \(device)
                    """)
            }
            let nextWave = now.addingTimeInterval(TimeInterval(rollout.pauseSeconds))
            try await tx.query("""
                UPDATE provisioning_rollouts SET wave = \(rollout.wave), next_wave_at = \(nextWave), updated_at = \(now) WHERE id = \(id)
                """)
            // A wave whose devices needed no task is settled already: step again at once.
            if startedTasks == 0, let job = try await enqueueStep(id, at: nil, in: tx) { jobs.append(job) }
            try await tx.rollouts.publish(try await tx.rollouts.get(id))
            return (true, jobs)
        }
        for job in pending { _ = try await tasks.queue?.enqueue(job) }
        return running
    }
}

extension JobHandlers {
    /// Registers the rollout step job.
    public mutating func registerRollouts(_ service: ProvisioningService, database: Database) {
        register(ProvisioningRolloutJob.self) { job, context in
            let running = try await service.stepRollout(job.rolloutId, provider: context.providerID, database: database)
            context.logger.info("rollout step", metadata: ["rollout.id": "\(job.rolloutId.lowercased)", "running": "\(running)"])
        }
    }
}
