/// Decodes SOAP envelopes into CWMP messages. Tolerant of real devices (missing Header or `cwmp:ID`,
/// any namespace prefixes, odd-case event codes, `arrayType` counts that disagree with the items,
/// which are ignored) and strict about XML itself (no DTDs or entities, size and depth limits).
public struct CWMPDecoder: Sendable {
    /// The XML limits applied before anything else.
    public var limits: XMLTreeParser.Limits

    /// Creates a decoder.
    public init(limits: XMLTreeParser.Limits = XMLTreeParser.Limits()) {
        self.limits = limits
    }

    /// Decodes a body a CPE sent.
    public func decodeCPE(_ bytes: [UInt8]) throws(CWMPDecodeError) -> Envelope<CPEMessage> {
        let (version, id, body) = try open(bytes)
        return Envelope(version: version, id: id, message: try Self.cpeMessage(body))
    }

    /// Decodes a body an ACS sent (used by the CPE simulator and round-trip tests).
    public func decodeACS(_ bytes: [UInt8]) throws(CWMPDecodeError) -> Envelope<ACSMessage> {
        let (version, id, body) = try open(bytes)
        return Envelope(version: version, id: id, message: try Self.acsMessage(body))
    }

    /// Parses the XML and returns the version, the `cwmp:ID` and the Body's message element.
    func open(_ bytes: [UInt8]) throws(CWMPDecodeError) -> (CWMPVersion, String?, XMLElement) {
        let root: XMLElement
        do {
            root = try XMLTreeParser(limits: limits).parse(bytes)
        } catch {
            switch error.code {
            case .tooLarge: throw CWMPDecodeError(.tooLarge, error.context)
            case .forbiddenDeclaration: throw CWMPDecodeError(.forbiddenDeclaration, error.context)
            case .tooDeep, .tooManyElements, .malformed: throw CWMPDecodeError(.malformedXML, error.description)
            }
        }
        guard root.name == "Envelope" else { throw CWMPDecodeError(.notCWMP, "root element is <\(root.name)>, not a SOAP Envelope") }
        guard let body = root.child("Body") else { throw CWMPDecodeError(.notCWMP, "SOAP Body missing") }
        guard let message = body.children.first else { throw CWMPDecodeError(.notCWMP, "SOAP Body is empty") }
        let id = root.child("Header")?.child("ID").map { $0.text.trimmed }
        var version: CWMPVersion?
        // The namespace of the message's prefix, declared on the message, the Body or the Envelope.
        let prefix = message.name == "Fault" ? (message.child("detail")?.child("Fault")?.prefix ?? "cwmp") : message.prefix
        for element in [message, body, root] {
            if let uri = element.namespaceDeclaration(for: prefix), let found = CWMPVersion(namespace: uri) {
                version = found
                break
            }
        }
        if version == nil {
            let declared = root.attributes.values.compactMap(CWMPVersion.init(namespace:))
            version = declared.max()
        }
        return (version ?? .v1_0, id, message)
    }

