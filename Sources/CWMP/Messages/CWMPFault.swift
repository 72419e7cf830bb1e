/// A CWMP fault as a value: sent by the ACS to refuse a CPE request, or received from the CPE in
/// answer to an RPC. Never thrown.
public struct CWMPFault: Sendable, Hashable {
    /// One failing parameter of a SetParameterValues.
    public struct ParameterFault: Sendable, Hashable {
        /// The parameter's full name.
        public var name: String
        /// Its fault code.
        public var code: FaultCode
        /// Its fault string.
        public var string: String
        /// Creates a parameter fault.
        public init(name: String, code: FaultCode, string: String) {
            self.name = name
            self.code = code
            self.string = string
        }
    }

    /// The fault code.
    public var code: FaultCode
    /// The human-readable fault string.
    public var string: String
    /// Per-parameter faults of a SetParameterValues.
    public var parameterFaults: [ParameterFault]

    /// Creates a fault.
    public init(code: FaultCode, string: String, parameterFaults: [ParameterFault] = []) {
        self.code = code
        self.string = string
        self.parameterFaults = parameterFaults
    }
}
