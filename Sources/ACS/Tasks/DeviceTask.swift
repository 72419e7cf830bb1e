import Foundation
import OctoCore

/// A task an operator queued for a TR-069 device: one RPC run in the device's next CWMP session.
public struct DeviceTask: Codable, Sendable, Hashable {
    /// What a task asks the device to do.
    public enum Kind: String, Codable, CaseIterable, Sendable {
        /// GetParameterValues of named parameters or partial paths.
        case getParameterValues
        /// SetParameterValues.
        case setParameterValues
        /// AddObject (a multi-instance object, ending in a dot).
        case addObject
        /// DeleteObject (an instance, ending in a dot).
        case deleteObject
        /// Reboot.
        case reboot
        /// FactoryReset.
        case factoryReset
        /// Download of a file served by the ACS or of an external URL; settled by TransferComplete.
        case download
        /// Re-fetches the values of the whole tree or of a subtree into the parameter cache.
        case refresh
    }

    /// Where a task stands.
    public enum Status: String, Codable, CaseIterable, Sendable {
        /// Waiting for the device's next session.
        case queued
        /// Sent to the device (or, for a download, waiting for its TransferComplete).
        case running
        /// Answered successfully; ``DeviceTask/result`` holds the answer.
        case done
        /// The device answered with a fault; ``DeviceTask/fault`` holds it.
        case fault
        /// Not settled within its time limit.
        case expired
        /// Cancelled by an operator before it ran.
        case cancelled

        /// Whether the task is settled for good.
        public var isFinal: Bool { self != .queued && self != .running }
    }

    /// A CPE fault that settled the task.
    public struct Fault: Codable, Sendable, Hashable {
        /// The CWMP fault code (9000–9899 from the CPE, 8000–8005 raised by the ACS itself).
        public var code: Int
        /// The fault string.
        public var string: String

        /// Creates a fault.
        public init(code: Int, string: String) {
            self.code = code
            self.string = string
        }
    }

    /// Identifier.
    public var id: UUID
    /// The device.
    public var deviceId: UUID
    /// What to do.
    public var type: Kind
    /// Its validated arguments.
    public var arguments: DeviceTaskInput
    /// Where it stands.
    public var status: Status
    /// The CommandKey (Reboot, Download) or default ParameterKey sent with the RPC.
    public var commandKey: String
    /// The device's answer, once done (for a SetParameterValues fault, its `parameter_faults`).
    public var result: JSONValue?
    /// The fault, when it failed.
    public var fault: Fault?
    /// Times it was sent to the device.
    public var attempts: Int
    /// Who queued it.
    public var createdBy: String?
    /// When it was queued.
    public var createdAt: Date
    /// When it was last sent.
    public var startedAt: Date?
    /// When it was settled.
    public var finishedAt: Date?
    /// When it expires unless settled.
    public var expiresAt: Date
    /// How the ACS asked the device for a session for this task, once it did.
    public var connectionRequest: ConnectionRequestReport? = nil
}

/// The connection request a task caused: which path, what came of it and how long it took.
public struct ConnectionRequestReport: Codable, Sendable, Hashable {
    /// `http`, `udp`, `xmpp`, or `none` when nothing was sent (rate limited, no way to reach the device).
    public var path: String
    /// What came of it (`accepted (200)`, `sent (3 datagrams)`, `acknowledged`, `failed: …`).
    public var outcome: String
    /// Milliseconds from the start of the request to its outcome.
    public var milliseconds: Int
    /// When it was sent.
    public var at: Date
}