    static func cpeMessage(_ element: XMLElement) throws(CWMPDecodeError) -> CPEMessage {
        switch element.name {
        case "Inform": return .inform(try inform(element))
        case "TransferComplete": return .transferComplete(try transferComplete(element))
        case "AutonomousTransferComplete": return .autonomousTransferComplete(try transferComplete(element))
        case "GetRPCMethods": return .getRPCMethods
        case "Fault": return .fault(try fault(element))
        case "GetParameterNamesResponse":
            return .getParameterNamesResponse(list(element, "ParameterList").map { item in
                ParameterInfo(name: item.child("Name")?.text.trimmed ?? "", writable: XSD.boolean(item.child("Writable")?.text ?? "") ?? false)
            }.filter { !$0.name.isEmpty })
        case "GetParameterValuesResponse":
            return .getParameterValuesResponse(parameterValues(element))
        case "SetParameterValuesResponse":
            return .setParameterValuesResponse(status: int(element, "Status") ?? 0)
        case "GetParameterAttributesResponse":
            return .getParameterAttributesResponse(list(element, "ParameterList").map { item in
                ParameterAttribute(name: item.child("Name")?.text.trimmed ?? "",
                                   notification: Int(item.child("Notification")?.text.trimmed ?? "") ?? 0,
                                   accessList: item.child("AccessList")?.children.map { $0.text.trimmed } ?? [])
            })
        case "SetParameterAttributesResponse": return .setParameterAttributesResponse
        case "AddObjectResponse":
            guard let instance = int(element, "InstanceNumber") else { throw CWMPDecodeError(.invalidArguments, "AddObjectResponse without InstanceNumber") }
            return .addObjectResponse(instance: instance, status: int(element, "Status") ?? 0)
        case "DeleteObjectResponse": return .deleteObjectResponse(status: int(element, "Status") ?? 0)
        case "RebootResponse": return .rebootResponse
        case "FactoryResetResponse": return .factoryResetResponse
        case "DownloadResponse":
            return .downloadResponse(status: int(element, "Status") ?? 0, startTime: text(element, "StartTime"),
                                     completeTime: text(element, "CompleteTime"))
        case "ScheduleInformResponse": return .scheduleInformResponse
        case "GetRPCMethodsResponse":
            return .getRPCMethodsResponse(list(element, "MethodList").map { $0.text.trimmed })
        default:
            throw CWMPDecodeError(.unknownMethod, "unknown CPE method \(element.name)")
        }
    }

    static func acsMessage(_ element: XMLElement) throws(CWMPDecodeError) -> ACSMessage {
        switch element.name {
        case "InformResponse": return .informResponse(maxEnvelopes: int(element, "MaxEnvelopes") ?? 1)
        case "TransferCompleteResponse": return .transferCompleteResponse
        case "AutonomousTransferCompleteResponse": return .autonomousTransferCompleteResponse
        case "GetRPCMethodsResponse": return .getRPCMethodsResponse(list(element, "MethodList").map { $0.text.trimmed })
        case "Fault": return .fault(try fault(element))
        case "GetParameterNames":
            return .getParameterNames(path: text(element, "ParameterPath"), nextLevel: XSD.boolean(text(element, "NextLevel")) ?? false)
        case "GetParameterValues": return .getParameterValues(list(element, "ParameterNames").map { $0.text.trimmed })
        case "SetParameterValues": return .setParameterValues(parameterValues(element), parameterKey: text(element, "ParameterKey"))
        case "GetParameterAttributes": return .getParameterAttributes(list(element, "ParameterNames").map { $0.text.trimmed })
        case "SetParameterAttributes":
            return .setParameterAttributes(list(element, "ParameterList").map { item in
                SetParameterAttribute(name: item.child("Name")?.text.trimmed ?? "",
                                      notificationChange: XSD.boolean(item.child("NotificationChange")?.text ?? "") ?? false,
                                      notification: Int(item.child("Notification")?.text.trimmed ?? "") ?? 0,
                                      accessListChange: XSD.boolean(item.child("AccessListChange")?.text ?? "") ?? false,
                                      accessList: item.child("AccessList")?.children.map { $0.text.trimmed } ?? [])
            })
        case "AddObject": return .addObject(name: text(element, "ObjectName"), parameterKey: text(element, "ParameterKey"))
        case "DeleteObject": return .deleteObject(name: text(element, "ObjectName"), parameterKey: text(element, "ParameterKey"))
        case "Reboot": return .reboot(commandKey: text(element, "CommandKey"))
        case "FactoryReset": return .factoryReset
        case "Download":
            return .download(DownloadRequest(commandKey: text(element, "CommandKey"), fileType: text(element, "FileType"),
                                             url: text(element, "URL"), username: text(element, "Username"),
                                             password: text(element, "Password"), fileSize: int(element, "FileSize") ?? 0,
                                             targetFileName: text(element, "TargetFileName"),
                                             delaySeconds: int(element, "DelaySeconds") ?? 0))
        case "ScheduleInform":
            return .scheduleInform(delaySeconds: int(element, "DelaySeconds") ?? 0, commandKey: text(element, "CommandKey"))
        case "GetRPCMethods": return .getRPCMethods
        default:
            throw CWMPDecodeError(.unknownMethod, "unknown ACS method \(element.name)")
        }
    }

