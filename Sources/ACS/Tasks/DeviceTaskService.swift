import Foundation
import OctoCore
import OctoJobs
import OctoStore

/// Queues device tasks: the task row, its audit record, its realtime event and the connection-request
/// job (ordering key: the device id) commit together. With the PostgreSQL job queue the job is stored
/// in the same transaction; with Redis it is enqueued right after the commit.
public struct DeviceTaskService: Sendable {
    /// The queue for connection-request jobs; without one, tasks wait for the device's next Inform.
    public let queue: (any JobQueue)?
    /// Default seconds before an unsettled task expires.
    public let taskTimeout: TimeInterval

    /// Creates the service.
    public init(queue: (any JobQueue)?, taskTimeout: TimeInterval = 86_400) {
        self.queue = queue
        self.taskTimeout = taskTimeout
    }

    /// Validates and queues a task for `device` of `provider`.
    public func create(_ input: DeviceTaskInput, device: UUID, provider: UUID, database: Database, by actor: Actor) async throws -> DeviceTask {
        let (task, pending) = try await database.withTenant(provider) { tx in
            try await create(input, device: device, in: tx, by: actor)
        }
        try await enqueue(pending)
        return task
    }

    /// Queues a task inside `tx`. With the PostgreSQL queue the connection-request job commits with it;
    /// otherwise the returned job must be passed to ``enqueue(_:)`` after the commit.
    public func create(_ input: DeviceTaskInput, device: UUID, in tx: Transaction, by actor: Actor) async throws -> (DeviceTask, JobRequest?) {
        let task = try await tx.deviceTasks.create(input, device: device, timeout: taskTimeout, by: actor)
        guard let queue, let provider = tx.providerID else { return (task, nil) }
        let job = try JobRequest(ConnectionRequestJob(deviceId: device, taskId: task.id), providerID: provider, maxAttempts: 1,
                                 orderingKey: device.lowercased)
        try await JobOutbox.stage(job, on: queue, in: tx)
        return (task, nil)
    }

    /// Enqueues a connection-request job left over by ``create(_:device:in:by:)`` (Redis queue), after the commit.
    public func enqueue(_ pending: JobRequest?) async throws {
        if let pending, let queue { _ = try await queue.enqueue(pending) }
    }
}
