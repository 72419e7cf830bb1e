import CWMP

/// One simulated CPE: its data model, its identity and the events it will report next.
public struct SimulatedCPE: Sendable {
    /// The parameter tree.
    public var model: DataModel
    /// Events for the next Inform.
    public var pendingEvents: [InformEvent]
    /// The ParameterKey last set by the ACS.
    public var parameterKey = ""
    /// The connection-request URL it reports.
    public var connectionRequestURL: String
    /// A Download the ACS asked for, fetched after the session.
    public var pendingDownload: DownloadRequest?
    /// Diagnostics objects whose `DiagnosticsState` the ACS set to `Requested`, run after the session.
    public var pendingDiagnostics: [String] = []
    /// The outcome of the last download, reported with TransferComplete in the next session.
    public var pendingTransfer: TransferComplete?
    /// Files downloaded so far (URL and byte count), newest last.
    public var downloads: [(url: String, bytes: Int)] = []
    /// Parameters this CPE refuses to set although its model lists them as writable (fault 9008), to
    /// simulate firmware quirks.
    public var refusedPaths: Set<String> = []
    /// Parameters this CPE accepts in SetParameterValues (status 0) but silently leaves unchanged, to
    /// simulate firmware that acknowledges values it does not apply.
    public var ignoredPaths: Set<String> = []
    /// The ACS user name the ACS set through `ManagementServer.Username`; sessions use it instead of
    /// the runner's once set.
    public var acsUsername: String?
    /// The ACS password the ACS set through `ManagementServer.Password` (kept here, not in the model:
    /// reading the parameter answers an empty string, as real CPEs do).
    public var acsPassword: String?
    /// How many applied SetParameterValues set each parameter (a test checking that a change ran once).
    public var setCounts: [String: Int] = [:]

    /// A CPE with `model`, serial number suffixed by `index` when non-zero, fresh from the factory.
    public init(model: DataModel, index: Int = 0, connectionRequestURL: String = "") {
        var model = model
        if index > 0 { model.identity.serialNumber += "-\(index)" }
        self.model = model
        self.pendingEvents = [InformEvent(code: InformEvent.bootstrap), InformEvent(code: InformEvent.boot)]
        self.connectionRequestURL = connectionRequestURL
    }

    /// The Inform for the next session, with `currentTime` as sent.
    public func inform(currentTime: String) -> Inform {
        let root = model.root
        var parameters: [ParameterValue] = []
        for suffix in ["DeviceInfo.HardwareVersion", "DeviceInfo.SoftwareVersion", "DeviceInfo.ProvisioningCode"] {
            if let node = model.nodes[root + suffix] { parameters.append(ParameterValue(name: root + suffix, value: node.value, type: node.type)) }
        }
        parameters.append(ParameterValue(name: root + "ManagementServer.ConnectionRequestURL", value: connectionRequestURL))
        parameters.append(ParameterValue(name: root + "ManagementServer.ParameterKey", value: parameterKey))
        return Inform(device: model.identity, events: pendingEvents, currentTime: currentTime, parameters: parameters)
    }

