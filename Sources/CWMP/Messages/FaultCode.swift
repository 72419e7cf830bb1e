/// A CWMP fault code: ACS faults 8000–8005, CPE faults 9000–9032 and vendor faults 9800–9899. Any
/// other number a device sends is kept as is.
public struct FaultCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The numeric code.
    public var rawValue: Int
    /// Wraps a numeric code.
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// ACS: method not supported.
    public static let acsMethodNotSupported = FaultCode(rawValue: 8000)
    /// ACS: request denied.
    public static let acsRequestDenied = FaultCode(rawValue: 8001)
    /// ACS: internal error.
    public static let acsInternalError = FaultCode(rawValue: 8002)
    /// ACS: invalid arguments.
    public static let acsInvalidArguments = FaultCode(rawValue: 8003)
    /// ACS: resources exceeded.
    public static let acsResourcesExceeded = FaultCode(rawValue: 8004)
    /// ACS: retry request.
    public static let acsRetryRequest = FaultCode(rawValue: 8005)
    /// CPE: method not supported.
    public static let methodNotSupported = FaultCode(rawValue: 9000)
    /// CPE: request denied.
    public static let requestDenied = FaultCode(rawValue: 9001)
    /// CPE: internal error.
    public static let internalError = FaultCode(rawValue: 9002)
    /// CPE: invalid arguments.
    public static let invalidArguments = FaultCode(rawValue: 9003)
    /// CPE: resources exceeded.
    public static let resourcesExceeded = FaultCode(rawValue: 9004)
    /// CPE: invalid parameter name.
    public static let invalidParameterName = FaultCode(rawValue: 9005)
    /// CPE: invalid parameter type.
    public static let invalidParameterType = FaultCode(rawValue: 9006)
    /// CPE: invalid parameter value.
    public static let invalidParameterValue = FaultCode(rawValue: 9007)
    /// CPE: attempt to set a non-writable parameter.
    public static let notWritable = FaultCode(rawValue: 9008)
    /// CPE: download failure.
    public static let downloadFailure = FaultCode(rawValue: 9010)

    /// Which party and range the code belongs to.
    public enum Category: Sendable, Hashable {
        /// 8000–8005 (and the rest of 8000–8999).
        case acs
        /// 9000–9032 and the other standard 9xxx codes below 9800.
        case cpe
        /// 9800–9899.
        case vendor
        /// Anything else a device made up.
        case unknown
    }

    /// The code's category.
    public var category: Category {
        switch rawValue {
        case 8000...8999: .acs
        case 9800...9899: .vendor
        case 9000...9799: .cpe
        default: .unknown
        }
    }

    /// The number.
    public var description: String { String(rawValue) }
}
