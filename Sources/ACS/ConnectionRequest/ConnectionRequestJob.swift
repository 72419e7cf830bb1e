import Foundation
import Logging
import OctoCore
import OctoJobs

/// The job a new device task enqueues (ordering key: the device id): ask the device for a session
/// now, so the task runs at once when the device is reachable. The task itself waits in `acs_tasks`
/// for the device's next session either way, so the job never retries.
public struct ConnectionRequestJob: JobPayload, Hashable {
    /// `acs.connection_request`.
    public static let jobType = "acs.connection_request"
    /// The device to wake.
    public var deviceId: UUID
    /// The task that caused it.
    public var taskId: UUID

    /// Creates the payload.
    public init(deviceId: UUID, taskId: UUID) {
        self.deviceId = deviceId
        self.taskId = taskId
    }
}

extension JobHandlers {
    /// Registers the handler that sends connection requests for new device tasks.
    public mutating func registerConnectionRequests(_ requester: ConnectionRequester) {
        register(ConnectionRequestJob.self) { job, context in
            let attempt = await requester.attempt(device: job.deviceId, provider: context.providerID, task: job.taskId)
            context.logger.info("connection request for device task", metadata: [
                "device.id": "\(job.deviceId.lowercased)", "task.id": "\(job.taskId.lowercased)", "path": "\(attempt.path.rawValue)",
                "outcome": "\(attempt.outcome)", "seconds": "\(attempt.seconds)",
            ])
        }
    }
}