    /// Answers one RPC of the ACS against the model.
    public mutating func answer(_ message: ACSMessage) -> CPEMessage {
        switch message {
        case .getParameterNames(let path, let nextLevel):
            let base = path.isEmpty ? model.root : path
            guard model.nodes[base] != nil else { return .fault(CWMPFault(code: .invalidParameterName, string: "Invalid parameter name")) }
            guard base.hasSuffix(".") else {
                if nextLevel { return .fault(CWMPFault(code: .invalidArguments, string: "NextLevel on a parameter")) }
                return .getParameterNamesResponse([ParameterInfo(name: base, writable: model.nodes[base]?.writable ?? false)])
            }
            let names = model.subtree(base).filter { name in
                guard nextLevel else { return true }
                let rest = name.dropFirst(base.count)
                return !rest.isEmpty && (rest.firstIndex(of: ".").map { $0 == rest.index(before: rest.endIndex) } ?? true)
            }
            return .getParameterNamesResponse(names.map { ParameterInfo(name: $0, writable: model.nodes[$0]?.writable ?? false) })
        case .getParameterValues(let names):
            var values: [ParameterValue] = []
            for name in names {
                guard model.nodes[name] != nil else { return .fault(CWMPFault(code: .invalidParameterName, string: "Invalid parameter name")) }
                for path in name.hasSuffix(".") ? Array(model.subtree(name)) : [name] where !path.hasSuffix(".") {
                    let node = model.nodes[path]!
                    values.append(ParameterValue(name: path, value: node.value, type: node.type))
                }
            }
            return .getParameterValuesResponse(values)
        case .setParameterValues(let values, let key):
            var faults: [CWMPFault.ParameterFault] = []
            for value in values {
                guard let node = model.nodes[value.name], !value.name.hasSuffix(".") else {
                    faults.append(.init(name: value.name, code: .invalidParameterName, string: "Invalid parameter name"))
                    continue
                }
                if !node.writable || refusedPaths.contains(value.name) {
                    faults.append(.init(name: value.name, code: .notWritable, string: "Attempt to set a non-writable parameter"))
                }
                if node.type == "xsd:boolean" && XSD.boolean(value.value) == nil {
                    faults.append(.init(name: value.name, code: .invalidParameterValue, string: "Invalid parameter value"))
                }
            }
            guard faults.isEmpty else { return .fault(CWMPFault(code: .invalidArguments, string: "Invalid arguments", parameterFaults: faults)) }
            for value in values where !ignoredPaths.contains(value.name) {
                if value.name == model.root + "ManagementServer.Password" {
                    acsPassword = value.value
                    continue
                }
                if value.name == model.root + "ManagementServer.Username" { acsUsername = value.value }
                model.set(value.name, value: value.value)
            }
            for value in values { setCounts[value.name, default: 0] += 1 }
            for value in values where value.name.hasSuffix(".DiagnosticsState") && value.value == "Requested" {
                let object = String(value.name.dropLast("DiagnosticsState".count))
                if !pendingDiagnostics.contains(object) { pendingDiagnostics.append(object) }
            }
            parameterKey = key
            return .setParameterValuesResponse(status: 0)
        case .getParameterAttributes(let names):
            return .getParameterAttributesResponse(names.map { ParameterAttribute(name: $0, notification: 0) })
        case .setParameterAttributes:
            return .setParameterAttributesResponse
        case .addObject(let name, let key):
            guard name.hasSuffix("."), model.nodes[name] != nil else { return .fault(CWMPFault(code: .invalidParameterName, string: "Invalid object name")) }
            parameterKey = key
            return .addObjectResponse(instance: model.addInstance(name), status: 0)
        case .deleteObject(let name, let key):
            guard name.hasSuffix("."), model.nodes[name] != nil else { return .fault(CWMPFault(code: .invalidParameterName, string: "Invalid object name")) }
            model.delete(name)
            parameterKey = key
            return .deleteObjectResponse(status: 0)
        case .reboot(let key):
            pendingEvents = [InformEvent(code: InformEvent.boot), InformEvent(code: InformEvent.mReboot, commandKey: key)]
            return .rebootResponse
        case .factoryReset:
            pendingEvents = [InformEvent(code: InformEvent.bootstrap), InformEvent(code: InformEvent.boot)]
            parameterKey = ""
            return .factoryResetResponse
        case .scheduleInform:
            return .scheduleInformResponse
        case .getRPCMethods:
            return .getRPCMethodsResponse(["GetRPCMethods", "GetParameterNames", "GetParameterValues", "SetParameterValues",
                                           "GetParameterAttributes", "SetParameterAttributes", "AddObject", "DeleteObject",
                                           "Reboot", "FactoryReset", "ScheduleInform", "Download"])
        case .download(let request):
            guard request.url.hasPrefix("http://") || request.url.hasPrefix("https://") else { return .fault(CWMPFault(code: FaultCode(rawValue: 9013), string: "Unsupported protocol for file transfer")) }
            pendingDownload = request
            return .downloadResponse(status: 1, startTime: "0001-01-01T00:00:00Z", completeTime: "0001-01-01T00:00:00Z")
        case .informResponse, .transferCompleteResponse, .autonomousTransferCompleteResponse, .getRPCMethodsResponse, .fault:
            return .fault(CWMPFault(code: .requestDenied, string: "not an RPC"))
        }
    }
}

extension SimulatedCPE {
    /// Records the outcome of the pending download: the next session reports `7 TRANSFER COMPLETE`,
    /// `M Download` with its CommandKey and sends TransferComplete (with fault 9010 when `failure` is set).
    public mutating func finishDownload(bytes: Int, failure: String?, start: String, end: String) {
        guard let request = pendingDownload else { return }
        pendingDownload = nil
        if failure == nil { downloads.append((request.url, bytes)) }
        pendingTransfer = TransferComplete(commandKey: request.commandKey,
                                           fault: failure.map { CWMPFault(code: .downloadFailure, string: $0) },
                                           startTime: start, completeTime: end)
        pendingEvents.removeAll { $0.code == InformEvent.periodic }
        pendingEvents += [InformEvent(code: InformEvent.transferComplete), InformEvent(code: InformEvent.mDownload, commandKey: request.commandKey)]
    }
}
