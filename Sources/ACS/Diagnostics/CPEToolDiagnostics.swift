import CWMP
import Foundation
import NetTools
import OctoCore
import OctoStore
import PostgresNIO
import ToolRuns

/// Runs ping, traceroute and the speed test on the CPE itself with TR-069 diagnostics: a
/// SetParameterValues task fills the diagnostics object (`IPPingDiagnostics` /
/// `Device.IP.Diagnostics.IPPing`, the TraceRoute ones, or TR-143 `DownloadDiagnostics` /
/// `UploadDiagnostics` with a one-time URL of the ACS file server) and sets `DiagnosticsState` to `Requested`; when the CPE informs with
/// `8 DIAGNOSTICS COMPLETE` the ACS reads the object back in that session and settles the run.
public struct CPEToolDiagnostics: CPEDiagnosticsStarter {
    let tasks: DeviceTaskService
    /// How long a speed test's transfer token stays valid (the diagnostics task's own timeout by default).
    let transferLifetime: TimeInterval

    /// Creates the starter over the device task queue (its connection request brings the CPE in).
    public init(tasks: DeviceTaskService, transferLifetime: TimeInterval = 600) {
        self.tasks = tasks
        self.transferLifetime = transferLifetime
    }

    public func start(_ run: ToolRun, request: ToolRequest, in tx: Transaction, by actor: Actor) async throws -> ToolRun {
        guard let device = run.deviceId else { throw OctoError.invalid("device_id", "device_id is required for origin cpe") }
        var root: String?
        for try await row in try await tx.query("SELECT root FROM cwmp_devices WHERE device_id = \(device)") { root = try row.decode(String.self) }
        guard let root else { throw OctoError.invalid("device_id", "the device has never informed over TR-069") }
        var transferURL: String?
        if case .speedtest = request {
            // A one-time token bound to this run lets the CPE move its test bytes through the ACS file server.
            let token = Self.randomToken()
            try await tx.toolRuns.armTransfer(run.id, token: token, expiresAt: tx.clock.now.addingTimeInterval(transferLifetime))
            transferURL = CPEDiagnostics.transferURL(run: run.id, token: token)
        }
        guard let values = CPEDiagnostics.parameters(for: request, root: root, transferURL: transferURL) else {
            throw OctoError.invalid("tool", "a CPE runs ping, traceroute and the speed test")
        }
        var input = DeviceTaskInput(type: .setParameterValues)
        input.parameterValues = values.map { DeviceTaskInput.ParameterValueInput(name: $0.name, value: $0.value, type: $0.type) }
        input.commandKey = CPEDiagnostics.requestKey
        input.timeoutSeconds = 600
        let (task, pending) = try await tasks.create(input, device: device, in: tx, by: actor)
        if let pending { try await tasks.enqueue(pending) }
        return try await tx.toolRuns.attach(run.id, task: task.id)
    }

    /// 32 random bytes as hex.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}

extension ACSEngine {
    /// A CPE that informs with `8 DIAGNOSTICS COMPLETE` gets its diagnostics objects read back in the
    /// same session, when one of its tool runs waits for them. Returns whether a task was queued.
    func queueDiagnosticsReadback(_ inform: Inform, device: UUID, provider: UUID) async throws -> Bool {
        guard inform.events.contains(where: { $0.code == "8 DIAGNOSTICS COMPLETE" }) else { return false }
        return try await database.withTenant(provider, logger: logger) { tx in
            // Only the objects of the runs that wait: a model without an object would fault the whole read.
            var objects: [String] = []
            for run in try await tx.toolRuns.runningOnCPE(device: device) {
                if let object = CPEDiagnostics.object(of: run, root: inform.root), !objects.contains(object) { objects.append(object) }
            }
            guard !objects.isEmpty else { return false }
            var input = DeviceTaskInput(type: .getParameterValues)
            input.parameterNames = objects
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
            guard let request = CPEDiagnostics.request(of: run), let object = CPEDiagnostics.object(request, root: root) else { continue }
            // Another diagnostic of this device completed; this one is still under way on the CPE
            // (or was not part of this read).
            guard let state = table["\(object)DiagnosticsState"], state != "Requested" else { continue }
            if let failure = CPEDiagnostics.failure(object: object, values: table) {
                _ = try await tx.toolRuns.finish(run.id, status: .failed, result: nil, error: failure)
                continue
            }
            let serverBytes = run.tool == .speedtest ? try await tx.toolRuns.transferBytes(run.id) : nil
            guard let result = CPEDiagnostics.result(request, target: target, root: root, values: table, serverBytes: serverBytes) else {
                _ = try await tx.toolRuns.finish(run.id, status: .failed, result: nil,
                                                 error: "the CPE reported DiagnosticsState \(state) but its results cannot be read")
                continue
            }
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