    static func inform(_ element: XMLElement) throws(CWMPDecodeError) -> Inform {
        guard let id = element.child("DeviceId") else { throw CWMPDecodeError(.invalidArguments, "Inform without DeviceId") }
        let device = DeviceIdentity(manufacturer: text(id, "Manufacturer"), oui: text(id, "OUI"),
                                    productClass: text(id, "ProductClass"), serialNumber: text(id, "SerialNumber"))
        guard !device.oui.isEmpty, !device.serialNumber.isEmpty else {
            throw CWMPDecodeError(.invalidArguments, "Inform DeviceId lacks OUI or SerialNumber")
        }
        let events = list(element, "Event").map { InformEvent(code: text($0, "EventCode"), commandKey: text($0, "CommandKey")) }
            .filter { !$0.code.isEmpty }
        return Inform(device: device, events: events, maxEnvelopes: int(element, "MaxEnvelopes") ?? 1,
                      currentTime: text(element, "CurrentTime"), retryCount: int(element, "RetryCount") ?? 0,
                      parameters: parameterValues(element))
    }

    static func transferComplete(_ element: XMLElement) throws(CWMPDecodeError) -> TransferComplete {
        var fault: CWMPFault?
        if let node = element.child("FaultStruct"), let code = Int(text(node, "FaultCode")), code != 0 {
            fault = CWMPFault(code: FaultCode(rawValue: code), string: text(node, "FaultString"))
        }
        return TransferComplete(commandKey: text(element, "CommandKey"), fault: fault, startTime: text(element, "StartTime"),
                                completeTime: text(element, "CompleteTime"))
    }

    static func fault(_ element: XMLElement) throws(CWMPDecodeError) -> CWMPFault {
        guard let detail = element.child("detail")?.child("Fault"), let code = Int(text(detail, "FaultCode")) else {
            throw CWMPDecodeError(.invalidArguments, "SOAP Fault without a CWMP FaultCode")
        }
        let parameters = detail.children(named: "SetParameterValuesFault").map { item in
            CWMPFault.ParameterFault(name: text(item, "ParameterName"), code: FaultCode(rawValue: Int(text(item, "FaultCode")) ?? 0),
                                     string: text(item, "FaultString"))
        }
        return CWMPFault(code: FaultCode(rawValue: code), string: text(detail, "FaultString"), parameterFaults: parameters)
    }

    static func parameterValues(_ element: XMLElement) -> [ParameterValue] {
        list(element, "ParameterList").compactMap { item in
            guard let name = item.child("Name")?.text.trimmed, !name.isEmpty else { return nil }
            let value = item.child("Value")
            let type = value?.attribute(local: "type")?.trimmed
            return ParameterValue(name: name, value: value?.text ?? "", type: type.flatMap { $0.isEmpty ? nil : $0 } ?? "xsd:string")
        }
    }

    /// The items of an array argument; the `arrayType` count is never trusted.
    static func list(_ element: XMLElement, _ name: String) -> [XMLElement] {
        element.child(name)?.children ?? []
    }

    static func text(_ element: XMLElement, _ name: String) -> String {
        element.child(name)?.text.trimmed ?? ""
    }

    static func int(_ element: XMLElement, _ name: String) -> Int? {
        element.child(name).flatMap { Int($0.text.trimmed) }
    }
}

extension String {
    /// Without leading and trailing blanks (any Unicode whitespace; visible ASCII at both ends costs
    /// no copy, unlike Foundation's `trimmingCharacters(in:)`).
    public var trimmed: String {
        // Fast path: empty, or both ends are visible ASCII (neither is whitespace of any kind).
        guard let first = utf8.first, let last = utf8.last else { return self }
        if first > 0x20, first < 0x7F, last > 0x20, last < 0x7F { return self }
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view.removeFirst() }
        while let last = view.last, last.isWhitespace { view.removeLast() }
        return String(view)
    }
}
