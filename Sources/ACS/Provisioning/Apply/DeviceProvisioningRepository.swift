import Foundation
import OctoCore
import OctoStore
import PostgresNIO

extension Transaction {
    /// The provider's per-device provisioning state.
    public var deviceProvisioning: DeviceProvisioningRepository { DeviceProvisioningRepository(tx: self) }
}

/// Per-device provisioning state, under RLS.
public struct DeviceProvisioningRepository: Sendable {
    let tx: Transaction

    static let columns = """
        device_id, template_id, template_version, parameter_key, desired::text AS desired, status, task_id, reason, faults::text AS faults,
        rejected_paths, errors::text AS errors, overrides::text AS overrides, last_applied_at, last_checked_at, verify_task_id,
        mismatches::text AS mismatches, unverified_paths, last_verified_at
        """

    /// The state of `device`, if any, locking the row for this transaction.
    public func get(_ device: UUID, lock: Bool = false) async throws -> DeviceProvisioning? {
        try await tx.query("""
            SELECT \(unescaped: Self.columns) FROM device_provisioning WHERE device_id = \(device) \(unescaped: lock ? "FOR UPDATE" : "")
            """).acsFirst(Self.decode)
    }

    /// Creates or replaces the state of a device.
    public func save(_ state: DeviceProvisioning) async throws {
        let desired = try JSONEncoder().encode(state.desired)
        let faults = try JSONEncoder().encode(state.faults)
        let errors = try JSONEncoder().encode(state.errors)
        let overrides = try JSONEncoder().encode(state.overrides)
        let mismatches = try JSONEncoder().encode(state.mismatches)
        try await tx.query("""
            INSERT INTO device_provisioning (provider_id, device_id, template_id, template_version, parameter_key, desired, status, task_id, reason,
                                             faults, rejected_paths, errors, overrides, last_applied_at, last_checked_at, verify_task_id,
                                             mismatches, unverified_paths, last_verified_at, updated_at)
            VALUES (\(tx.providerID), \(state.deviceId), \(state.templateId), \(state.templateVersion), \(state.parameterKey),
                    \(String(decoding: desired, as: UTF8.self))::jsonb, \(state.status.rawValue), \(state.taskId), \(state.reason),
                    \(String(decoding: faults, as: UTF8.self))::jsonb, \(state.rejectedPaths), \(String(decoding: errors, as: UTF8.self))::jsonb,
                    \(String(decoding: overrides, as: UTF8.self))::jsonb, \(state.lastAppliedAt), \(state.lastCheckedAt), \(state.verifyTaskId),
                    \(String(decoding: mismatches, as: UTF8.self))::jsonb, \(state.unverifiedPaths), \(state.lastVerifiedAt), \(tx.clock.now))
            ON CONFLICT (provider_id, device_id) DO UPDATE SET template_id = EXCLUDED.template_id, template_version = EXCLUDED.template_version,
                parameter_key = EXCLUDED.parameter_key, desired = EXCLUDED.desired, status = EXCLUDED.status, task_id = EXCLUDED.task_id,
                reason = EXCLUDED.reason, faults = EXCLUDED.faults, rejected_paths = EXCLUDED.rejected_paths, errors = EXCLUDED.errors,
                overrides = EXCLUDED.overrides, last_applied_at = EXCLUDED.last_applied_at, last_checked_at = EXCLUDED.last_checked_at,
                verify_task_id = EXCLUDED.verify_task_id, mismatches = EXCLUDED.mismatches, unverified_paths = EXCLUDED.unverified_paths,
                last_verified_at = EXCLUDED.last_verified_at, updated_at = EXCLUDED.updated_at
            """)
    }

    /// The sealed per-device overrides (full JSON text), if any.
    public func sealedOverrides(_ device: UUID) async throws -> String? {
        try await tx.query("SELECT overrides_sealed FROM device_provisioning WHERE device_id = \(device)")
            .acsFirst { try $0.acsColumn("overrides_sealed", as: String?.self) } ?? nil
    }

    /// Stores the sealed per-device overrides (the row exists: ``save(_:)`` ran first).
    public func storeSealedOverrides(_ device: UUID, sealed: String?) async throws {
        try await tx.query("UPDATE device_provisioning SET overrides_sealed = \(sealed) WHERE device_id = \(device)")
    }

