/// Something the session learned that the ACS must persist or report; the state machine itself does no I/O.
public enum SessionEffect: Sendable, Hashable {
    /// The Inform that opened the session (register the device, store its parameters and events).
    case informed(Inform)
    /// Parameter names discovered (with their writable flags).
    case discoveredNames([ParameterInfo])
    /// Parameter values discovered or refreshed.
    case discoveredValues([ParameterValue])
    /// An RPC the CPE answered successfully, with its answer.
    case completed(PendingRPC, CPEMessage)
    /// An RPC the CPE answered with a fault.
    case faulted(PendingRPC, CWMPFault)
    /// A transfer outcome the CPE reported.
    case transferCompleted(TransferComplete, autonomous: Bool)
    /// An RPC that was sent and never answered (idle timeout or an empty POST instead of a response).
    case abandoned(PendingRPC)
    /// The session ended; the ACS releases the device's session lock.
    case ended(SessionEnd)
}

/// How a session ended.
public enum SessionEnd: Sendable, Hashable {
    /// The ACS had nothing more to ask and answered 204.
    case completed
    /// No request within the idle timeout.
    case idleTimeout
    /// The CPE broke the protocol; the session was refused.
    case protocolError
}
