import Foundation

/// One device of a rollout and what came of it.
public struct RolloutDevice: Codable, Sendable, Hashable {
    /// The device.
    public var deviceId: UUID
    /// Its place in the rollout.
    public var position: Int
    /// The wave that handled it.
    public var wave: Int?
    /// `pending`, `running`, `succeeded`, `failed`, `skipped`.
    public var status: String
    /// The task queued for it.
    public var taskId: UUID?
    /// The apply outcome or action.
    public var outcome: String?
    /// Why it failed.
    public var error: String?
}
