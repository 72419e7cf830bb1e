/// Encodes CWMP messages into SOAP 1.1 envelopes in the peer's namespace version.
public struct CWMPEncoder: Sendable {
    /// Creates an encoder.
    public init() {}

    /// Encodes a message the ACS sends.
    public func encode(_ envelope: Envelope<ACSMessage>) -> String {
        wrap(envelope.version, envelope.id, body: Self.body(envelope.message))
    }

    /// Encodes a message a CPE sends (used by the CPE simulator).
    public func encode(_ envelope: Envelope<CPEMessage>) -> String {
        wrap(envelope.version, envelope.id, body: Self.body(envelope.message))
    }

    func wrap(_ version: CWMPVersion, _ id: String?, body: String) -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<soap-env:Envelope xmlns:soap-env=\"http://schemas.xmlsoap.org/soap/envelope/\" "
        out += "xmlns:soap-enc=\"http://schemas.xmlsoap.org/soap/encoding/\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" "
        out += "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:cwmp=\"\(version.namespace)\">"
        if let id {
            out += "<soap-env:Header><cwmp:ID soap-env:mustUnderstand=\"1\">\(Self.escape(id))</cwmp:ID></soap-env:Header>"
        }
        out += "<soap-env:Body>\(body)</soap-env:Body></soap-env:Envelope>"
        return out
    }

    /// Escapes text and attribute content.
    public static func escape(_ text: String) -> String {
        // The five characters are ASCII, and in UTF-8 an ASCII byte only ever stands for itself.
        guard text.utf8.contains(where: { $0 == 0x3C || $0 == 0x3E || $0 == 0x26 || $0 == 0x22 || $0 == 0x27 }) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 16)
        for byte in text.utf8 {
            switch byte {
            case 0x3C: out.append(contentsOf: "&lt;".utf8)
            case 0x3E: out.append(contentsOf: "&gt;".utf8)
            case 0x26: out.append(contentsOf: "&amp;".utf8)
            case 0x22: out.append(contentsOf: "&quot;".utf8)
            case 0x27: out.append(contentsOf: "&apos;".utf8)
            default: out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func element(_ name: String, _ value: String) -> String {
        "<\(name)>\(escape(value))</\(name)>"
    }

    static func method(_ name: String, _ content: String) -> String {
        "<cwmp:\(name)>\(content)</cwmp:\(name)>"
    }

    static func stringArray(_ name: String, _ itemName: String, _ items: [String], type: String = "xsd:string") -> String {
        "<\(name) soap-enc:arrayType=\"\(type)[\(items.count)]\">" + items.map { element(itemName, $0) }.joined() + "</\(name)>"
    }

    static func valueList(_ parameters: [ParameterValue]) -> String {
        "<ParameterList soap-enc:arrayType=\"cwmp:ParameterValueStruct[\(parameters.count)]\">"
            + parameters.map {
                "<ParameterValueStruct><Name>\(escape($0.name))</Name><Value xsi:type=\"\(escape($0.type))\">\(escape($0.value))</Value></ParameterValueStruct>"
            }.joined()
            + "</ParameterList>"
    }

    static func fault(_ fault: CWMPFault, client: Bool) -> String {
        var detail = element("FaultCode", String(fault.code.rawValue)) + element("FaultString", fault.string)
        for item in fault.parameterFaults {
            detail += "<SetParameterValuesFault>" + element("ParameterName", item.name) + element("FaultCode", String(item.code.rawValue))
                + element("FaultString", item.string) + "</SetParameterValuesFault>"
        }
        return "<soap-env:Fault><faultcode>\(client ? "Client" : "Server")</faultcode><faultstring>CWMP fault</faultstring>"
            + "<detail><cwmp:Fault>\(detail)</cwmp:Fault></detail></soap-env:Fault>"
    }

    static func body(_ message: ACSMessage) -> String {
        switch message {
        case .informResponse(let maxEnvelopes): method("InformResponse", element("MaxEnvelopes", String(maxEnvelopes)))
        case .transferCompleteResponse: method("TransferCompleteResponse", "")
        case .autonomousTransferCompleteResponse: method("AutonomousTransferCompleteResponse", "")
        case .getRPCMethodsResponse(let methods): method("GetRPCMethodsResponse", stringArray("MethodList", "string", methods))
        case .fault(let value): fault(value, client: value.code != .acsInternalError && value.code != .acsRetryRequest)
        case .getParameterNames(let path, let nextLevel):
            method("GetParameterNames", element("ParameterPath", path) + element("NextLevel", nextLevel ? "1" : "0"))
        case .getParameterValues(let names): method("GetParameterValues", stringArray("ParameterNames", "string", names))
        case .setParameterValues(let values, let key):
            method("SetParameterValues", valueList(values) + element("ParameterKey", key))
        case .getParameterAttributes(let names): method("GetParameterAttributes", stringArray("ParameterNames", "string", names))
        case .setParameterAttributes(let items):
            method("SetParameterAttributes", "<ParameterList soap-enc:arrayType=\"cwmp:SetParameterAttributesStruct[\(items.count)]\">"
                + items.map {
                    "<SetParameterAttributesStruct>" + element("Name", $0.name) + element("NotificationChange", $0.notificationChange ? "1" : "0")
                        + element("Notification", String($0.notification)) + element("AccessListChange", $0.accessListChange ? "1" : "0")
                        + stringArray("AccessList", "string", $0.accessList) + "</SetParameterAttributesStruct>"
                }.joined() + "</ParameterList>")
        case .addObject(let name, let key): method("AddObject", element("ObjectName", name) + element("ParameterKey", key))
        case .deleteObject(let name, let key): method("DeleteObject", element("ObjectName", name) + element("ParameterKey", key))
        case .reboot(let key): method("Reboot", element("CommandKey", key))
        case .factoryReset: method("FactoryReset", "")
        case .download(let request):
            method("Download", element("CommandKey", request.commandKey) + element("FileType", request.fileType) + element("URL", request.url)
                + element("Username", request.username) + element("Password", request.password)
                + element("FileSize", String(request.fileSize)) + element("TargetFileName", request.targetFileName)
                + element("DelaySeconds", String(request.delaySeconds)) + element("SuccessURL", "") + element("FailureURL", ""))
        case .scheduleInform(let delay, let key): method("ScheduleInform", element("DelaySeconds", String(delay)) + element("CommandKey", key))
        case .getRPCMethods: method("GetRPCMethods", "")
        }
    }

    static func transfer(_ name: String, _ value: TransferComplete) -> String {
        method(name, element("CommandKey", value.commandKey) + "<FaultStruct>"
            + element("FaultCode", String(value.fault?.code.rawValue ?? 0)) + element("FaultString", value.fault?.string ?? "")
            + "</FaultStruct>" + element("StartTime", value.startTime) + element("CompleteTime", value.completeTime))
    }

    static func body(_ message: CPEMessage) -> String {
        switch message {
        case .inform(let inform):
            method("Inform", "<DeviceId>" + element("Manufacturer", inform.device.manufacturer) + element("OUI", inform.device.oui)
                + element("ProductClass", inform.device.productClass) + element("SerialNumber", inform.device.serialNumber) + "</DeviceId>"
                + "<Event soap-enc:arrayType=\"cwmp:EventStruct[\(inform.events.count)]\">"
                + inform.events.map { "<EventStruct>" + element("EventCode", $0.code) + element("CommandKey", $0.commandKey) + "</EventStruct>" }.joined()
                + "</Event>" + element("MaxEnvelopes", String(inform.maxEnvelopes)) + element("CurrentTime", inform.currentTime)
                + element("RetryCount", String(inform.retryCount)) + valueList(inform.parameters))
        case .transferComplete(let value): transfer("TransferComplete", value)
        case .autonomousTransferComplete(let value): transfer("AutonomousTransferComplete", value)
        case .getRPCMethods: method("GetRPCMethods", "")
        case .fault(let value): fault(value, client: true)
        case .getParameterNamesResponse(let items):
            method("GetParameterNamesResponse", "<ParameterList soap-enc:arrayType=\"cwmp:ParameterInfoStruct[\(items.count)]\">"
                + items.map { "<ParameterInfoStruct>" + element("Name", $0.name) + element("Writable", $0.writable ? "1" : "0") + "</ParameterInfoStruct>" }.joined()
                + "</ParameterList>")
        case .getParameterValuesResponse(let values): method("GetParameterValuesResponse", valueList(values))
        case .setParameterValuesResponse(let status): method("SetParameterValuesResponse", element("Status", String(status)))
        case .getParameterAttributesResponse(let items):
            method("GetParameterAttributesResponse", "<ParameterList soap-enc:arrayType=\"cwmp:ParameterAttributeStruct[\(items.count)]\">"
                + items.map { "<ParameterAttributeStruct>" + element("Name", $0.name) + element("Notification", String($0.notification))
                    + stringArray("AccessList", "string", $0.accessList) + "</ParameterAttributeStruct>" }.joined()
                + "</ParameterList>")
        case .setParameterAttributesResponse: method("SetParameterAttributesResponse", "")
        case .addObjectResponse(let instance, let status):
            method("AddObjectResponse", element("InstanceNumber", String(instance)) + element("Status", String(status)))
        case .deleteObjectResponse(let status): method("DeleteObjectResponse", element("Status", String(status)))
        case .rebootResponse: method("RebootResponse", "")
        case .factoryResetResponse: method("FactoryResetResponse", "")
        case .downloadResponse(let status, let start, let complete):
            method("DownloadResponse", element("Status", String(status)) + element("StartTime", start) + element("CompleteTime", complete))
        case .scheduleInformResponse: method("ScheduleInformResponse", "")
        case .getRPCMethodsResponse(let methods): method("GetRPCMethodsResponse", stringArray("MethodList", "string", methods))
        }
    }
}
