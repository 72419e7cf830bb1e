import Foundation
import OctoCore

/// A bulk rollout: one action over a set of devices, in waves of ``waveSize`` with ``pauseSeconds``
/// between them, stopped when the share of failed devices passes ``failureThreshold``.
public struct Rollout: Codable, Sendable, Hashable {
    /// Where a rollout stands.
    public enum Status: String, Codable, Sendable, CaseIterable {
        /// Waves are running.
        case running
        /// Every device was handled.
        case completed
        /// The failure rate passed the threshold; the remaining devices were skipped.
        case stopped
        /// An operator cancelled it; the remaining devices were skipped.
        case cancelled
    }

    /// Which devices: every criterion given must hold (TR-069 devices only).
    public struct Target: Codable, Sendable, Hashable {
        /// Devices of one customer.
        public var customerId: UUID?
        /// Devices of one POP.
        public var popId: UUID?
        /// An explicit group of devices.
        public var deviceIds: [UUID]?
        /// Manufacturer glob.
        public var manufacturer: String?
        /// Product class glob.
        public var productClass: String?
        /// Firmware glob.
        public var firmware: String?

        /// Creates a target.
        public init(customerId: UUID? = nil, popId: UUID? = nil, deviceIds: [UUID]? = nil, manufacturer: String? = nil,
                    productClass: String? = nil, firmware: String? = nil) {
            self.customerId = customerId
            self.popId = popId
            self.deviceIds = deviceIds
            self.manufacturer = manufacturer
            self.productClass = productClass
            self.firmware = firmware
        }
    }

    /// Devices per status.
    public struct Counts: Codable, Sendable, Hashable {
        /// Not started.
        public var pending = 0
        /// Task queued or running.
        public var running = 0
        /// Done.
        public var succeeded = 0
        /// Faulted, expired or refused.
        public var failed = 0
        /// Left out after a stop or cancel.
        public var skipped = 0
    }

    /// Identifier.
    public var id: UUID
    /// Name.
    public var name: String
    /// Which devices.
    public var target: Target
    /// What to do on each.
    public var action: DeviceAction
    /// Devices per wave.
    public var waveSize: Int
    /// Seconds between the end of a wave and the start of the next.
    public var pauseSeconds: Int
    /// Failed ÷ settled devices above which the rollout stops (0–1).
    public var failureThreshold: Double
    /// Where it stands.
    public var status: Status
    /// Waves started.
    public var wave: Int
    /// Devices in the rollout.
    public var total: Int
    /// Devices per status.
    public var counts: Counts
    /// When the next wave may start.
    public var nextWaveAt: Date?
    /// Why it stopped.
    public var stopReason: String?
    /// Who started it.
    public var createdBy: String?
    /// When.
    public var createdAt: Date
    /// Last change.
    public var updatedAt: Date
    /// When it ended.
    public var finishedAt: Date?
}

/// The body of `POST /api/v1/provisioning/rollouts`.
public struct RolloutInput: Codable, Sendable, Hashable {
    /// Name.
    public var name: String
    /// Which devices.
    public var target: Rollout.Target
    /// What to do.
    public var action: DeviceAction
    /// Devices per wave (default 50).
    public var waveSize: Int?
    /// Pause between waves in seconds (default 0).
    public var pauseSeconds: Int?
    /// Failure rate (0–1) that stops the rollout (default 0.1).
    public var failureThreshold: Double?

    /// Creates an input.
    public init(name: String, target: Rollout.Target, action: DeviceAction, waveSize: Int? = nil, pauseSeconds: Int? = nil,
                failureThreshold: Double? = nil) {
        self.name = name
        self.target = target
        self.action = action
        self.waveSize = waveSize
        self.pauseSeconds = pauseSeconds
        self.failureThreshold = failureThreshold
    }
}

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
