import Foundation
import OctoCore
import OctoJobs
import OctoStore
import PostgresNIO

extension ProvisioningService {
    /// What a remote action did.
    public struct ActionResult: Codable, Sendable, Hashable {
        /// The action.
        public var action: DeviceAction.Kind
        /// The apply it caused (set_wifi, reapply).
        public var apply: ApplyResult?
        /// The task queued (reboot, factory reset, or the apply's).
        public var taskId: UUID?
    }

    /// Runs a remote action on `device`. set_wifi stores the change as a per-device override of the
    /// template (so drift checks keep it) and applies; reboot and factory_reset queue their task.
    public func perform(_ action: DeviceAction, device: UUID, provider: UUID, database: Database, by actor: Actor) async throws -> ActionResult {
        let settings: ProvisioningSettings
        do throws(ProvisioningError) { settings = try action.wifiSettings() } catch { throw error.octoError }
        let (result, pending) = try await database.withTenant(provider) { tx -> (ActionResult, JobRequest?) in
            try await perform(action, settings: settings, device: device, in: tx, by: actor)
        }
        try await tasks.enqueue(pending)
        return result
    }

    func perform(_ action: DeviceAction, settings: ProvisioningSettings, device: UUID, in tx: Transaction,
                 by actor: Actor) async throws -> (ActionResult, JobRequest?) {
        guard try await tx.query("SELECT 1 FROM devices WHERE id = \(device)").acsFirst({ _ in true }) == true else {
            throw OctoError.notFound("device")
        }
        switch action.type {
        case .setWifi:
            var state = try await tx.deviceProvisioning.get(device, lock: true)
                ?? DeviceProvisioning(deviceId: device, templateId: nil, templateVersion: nil, parameterKey: nil, desired: [], status: .pending,
                                      taskId: nil, reason: nil, faults: [], rejectedPaths: [], errors: [], overrides: .object([:]),
                                      lastAppliedAt: nil, lastCheckedAt: nil)
            let before = try ProvisioningSettings(json: try await storedOverrides(device, state: state, in: tx))
            let overrides = before.merging(settings)
            // Check first: nothing is stored when the change cannot be applied to this device.
            let plan = try await plan(device, in: tx, overrides: overrides.json)
            if let error = plan.errors.first { throw error.octoError }
            try await storeOverrides(overrides, state: &state, in: tx)
            try await tx.audit("provisioning.action", by: actor, target: ("device", device.lowercased),
                               before: TemplateSnapshot.mask(before.json), after: TemplateSnapshot.mask(overrides.json))
            let (apply, pending) = try await apply(device, in: tx, reason: "action", plan: plan, by: actor)
            return (ActionResult(action: action.type, apply: apply, taskId: apply.taskId), pending)
        case .apply:
            let (apply, pending) = try await apply(device, in: tx, reason: "action", by: actor)
            return (ActionResult(action: action.type, apply: apply, taskId: apply.taskId), pending)
        case .reapply:
            let (apply, pending) = try await apply(device, in: tx, reason: "reapply", force: true, by: actor)
            return (ActionResult(action: action.type, apply: apply, taskId: apply.taskId), pending)
        case .reboot, .factoryReset:
            let (task, pending) = try await tasks.create(DeviceTaskInput(type: action.type == .reboot ? .reboot : .factoryReset), device: device,
                                                         in: tx, by: actor)
            if action.type == .factoryReset, var state = try await tx.deviceProvisioning.get(device, lock: true) {
                // The device forgets everything: the next BOOTSTRAP applies the desired state again.
                state.status = .pending
                state.parameterKey = nil
                state.rejectedPaths = []
                try await tx.deviceProvisioning.save(state)
            }
            try await tx.audit("provisioning.action", by: actor, target: ("device", device.lowercased), details: .object([
                "type": .string(action.type.rawValue), "task_id": .string(task.id.lowercased),
            ]))
            return (ActionResult(action: action.type, apply: nil, taskId: task.id), pending)
        }
    }

    /// The exact changes (secret values masked) applying (or performing `action`, or using template `template` at `version`)
    /// would send to `device`; nothing is stored or queued.
    public func dryRun(device: UUID, provider: UUID, database: Database, template: UUID?, version: Int?, action: DeviceAction?,
                       settings: JSONValue?) async throws -> Plan {
        var extra: ProvisioningSettings?
        do throws(ProvisioningError) {
            if let action { extra = try action.wifiSettings() }
            if let settings { extra = (extra ?? ProvisioningSettings()).merging(try ProvisioningSettings(json: settings)) }
        } catch {
            throw error.octoError
        }
        return try await database.withTenant(provider) { tx in
            guard try await tx.query("SELECT 1 FROM devices WHERE id = \(device)").acsFirst({ _ in true }) == true else {
                throw OctoError.notFound("device")
            }
            var chosen: (ProvisioningTemplate, TemplateVersion)??
            if let template {
                let found = try await tx.provisioningTemplates.get(template)
                chosen = .some((found, try await tx.provisioningTemplates.version(template, number: version ?? found.currentVersion)))
            }
            var plan = try await plan(device, in: tx, template: chosen, extra: extra)
            if action?.type == .reapply && plan.changes.isEmpty { plan.changes = plan.desired }
            return plan.masked
        }
    }
}
