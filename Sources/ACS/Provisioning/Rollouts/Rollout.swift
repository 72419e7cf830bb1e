import Foundation

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
