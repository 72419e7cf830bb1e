import Foundation
import OctoCore

/// What the ACS last wanted from a device and what came of it.
public struct DeviceProvisioning: Codable, Sendable, Hashable {
    /// Where provisioning of a device stands.
    public enum Status: String, Codable, Sendable, CaseIterable {
        /// Nothing applied yet.
        case pending
        /// A SetParameterValues task is queued or running.
        case applying
        /// The device accepted the desired state; reading it back is queued.
        case applied
        /// The applied paths were read back from the device and hold the desired values.
        case verified
        /// The device accepted the values but reading them back shows others (see ``DeviceProvisioning/mismatches``).
        case mismatch
        /// The device refused some parameters (see ``DeviceProvisioning/faults``).
        case fault
        /// The settings cannot be resolved for this device (see ``DeviceProvisioning/errors``).
        case error
        /// No template matches the device and it has no overrides.
        case unmatched
    }

    /// One parameter the device refused.
    public struct ParameterFault: Codable, Sendable, Hashable {
        /// Path.
        public var path: String
        /// CWMP fault code.
        public var code: Int
        /// Fault string.
        public var string: String
    }

    /// A path whose value read back after an apply is not the one set.
    public struct Mismatch: Codable, Sendable, Hashable {
        /// Path.
        public var path: String
        /// The value set (masked for secret fields).
        public var expected: String
        /// The value the device returned (masked for secret fields).
        public var read: String?

        /// Creates a mismatch.
        public init(path: String, expected: String, read: String?) {
            self.path = path
            self.expected = expected
            self.read = read
        }
    }

    /// The device.
    public var deviceId: UUID
    /// The template applied, if any.
    public var templateId: UUID?
    /// Its version.
    public var templateVersion: Int?
    /// The ParameterKey naming the desired state.
    public var parameterKey: String?
    /// The desired parameters (values of secret fields masked).
    public var desired: [ParameterChange]
    /// Where it stands.
    public var status: Status
    /// The last SetParameterValues task.
    public var taskId: UUID?
    /// Why the last apply ran (`bootstrap`, `template`, `drift`, `action`, `reapply`, `api`).
    public var reason: String?
    /// Faults of the last apply, per parameter.
    public var faults: [ParameterFault]
    /// Paths the device refused; they are left out of later applies.
    public var rejectedPaths: [String]
    /// Resolution errors of the last apply.
    public var errors: [ProvisioningError]
    /// Per-device settings laid over the template (remote actions), secrets masked; the full
    /// overrides are stored sealed.
    public var overrides: JSONValue
    /// When the device last confirmed the desired state.
    public var lastAppliedAt: Date?
    /// When the desired state was last compared with the device.
    public var lastCheckedAt: Date?
    /// The GetParameterValues task reading the applied paths back, while it is pending or last run.
    public var verifyTaskId: UUID? = nil
    /// Paths whose value read back differs from the value set, by the last verification.
    public var mismatches: [Mismatch] = []
    /// Secret paths the last verification could not check (the device returned them empty or masked).
    public var unverifiedPaths: [String] = []
    /// When the last verification read the applied values back.
    public var lastVerifiedAt: Date? = nil
}
