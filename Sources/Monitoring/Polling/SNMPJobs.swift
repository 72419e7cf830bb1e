import Foundation
import OctoJobs

/// The job that plans one provider's poll cycle: it enqueues an ``SNMPPollJob`` for every device with
/// a due collector and an ``SNMPDiscoveryJob`` for every range whose schedule came round.
public struct SNMPCycleJob: JobPayload {
    /// `snmp.cycle`.
    public static let jobType = "snmp.cycle"
    /// The cycle's period start, in seconds since the epoch.
    public var period: Int64

    /// Creates the payload.
    public init(period: Int64) { self.period = period }
}

/// Polls one device's due collectors. Its ordering key is the device id, so a device is never polled
/// by two workers at once; its dedup key names the device and period, so a period is enqueued once.
public struct SNMPPollJob: JobPayload {
    /// `snmp.poll`.
    public static let jobType = "snmp.poll"
    /// The device.
    public var deviceId: UUID
    /// The collectors to run.
    public var collectors: [CollectorKind]
    /// The cycle's period start, in seconds since the epoch.
    public var period: Int64

    /// Creates the payload.
    public init(deviceId: UUID, collectors: [CollectorKind], period: Int64) {
        self.deviceId = deviceId
        self.collectors = collectors
        self.period = period
    }
}

/// Sweeps one discovery range.
public struct SNMPDiscoveryJob: JobPayload {
    /// `snmp.discover`.
    public static let jobType = "snmp.discover"
    /// The range.
    public var rangeId: UUID

    /// Creates the payload.
    public init(rangeId: UUID) { self.rangeId = rangeId }
}

/// Which queue SNMP work goes to: `snmp` (shared pollers, `serve --roles poller`) or `snmp-pop-<pop id>`
/// when an agent of the device's POP (`octoisp agent --pop …`) was alive within ``agentFreshness``.
public enum SNMPQueues {
    /// The shared queue.
    public static let shared = "snmp"
    /// Seconds after its last heartbeat that an agent still gets its POP's work.
    public static let agentFreshness: TimeInterval = 90

    /// The queue of a POP's agent.
    public static func pop(_ id: UUID) -> String { "snmp-pop-\(id.uuidString.lowercased())" }
}
