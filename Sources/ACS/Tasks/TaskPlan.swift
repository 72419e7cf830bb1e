import CWMP
import Foundation
import OctoCore

/// How a device task becomes one RPC, and what the device's answer means for the task. No I/O.
enum TaskPlan {
    /// Where a download task's file is fetched from.
    struct DownloadSource: Sendable, Hashable {
        var url: String
        var fileType: String
        var size: Int
        var targetFileName: String
    }

    /// The RPCs that run `task` on a device whose tree starts at `root`: one, or for a refresh
    /// GetParameterNames then GetParameterValues of the subtree.
    static func messages(for task: DeviceTask, root: String, download: DownloadSource?) -> [ACSMessage] {
        guard task.type == .refresh else { return [message(for: task, root: root, download: download)] }
        let path = task.arguments.path ?? root
        return [.getParameterNames(path: path, nextLevel: false), .getParameterValues([path])]
    }

    /// The single RPC of a task other than refresh.
    static func message(for task: DeviceTask, root: String, download: DownloadSource?) -> ACSMessage {
        let input = task.arguments
        let parameterKey = input.parameterKey ?? task.commandKey
        switch task.type {
        case .getParameterValues:
            return .getParameterValues(input.parameterNames ?? [])
        case .setParameterValues:
            let values = (input.parameterValues ?? []).map { ParameterValue(name: $0.name, value: $0.value, type: $0.type ?? "xsd:string") }
            return .setParameterValues(values, parameterKey: parameterKey)
        case .addObject:
            return .addObject(name: input.objectName ?? "", parameterKey: parameterKey)
        case .deleteObject:
            return .deleteObject(name: input.objectName ?? "", parameterKey: parameterKey)
        case .reboot:
            return .reboot(commandKey: task.commandKey)
        case .factoryReset:
            return .factoryReset
        case .download:
            let source = download ?? DownloadSource(url: input.url ?? "", fileType: input.fileType ?? "", size: input.fileSize ?? 0,
                                                   targetFileName: input.targetFileName ?? "")
            return .download(DownloadRequest(commandKey: task.commandKey, fileType: source.fileType, url: source.url, fileSize: source.size,
                                             targetFileName: source.targetFileName, delaySeconds: input.delaySeconds ?? 0))
        case .refresh:
            return .getParameterValues([input.path ?? root])
        }
    }

    /// What an answer does to the task and to the parameter cache.
    enum Outcome: Sendable, Hashable {
        /// Settled: done with this result.
        case done(JSONValue)
        /// A download the CPE accepted and will report with TransferComplete.
        case awaitingTransfer(JSONValue)
        /// The answer is not the one this task expects (a protocol slip of the device).
        case fault(DeviceTask.Fault)
    }

    /// The outcome of `answer` to `task`.
    static func outcome(of task: DeviceTask, answer: CPEMessage) -> Outcome {
        let parameterKey = JSONValue.string(task.arguments.parameterKey ?? task.commandKey)
        switch (task.type, answer) {
        case (.getParameterValues, .getParameterValuesResponse(let values)):
            return .done(.object(["values": values.json]))
        case (.refresh, .getParameterValuesResponse(let values)):
            return .done(.object(["path": .string(task.arguments.path ?? ""), "parameters": .number(Double(values.count))]))
        case (.setParameterValues, .setParameterValuesResponse(let status)):
            return .done(.object(["status": .number(Double(status)), "parameter_key": parameterKey]))
        case (.addObject, .addObjectResponse(let instance, let status)):
            return .done(.object(["instance": .number(Double(instance)), "status": .number(Double(status)), "parameter_key": parameterKey]))
        case (.deleteObject, .deleteObjectResponse(let status)):
            return .done(.object(["status": .number(Double(status)), "parameter_key": parameterKey]))
        case (.reboot, .rebootResponse):
            return .done(.object(["command_key": .string(task.commandKey)]))
        case (.factoryReset, .factoryResetResponse):
            return .done(.object([:]))
        case (.download, .downloadResponse(let status, let start, let complete)):
            let result = JSONValue.object(["status": .number(Double(status)), "start_time": .string(start), "complete_time": .string(complete),
                                           "command_key": .string(task.commandKey)])
            return status == 1 ? .awaitingTransfer(result) : .done(result)
        default:
            return .fault(DeviceTask.Fault(code: FaultCode.acsInvalidArguments.rawValue,
                                           string: "unexpected answer: \(String(describing: answer).prefix(200))"))
        }
    }

    /// What in a session's Inform shows that a task already ran on the device.
    enum Evidence: Sendable, Hashable {
        /// The Inform reports the task's ParameterKey: the CPE sets it only once a whole
        /// SetParameterValues, AddObject or DeleteObject succeeded (TR-069 A.3.2.1).
        case parameterKey(String)
        /// An `M Reboot` or `M Download` event carries the task's CommandKey.
        case event(code: String, commandKey: String)

        /// The note recorded in the task's result.
        var json: JSONValue {
            switch self {
            case .parameterKey(let key): return .object(["parameter_key": .string(key)])
            case .event(let code, let key): return .object(["event": .string(code), "command_key": .string(key)])
            }
        }
    }

    /// The ParameterKey `task` sends, if it is a change that carries one.
    static func parameterKey(of task: DeviceTask) -> String? {
        switch task.type {
        case .setParameterValues, .addObject, .deleteObject: return task.arguments.parameterKey ?? task.commandKey
        default: return nil
        }
    }

    /// Whether the Inform that opened a session (its ParameterKey and events) shows that `task`, sent
    /// in an earlier session whose answer was never recorded, already ran. A key the device held
    /// before the task was sent proves nothing: the caller checks that no other task carried it.
    static func evidence(for task: DeviceTask, informParameterKey: String?, events: [InformEvent]) -> Evidence? {
        if let key = parameterKey(of: task) {
            guard !key.isEmpty, informParameterKey == key else { return nil }
            return .parameterKey(key)
        }
        let code: String
        switch task.type {
        case .reboot: code = InformEvent.mReboot
        case .download: code = InformEvent.mDownload
        default: return nil
        }
        guard !task.commandKey.isEmpty, events.contains(where: { $0.code == code && $0.commandKey == task.commandKey }) else { return nil }
        return .event(code: code, commandKey: task.commandKey)
    }

    /// A CPE fault as the task's fault and result (the per-parameter faults of a SetParameterValues).
    static func fault(_ fault: CWMPFault) -> (DeviceTask.Fault, JSONValue?) {
        let parameters = fault.parameterFaults.map { item -> JSONValue in
            .object(["name": .string(item.name), "code": .number(Double(item.code.rawValue)), "string": .string(item.string)])
        }
        return (DeviceTask.Fault(code: fault.code.rawValue, string: fault.string),
                parameters.isEmpty ? nil : .object(["parameter_faults": .array(parameters)]))
    }
}

extension [ParameterValue] {
    /// `[{name, value, type}]`.
    var json: JSONValue {
        .array(map { .object(["name": .string($0.name), "value": .string($0.value), "type": .string($0.type)]) })
    }
}
