import Foundation
import OctoCore
import OctoJobs
import OctoStore
import PostgresNIO

extension ProvisioningService {
    /// What an apply did.
    public enum Outcome: String, Codable, Sendable {
        /// A SetParameterValues task was queued.
        case queued
        /// The device already holds the desired state: nothing was queued.
        case unchanged
        /// The same desired state is already queued.
        case alreadyQueued = "already_queued"
        /// The settings cannot be resolved for the device; nothing was queued.
        case rejected
        /// No template matches and the device has no overrides.
        case unmatched
    }

    /// The result of an apply.
    public struct ApplyResult: Codable, Sendable, Hashable {
        /// What happened.
        public var outcome: Outcome
        /// The plan it followed (values of secret fields masked).
        public var plan: Plan
        /// The task queued, if any.
        public var taskId: UUID?
    }

    /// Applies the desired state to `device` in its own transaction.
    public func apply(_ device: UUID, provider: UUID, database: Database, reason: String, force: Bool = false, by actor: Actor) async throws -> ApplyResult {
        let (result, pending) = try await database.withTenant(provider) { tx in
            try await apply(device, in: tx, reason: reason, force: force, by: actor)
        }
        try await tasks.enqueue(pending)
        return result
    }

    /// Applies the desired state to `device` inside `tx`: nothing is queued when the diff against the
    /// cached tree is empty (unless `force`), when the same ParameterKey is already queued, or when the
    /// settings do not resolve (the errors are recorded). Otherwise one SetParameterValues task carries
    /// the changed parameters with the ParameterKey of the whole desired state; the change is audited
    /// with before → after values (secrets masked). The returned job, if any, is enqueued after commit.
    public func apply(_ device: UUID, in tx: Transaction, reason: String, force: Bool = false, plan given: Plan? = nil,
                      by actor: Actor) async throws -> (ApplyResult, JobRequest?) {
        let existing = try await tx.deviceProvisioning.get(device, lock: true)
        let plan: Plan
        if let given { plan = given } else { plan = try await self.plan(device, in: tx) }
        let now = tx.clock.now
        var state = existing ?? DeviceProvisioning(deviceId: device, templateId: nil, templateVersion: nil, parameterKey: nil, desired: [],
                                                   status: .pending, taskId: nil, reason: nil, faults: [], rejectedPaths: [], errors: [],
                                                   overrides: .object([:]), lastAppliedAt: nil, lastCheckedAt: nil)
        state.lastCheckedAt = now
        state.reason = reason
        if !plan.errors.isEmpty {
            state.status = .error
            state.errors = plan.errors
            try await tx.deviceProvisioning.save(state)
            try await tx.audit("provisioning.rejected", by: actor, target: ("device", device.lowercased), details: .object([
                "reason": .string(reason), "errors": .array(plan.errors.map { .object(["field": .string($0.field), "message": .string($0.message)]) }),
                "template_id": plan.templateId.map { .string($0.lowercased) } ?? .null,
            ]))
            return (ApplyResult(outcome: .rejected, plan: plan.masked, taskId: nil), nil)
        }
        state.errors = []
        if plan.desired.isEmpty && plan.templateId == nil {
            state.status = .unmatched
            try await tx.deviceProvisioning.save(state)
            return (ApplyResult(outcome: .unmatched, plan: plan.masked, taskId: nil), nil)
        }
        state.templateId = plan.templateId
        state.templateVersion = plan.templateVersion
        state.desired = Self.masked(plan.desired)
        if plan.changes.isEmpty && !force {
            if state.status != .applying && state.status != .verified {
                state.status = .applied
                state.parameterKey = plan.parameterKey
                state.lastAppliedAt = state.lastAppliedAt ?? now
            }
            try await tx.deviceProvisioning.save(state)
            return (ApplyResult(outcome: .unchanged, plan: plan.masked, taskId: nil), nil)
        }
        if let task = state.taskId, state.status == .applying, state.parameterKey == plan.parameterKey, !force,
           let open = try await OctoError.absentAsNil({ try await tx.deviceTasks.get(task, device: device) }), !open.status.isFinal {
            try await tx.deviceProvisioning.save(state)
            return (ApplyResult(outcome: .alreadyQueued, plan: plan.masked, taskId: open.id), nil)
        }
        // An earlier apply, or the read-back of one, still waiting is superseded.
        for task in [state.taskId, state.verifyTaskId].compactMap({ $0 }) {
            if let open = try await OctoError.absentAsNil({ try await tx.deviceTasks.get(task, device: device) }), open.status == .queued {
                _ = try await tx.deviceTasks.cancel(task, device: device, by: actor)
            }
        }
        state.verifyTaskId = nil
        state.mismatches = []
        state.unverifiedPaths = []
        let send = plan.changes.isEmpty ? plan.desired : plan.changes
        var input = DeviceTaskInput(type: .setParameterValues)
        input.parameterValues = send.prefix(500).map { DeviceTaskInput.ParameterValueInput(name: $0.path, value: $0.value, type: $0.type) }
        input.parameterKey = plan.parameterKey
        let (task, pending) = try await tasks.create(input, device: device, in: tx, by: actor)
        // A model that applies Wi-Fi changes only after a reboot gets one queued behind them; the
        // connection request of the SetParameterValues task reaches the device for both.
        if plan.rebootAfterWifiChange, send.contains(where: { $0.field.hasPrefix("wifi.") }) {
            var reboot = DeviceTaskInput(type: .reboot)
            reboot.commandKey = String("wifi-\(plan.parameterKey)".prefix(32))
            _ = try await tasks.create(reboot, device: device, in: tx, by: actor)
        }
        state.status = .applying
        state.taskId = task.id
        state.parameterKey = plan.parameterKey
        state.faults = []
        try await tx.deviceProvisioning.save(state)
        let secret = Set(send.filter { SettingsField(rawValue: String($0.field.prefix { $0 != "@" }))?.isSecret ?? false }.map(\.path))
        func shown(_ change: ParameterChange, _ value: String?) -> JSONValue {
            guard let value else { return .null }
            return secret.contains(change.path) ? .string("********") : .string(value)
        }
        // Paths are values, not keys: the audit's JSON encoder rewrites keys to snake_case.
        try await tx.audit("provisioning.apply", by: actor, target: ("device", device.lowercased),
                           before: JSONValue.array(send.map { .object(["path": .string($0.path), "value": shown($0, $0.current)]) }),
                           after: JSONValue.object([
                               "reason": .string(reason), "task_id": .string(task.id.lowercased), "parameter_key": .string(plan.parameterKey),
                               "template_id": plan.templateId.map { .string($0.lowercased) } ?? .null,
                               "template_version": plan.templateVersion.map { .number(Double($0)) } ?? .null,
                               "values": .array(send.map { .object(["path": .string($0.path), "value": shown($0, $0.value)]) }),
                           ]))
        try await tx.publish(topic: "devices/\(device.lowercased)", data: .object([
            "event": .string("provisioning"), "status": .string("applying"), "task_id": .string(task.id.lowercased),
            "parameter_key": .string(plan.parameterKey),
        ]))
        return (ApplyResult(outcome: .queued, plan: plan.masked, taskId: task.id), pending)
    }

    /// Applies in the provider to every device the template currently matches (after a version change
    /// or rollback); returns how many devices got a task.
    public func applyTemplate(_ template: UUID, provider: UUID, database: Database, by actor: Actor) async throws -> Int {
        let devices = try await database.withTenant(provider) { tx -> [UUID] in
            let chosen = try await tx.provisioningTemplates.get(template)
            guard chosen.archivedAt == nil else { return [] }
            return try await tx.query("""
                SELECT d.id FROM devices d JOIN cwmp_devices c ON c.provider_id = d.provider_id AND c.device_id = d.id
                WHERE c.discovered_at IS NOT NULL ORDER BY d.id
                """).acsRows { try $0.acsColumn("id", as: UUID.self) }
        }
        var queued = 0
        for device in devices {
            let result = try await database.withTenant(provider) { tx -> (ApplyResult, JobRequest?)? in
                let plan = try await plan(device, in: tx)
                guard plan.templateId == template else { return nil }
                return try await apply(device, in: tx, reason: "template", plan: plan, by: actor)
            }
            if let (result, pending) = result {
                try await tasks.enqueue(pending)
                if result.outcome == .queued { queued += 1 }
            }
        }
        return queued
    }
}
