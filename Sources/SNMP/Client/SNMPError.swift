/// An SNMP operation failure, with a machine-readable code and human-readable context.
public struct SNMPError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: String, Hashable, Sendable {
        /// No response after every retry.
        case timeout
        /// The agent reported a wrong digest, or a response failed HMAC verification.
        case authenticationFailure
        /// The agent does not know the USM user.
        case unknownUser
        /// The agent does not support the requested security level for the user.
        case unsupportedSecurityLevel
        /// Engine discovery failed.
        case unknownEngineID
        /// The message was outside the time window even after resynchronization.
        case notInTimeWindow
        /// The agent could not decrypt the request, or the response could not be decrypted.
        case decryptionError
        /// The response could not be decoded.
        case malformedResponse
        /// The agent answered with a non-zero error-status.
        case agentError
        /// The agent answered with a Report PDU the engine does not handle.
        case report
        /// The client is closed or was never started.
        case closed
        /// An argument was invalid (bad OID, bad credentials…).
        case invalidArgument
        /// A walk stopped because the agent returned OIDs that did not increase.
        case nonIncreasingOID
        /// A socket error.
        case transport
    }

    /// The kind of failure.
    public var code: Code
    /// Details: the target, the OID, the status, the underlying error.
    public var context: String
    /// For ``Code/agentError``: the error-status and error-index.
    public var errorStatus: Int32
    /// For ``Code/agentError``: the one-based index of the failing varbind.
    public var errorIndex: Int32

    /// Creates an error.
    public init(_ code: Code, _ context: String = "", errorStatus: Int32 = 0, errorIndex: Int32 = 0) {
        self.code = code
        self.context = context
        self.errorStatus = errorStatus
        self.errorIndex = errorIndex
    }

    /// A one-line description suitable for a terminal.
    public var description: String {
        let base: String
        switch code {
        case .timeout: base = "Timeout: no response"
        case .authenticationFailure: base = "Authentication failure (wrong digest or password)"
        case .unknownUser: base = "Unknown user name"
        case .unsupportedSecurityLevel: base = "Unsupported security level"
        case .unknownEngineID: base = "Engine discovery failed"
        case .notInTimeWindow: base = "Message not in time window"
        case .decryptionError: base = "Decryption error (wrong privacy password or protocol)"
        case .malformedResponse: base = "Malformed response"
        case .agentError:
            let name = ErrorStatus(rawValue: Int(errorStatus)).map { "\($0)" } ?? "error \(errorStatus)"
            base = "Agent error: \(name) at index \(errorIndex)"
        case .report: base = "Unexpected report"
        case .closed: base = "Client closed"
        case .invalidArgument: base = "Invalid argument"
        case .nonIncreasingOID: base = "OID not increasing"
        case .transport: base = "Transport error"
        }
        return context.isEmpty ? base : "\(base): \(context)"
    }
}