    /// The sealed generated Wi-Fi key of a device, if one was generated.
    public func sealedWifiKey(_ device: UUID) async throws -> String? {
        try await tx.query("SELECT wifi_key_sealed FROM device_provisioning WHERE device_id = \(device)")
            .acsFirst { try $0.acsColumn("wifi_key_sealed", as: String?.self) } ?? nil
    }

    /// Stores a sealed generated Wi-Fi key (creating the state row when needed).
    public func storeWifiKey(_ device: UUID, sealed: String) async throws {
        try await tx.query("""
            INSERT INTO device_provisioning (provider_id, device_id, wifi_key_sealed, updated_at) VALUES (\(tx.providerID), \(device), \(sealed), \(tx.clock.now))
            ON CONFLICT (provider_id, device_id) DO UPDATE SET wifi_key_sealed = EXCLUDED.wifi_key_sealed
            """)
    }

    /// Settles the state whose apply task is `task`: applied when done; on a fault, records each
    /// parameter fault and adds its path to the rejected paths so the next apply leaves it out.
    /// Audited as `provisioning.applied` / `provisioning.fault`.
    public func taskSettled(_ task: UUID, done: Bool, parameterFaults: [DeviceProvisioning.ParameterFault], faultCode: Int?, by actor: Actor) async throws {
        guard var state = try await tx.query("""
            SELECT \(unescaped: Self.columns) FROM device_provisioning WHERE task_id = \(task) FOR UPDATE
            """).acsFirst(Self.decode) else { return }
        let before = state.status
        if done {
            state.status = .applied
            state.faults = []
            state.lastAppliedAt = tx.clock.now
        } else {
            state.status = .fault
            state.faults = parameterFaults
            state.rejectedPaths = Array(Set(state.rejectedPaths).union(parameterFaults.map(\.path))).sorted()
        }
        try await save(state)
        try await tx.audit(done ? "provisioning.applied" : "provisioning.fault", by: actor, target: ("device", state.deviceId.lowercased), details: .object([
            "task_id": .string(task.lowercased), "parameter_key": state.parameterKey.map(JSONValue.string) ?? .null,
            "template_id": state.templateId.map { .string($0.lowercased) } ?? .null,
            "template_version": state.templateVersion.map { .number(Double($0)) } ?? .null,
            "status_before": .string(before.rawValue), "fault_code": faultCode.map { .number(Double($0)) } ?? .null,
            "parameter_faults": .array(parameterFaults.map { .object(["path": .string($0.path), "code": .number(Double($0.code)), "string": .string($0.string)]) }),
        ]))
        try await tx.publish(topic: "devices/\(state.deviceId.lowercased)", data: .object([
            "event": .string("provisioning"), "status": .string(state.status.rawValue), "parameter_key": state.parameterKey.map(JSONValue.string) ?? .null,
        ]))
    }

    static func decode(_ row: PostgresRandomAccessRow) throws -> DeviceProvisioning {
        func json<T: Decodable>(_ column: String, _ type: T.Type) throws -> T {
            try JSONDecoder().decode(T.self, from: Data(try row.acsColumn(column, as: String.self).utf8))
        }
        return DeviceProvisioning(
            deviceId: try row.acsColumn("device_id"), templateId: try row.acsColumn("template_id"),
            templateVersion: try row.acsColumn("template_version"), parameterKey: try row.acsColumn("parameter_key"),
            desired: try json("desired", [ParameterChange].self),
            status: DeviceProvisioning.Status(rawValue: try row.acsColumn("status")) ?? .pending, taskId: try row.acsColumn("task_id"),
            reason: try row.acsColumn("reason"), faults: try json("faults", [DeviceProvisioning.ParameterFault].self),
            rejectedPaths: try row.acsColumn("rejected_paths", as: [String].self), errors: try json("errors", [ProvisioningError].self),
            overrides: try json("overrides", JSONValue.self), lastAppliedAt: try row.acsColumn("last_applied_at"),
            lastCheckedAt: try row.acsColumn("last_checked_at"), verifyTaskId: try row.acsColumn("verify_task_id"),
            mismatches: try json("mismatches", [DeviceProvisioning.Mismatch].self),
            unverifiedPaths: try row.acsColumn("unverified_paths", as: [String].self), lastVerifiedAt: try row.acsColumn("last_verified_at"))
    }
}
