import CWMP
import Foundation
import OctoCore
import OctoJobs
import OctoStore
import PostgresNIO

extension ProvisioningService {
    /// CommandKey prefix of the GetParameterValues tasks that read applied paths back after a
    /// provisioning SetParameterValues succeeded.
    public static let verifyCommandPrefix = "provverify"

    /// Queues the read-back of what the settled SetParameterValues `task` set, when it was the device's
    /// provisioning apply (its state is `applied`). The task runs in the device's next session, which the
    /// returned connection-request job asks for (enqueue it after commit).
    public func queueVerification(after task: DeviceTask, in tx: Transaction, by actor: Actor) async throws -> JobRequest? {
        guard var state = try await tx.deviceProvisioning.get(task.deviceId, lock: true), state.taskId == task.id, state.status == .applied else {
            return nil
        }
        let paths = (task.arguments.parameterValues ?? []).map(\.name)
        guard !paths.isEmpty else { return nil }
        var input = DeviceTaskInput(type: .getParameterValues)
        input.parameterNames = paths
        input.commandKey = Self.verifyCommandPrefix + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        let (verify, pending) = try await tasks.create(input, device: task.deviceId, in: tx, by: actor)
        state.verifyTaskId = verify.id
        try await tx.deviceProvisioning.save(state)
        return pending
    }

    /// Whether `task` reads applied paths back (see ``queueVerification(after:in:by:)``).
    public static func isVerification(_ task: DeviceTask) -> Bool {
        task.type == .getParameterValues && task.commandKey.hasPrefix(verifyCommandPrefix)
    }

    /// Records the read-back of an apply: compares each value `values` holds with the value the apply
    /// set. A secret field the device returns empty or masked cannot be checked and is listed as
    /// unverified, not as a mismatch. The state becomes `verified` or `mismatch` (paths with expected vs
    /// read values, secrets masked); audited as `provisioning.verified` / `provisioning.mismatch` and
    /// published. A read-back the device faulted leaves the state `applied` and is audited as
    /// `provisioning.unverified`. A read-back superseded by a later apply is ignored.
    public func verificationSettled(_ task: DeviceTask, values: [ParameterValue]?, fault: DeviceTask.Fault?, in tx: Transaction,
                                    by actor: Actor) async throws {
        guard var state = try await tx.deviceProvisioning.get(task.deviceId, lock: true), state.verifyTaskId == task.id,
              state.status == .applied, let applied = state.taskId else { return }
        let target = ("device", task.deviceId.lowercased)
        guard let values, fault == nil else {
            try await tx.audit("provisioning.unverified", by: actor, target: target, details: .object([
                "task_id": .string(task.id.lowercased), "apply_task_id": .string(applied.lowercased),
                "fault_code": fault.map { .number(Double($0.code)) } ?? .null, "fault_string": fault.map { .string($0.string) } ?? .null,
            ]))
            return
        }
        let readBack = Dictionary(values.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        // The settled apply keeps secret values only as markers: one the value read back matches stands for it.
        let sent = (try await tx.deviceTasks.get(applied, device: task.deviceId).arguments.parameterValues ?? []).map { value in
            guard SecretParameters.isMarker(value.value), let got = readBack[value.name],
                  SecretParameters.marker(value.value, matches: got, path: value.name, device: task.deviceId, provider: tx.providerID,
                                          secrets: secrets) else { return value }
            var opened = value
            opened.value = got
            return opened
        }
        let secret = Set(state.desired.filter { SettingsField(rawValue: String($0.field.prefix { $0 != "@" }))?.isSecret == true }.map(\.path))
        let outcome = Self.verify(sent: sent, read: values, secret: secret)
        state.status = outcome.mismatches.isEmpty ? .verified : .mismatch
        state.mismatches = outcome.mismatches
        state.unverifiedPaths = outcome.unverified
        state.lastVerifiedAt = tx.clock.now
        try await tx.deviceProvisioning.save(state)
        try await tx.audit(state.status == .verified ? "provisioning.verified" : "provisioning.mismatch", by: actor, target: target, details: .object([
            "task_id": .string(task.id.lowercased), "apply_task_id": .string(applied.lowercased),
            "parameter_key": state.parameterKey.map(JSONValue.string) ?? .null,
            "template_id": state.templateId.map { .string($0.lowercased) } ?? .null,
            "template_version": state.templateVersion.map { .number(Double($0)) } ?? .null,
            "checked": .number(Double(sent.count)), "unverified_paths": .array(outcome.unverified.map(JSONValue.string)),
            "mismatches": .array(outcome.mismatches.map(Self.json)),
        ]))
        try await tx.publish(topic: "devices/\(task.deviceId.lowercased)", data: .object([
            "event": .string("provisioning"), "status": .string(state.status.rawValue), "parameter_key": state.parameterKey.map(JSONValue.string) ?? .null,
            "mismatches": .array(outcome.mismatches.map(Self.json)),
        ]))
    }

    /// Compares the values set with the values read back (pure). Secret paths (`secret`) read back
    /// empty or masked are unverifiable; mismatches on them show both values masked.
    public static func verify(sent: [DeviceTaskInput.ParameterValueInput], read: [ParameterValue],
                              secret: Set<String>) -> (mismatches: [DeviceProvisioning.Mismatch], unverified: [String]) {
        let readBack = Dictionary(read.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        var mismatches: [DeviceProvisioning.Mismatch] = []
        var unverified: [String] = []
        for value in sent.sorted(by: { $0.name < $1.name }) {
            let got = readBack[value.name]
            if secret.contains(value.name) {
                guard let got, !isMasked(got) else {
                    unverified.append(value.name)
                    continue
                }
                if !DesiredState.same(got, value.value, type: value.type ?? "xsd:string") {
                    mismatches.append(.init(path: value.name, expected: "********", read: "********"))
                }
                continue
            }
            guard let got else {
                mismatches.append(.init(path: value.name, expected: value.value, read: nil))
                continue
            }
            if !DesiredState.same(got, value.value, type: value.type ?? "xsd:string") {
                mismatches.append(.init(path: value.name, expected: value.value, read: got))
            }
        }
        return (mismatches, unverified)
    }

    /// Whether a secret read back is empty or a mask (`*`, `•` or `x` repeated), as many CPEs return keys.
    static func isMasked(_ value: String) -> Bool {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty || trimmed.allSatisfy { $0 == "*" || $0 == "•" } || (trimmed.count >= 4 && trimmed.allSatisfy { $0 == "x" || $0 == "X" })
    }

    static func json(_ mismatch: DeviceProvisioning.Mismatch) -> JSONValue {
        .object(["path": .string(mismatch.path), "expected": .string(mismatch.expected), "read": mismatch.read.map(JSONValue.string) ?? .null])
    }
}
