/// What a CPE sends to the ACS: its own requests and its answers to the ACS's RPCs.
public enum CPEMessage: Sendable, Hashable {
    /// Inform: opens a session.
    case inform(Inform)
    /// TransferComplete: settles a Download the ACS asked for.
    case transferComplete(TransferComplete)
    /// AutonomousTransferComplete: a transfer the CPE started by itself.
    case autonomousTransferComplete(TransferComplete)
    /// GetRPCMethods asked by the CPE.
    case getRPCMethods
    /// A fault answering the ACS's last RPC.
    case fault(CWMPFault)
    /// Answer to GetParameterNames.
    case getParameterNamesResponse([ParameterInfo])
    /// Answer to GetParameterValues.
    case getParameterValuesResponse([ParameterValue])
    /// Answer to SetParameterValues (status 0 applied, 1 applied after reboot).
    case setParameterValuesResponse(status: Int)
    /// Answer to GetParameterAttributes.
    case getParameterAttributesResponse([ParameterAttribute])
    /// Answer to SetParameterAttributes.
    case setParameterAttributesResponse
    /// Answer to AddObject with the new instance number.
    case addObjectResponse(instance: Int, status: Int)
    /// Answer to DeleteObject.
    case deleteObjectResponse(status: Int)
    /// Answer to Reboot.
    case rebootResponse
    /// Answer to FactoryReset.
    case factoryResetResponse
    /// Answer to Download (status 0 done, 1 pending a TransferComplete).
    case downloadResponse(status: Int, startTime: String, completeTime: String)
    /// Answer to ScheduleInform.
    case scheduleInformResponse
    /// Answer to the ACS's GetRPCMethods.
    case getRPCMethodsResponse([String])
}
