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
    /// The public UDP address of its UDP connection-request binding, learned through STUN (TR-111);
    /// reported in every Inform while set, as TR-111 requires.
    public var udpConnectionRequestAddress: String?
    /// Whether it finds itself behind NAT (reported as ManagementServer.NATDetected with the address).
    public var natDetected = false
    /// Its XMPP connection-request JID (Annex K), reported as ManagementServer.ConnReqJabberID while set.
    public var jabberID: String?

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
        if let udpConnectionRequestAddress {
            parameters.append(ParameterValue(name: root + "ManagementServer.UDPConnectionRequestAddress", value: udpConnectionRequestAddress))
            parameters.append(ParameterValue(name: root + "ManagementServer.NATDetected", value: natDetected ? "true" : "false", type: "xsd:boolean"))
        }
        if let jabberID {
            parameters.append(ParameterValue(name: root + "ManagementServer.ConnReqJabberID", value: jabberID))
        }
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

extension SimulatedCPE {
    /// What its ManagementServer.STUN* parameters say (TR-111): nil while STUNEnable is false or no
    /// server is set.
    public var stunSettings: STUNSettings? {
        let base = model.root + "ManagementServer."
        guard let enabled = model.nodes[base + "STUNEnable"].flatMap({ XSD.boolean($0.value) }), enabled,
              let server = model.nodes[base + "STUNServerAddress"]?.value, !server.isEmpty else { return nil }
        let port = model.nodes[base + "STUNServerPort"].flatMap { Int($0.value) } ?? 3478
        let username = model.nodes[base + "STUNUsername"]?.value ?? ""
        let keepAlive = model.nodes[base + "STUNMinimumKeepAlivePeriod"].flatMap { Int($0.value) } ?? 30
        return STUNSettings(server: server, port: port, username: username, keepAlive: max(1, keepAlive))
    }

    /// Turns STUN on with `server`:`port` and `username`, as an ACS's SetParameterValues would.
    public mutating func enableSTUN(server: String, port: Int, username: String, keepAlive: Int = 10) {
        let base = model.root + "ManagementServer."
        model.set(base + "STUNEnable", value: "true")
        model.set(base + "STUNServerAddress", value: server)
        model.set(base + "STUNServerPort", value: "\(port)")
        model.set(base + "STUNUsername", value: username)
        model.set(base + "STUNMinimumKeepAlivePeriod", value: "\(keepAlive)")
    }

    /// Records the binding STUN reported; the model's UDPConnectionRequestAddress and NATDetected follow.
    public mutating func setUDPBinding(_ address: String, natDetected: Bool) {
        udpConnectionRequestAddress = address
        self.natDetected = natDetected
        let base = model.root + "ManagementServer."
        if model.nodes[base + "UDPConnectionRequestAddress"] != nil { model.set(base + "UDPConnectionRequestAddress", value: address) }
        if model.nodes[base + "NATDetected"] != nil { model.set(base + "NATDetected", value: natDetected ? "true" : "false") }
    }

    /// Records the JID its XMPP session bound; the model's ConnReqJabberID follows.
    public mutating func setJabberID(_ jid: String) {
        jabberID = jid
        let path = model.root + "ManagementServer.ConnReqJabberID"
        if model.nodes[path] != nil { model.set(path, value: jid) }
    }
}

/// A CPE's STUN client settings (ManagementServer.STUN*).
public struct STUNSettings: Sendable, Hashable {
    /// STUNServerAddress.
    public var server: String
    /// STUNServerPort.
    public var port: Int
    /// STUNUsername.
    public var username: String
    /// Seconds between Binding requests (STUNMinimumKeepAlivePeriod).
    public var keepAlive: Int

    /// Creates settings.
    public init(server: String, port: Int = 3478, username: String, keepAlive: Int = 30) {
        self.server = server
        self.port = port
        self.username = username
        self.keepAlive = keepAlive
    }
}
