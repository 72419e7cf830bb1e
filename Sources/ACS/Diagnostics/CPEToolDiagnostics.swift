import CWMP
import Foundation
import NetTools
import OctoCore
import OctoStore
import PostgresNIO
import ToolRuns

/// Runs ping and traceroute on the CPE itself with TR-069 diagnostics: a SetParameterValues task
/// fills the diagnostics object (`IPPingDiagnostics` / `Device.IP.Diagnostics.IPPing`, or the
/// TraceRoute ones) and sets `DiagnosticsState` to `Requested`; when the CPE informs with
/// `8 DIAGNOSTICS COMPLETE` the ACS reads the object back in that session and settles the run.
public struct CPEToolDiagnostics: CPEDiagnosticsStarter {
    let tasks: DeviceTaskService

    /// Creates the starter over the device task queue (its connection request brings the CPE in).
    public init(tasks: DeviceTaskService) {
        self.tasks = tasks
    }

    public func start(_ run: ToolRun, request: ToolRequest, in tx: Transaction, by actor: Actor) async throws -> ToolRun {
        guard let device = run.deviceId else { throw OctoError.invalid("device_id", "device_id is required for origin cpe") }
        var root: String?
        for try await row in try await tx.query("SELECT root FROM cwmp_devices WHERE device_id = \(device)") { root = try row.decode(String.self) }
        guard let root else { throw OctoError.invalid("device_id", "the device has never informed over TR-069") }
        guard let values = CPEDiagnostics.parameters(for: request, root: root) else {
            throw OctoError.invalid("tool", "a CPE runs ping and traceroute")
        }
        var input = DeviceTaskInput(type: .setParameterValues)
        input.parameterValues = values.map { DeviceTaskInput.ParameterValueInput(name: $0.name, value: $0.value, type: $0.type) }
        input.commandKey = CPEDiagnostics.requestKey
        input.timeoutSeconds = 600
        let (task, pending) = try await tasks.create(input, device: device, in: tx, by: actor)
        if let pending { try await tasks.enqueue(pending) }
        return try await tx.toolRuns.attach(run.id, task: task.id)
    }
}

extension ACSEngine {
    /// A CPE that informs with `8 DIAGNOSTICS COMPLETE` gets its diagnostics objects read back in the
    /// same session, when one of its tool runs waits for them. Returns whether a task was queued.
    func queueDiagnosticsReadback(_ inform: Inform, device: UUID, provider: UUID) async throws -> Bool {
        guard inform.events.contains(where: { $0.code == "8 DIAGNOSTICS COMPLETE" }) else { return false }
        return try await database.withTenant(provider, logger: logger) { tx in
            guard try await !tx.toolRuns.runningOnCPE(device: device).isEmpty else { return false }
            var input = DeviceTaskInput(type: .getParameterValues)
            input.parameterNames = CPEDiagnostics.objects(root: inform.root)
            input.commandKey = CPEDiagnostics.readbackPrefix
            input.timeoutSeconds = 600
            _ = try await tx.deviceTasks.create(input, device: device, timeout: 600, by: .system)
            return true
        }
    }

    /// Settles the device's waiting CPE runs from the values a read-back got.
    func diagnosticsRead(_ values: [ParameterValue], device: UUID, root: String, in tx: Transaction) async throws {
        let table = Dictionary(values.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
        for run in try await tx.toolRuns.runningOnCPE(device: device) {
            let target = run.parameters.stringField("target") ?? run.target
            let object = CPEDiagnostics.object(run.tool, root: root) ?? ""
            // Another diagnostic of this device completed; this one is still under way on the CPE.
            if table["\(object)DiagnosticsState"] == "Requested" { continue }
            if let failure = CPEDiagnostics.failure(run.tool, root: root, values: table) {
                _ = try await tx.toolRuns.finish(run.id, status: .failed, result: nil, error: failure)
                continue
            }
            guard let result = CPEDiagnostics.result(run.tool, target: target, root: root, values: table) else { continue }
            _ = try await tx.toolRuns.finish(run.id, status: .succeeded, result: try ToolRunner.resultJSON(result), error: nil)
        }
    }

    /// A CPE refused the SetParameterValues of a diagnostic: its run fails with the fault.
    func diagnosticsRefused(_ task: DeviceTask, fault: DeviceTask.Fault, in tx: Transaction) async throws {
        guard task.commandKey == CPEDiagnostics.requestKey, let run = try await tx.toolRuns.byTask(task.id), !run.status.finished else { return }
        _ = try await tx.toolRuns.finish(run.id, status: .failed, result: nil, error: "the CPE refused the diagnostics: \(fault.code) \(fault.string)")
    }
}

extension JSONValue {
    /// The text of `key` in an object.
    func stringField(_ key: String) -> String? {
        guard case .object(let fields) = self, case .string(let text)? = fields[key] else { return nil }
        return text
    }
}
