/// What the ACS sends to a CPE: answers to the CPE's requests and the RPCs it asks the CPE to run.
public enum ACSMessage: Sendable, Hashable {
    /// Answer to Inform; the ACS always offers MaxEnvelopes 1.
    case informResponse(maxEnvelopes: Int)
    /// Answer to TransferComplete.
    case transferCompleteResponse
    /// Answer to AutonomousTransferComplete.
    case autonomousTransferCompleteResponse
    /// Answer to the CPE's GetRPCMethods.
    case getRPCMethodsResponse([String])
    /// A fault refusing the CPE's request.
    case fault(CWMPFault)
    /// GetParameterNames.
    case getParameterNames(path: String, nextLevel: Bool)
    /// GetParameterValues.
    case getParameterValues([String])
    /// SetParameterValues.
    case setParameterValues([ParameterValue], parameterKey: String)
    /// GetParameterAttributes.
    case getParameterAttributes([String])
    /// SetParameterAttributes.
    case setParameterAttributes([SetParameterAttribute])
    /// AddObject (name ends with a dot).
    case addObject(name: String, parameterKey: String)
    /// DeleteObject (instance name ends with a dot).
    case deleteObject(name: String, parameterKey: String)
    /// Reboot.
    case reboot(commandKey: String)
    /// FactoryReset.
    case factoryReset
    /// Download.
    case download(DownloadRequest)
    /// ScheduleInform.
    case scheduleInform(delaySeconds: Int, commandKey: String)
    /// GetRPCMethods asked by the ACS.
    case getRPCMethods

    /// The methods this ACS answers when a CPE asks.
    public static let supportedMethods = ["Inform", "GetRPCMethods", "TransferComplete", "AutonomousTransferComplete"]

    /// The SOAP method name of this message.
    public var methodName: String {
        switch self {
        case .informResponse: "InformResponse"
        case .transferCompleteResponse: "TransferCompleteResponse"
        case .autonomousTransferCompleteResponse: "AutonomousTransferCompleteResponse"
        case .getRPCMethodsResponse: "GetRPCMethodsResponse"
        case .fault: "Fault"
        case .getParameterNames: "GetParameterNames"
        case .getParameterValues: "GetParameterValues"
        case .setParameterValues: "SetParameterValues"
        case .getParameterAttributes: "GetParameterAttributes"
        case .setParameterAttributes: "SetParameterAttributes"
        case .addObject: "AddObject"
        case .deleteObject: "DeleteObject"
        case .reboot: "Reboot"
        case .factoryReset: "FactoryReset"
        case .download: "Download"
        case .scheduleInform: "ScheduleInform"
        case .getRPCMethods: "GetRPCMethods"
        }
    }
}
