/// A CWMP protocol version, named by its SOAP namespace. The ACS answers in the CPE's own namespace.
public enum CWMPVersion: Int, Sendable, Hashable, CaseIterable, Comparable {
    /// `urn:dslforum-org:cwmp-1-0`.
    case v1_0 = 0
    /// `urn:dslforum-org:cwmp-1-1`.
    case v1_1
    /// `urn:dslforum-org:cwmp-1-2`.
    case v1_2
    /// `urn:dslforum-org:cwmp-1-3`.
    case v1_3
    /// `urn:dslforum-org:cwmp-1-4`.
    case v1_4

    /// The namespace URI.
    public var namespace: String { "urn:dslforum-org:cwmp-1-\(rawValue)" }

    /// The version whose namespace is `uri`, or `nil` for any other URI.
    public init?(namespace uri: String) {
        let prefix = "urn:dslforum-org:cwmp-1-"
        guard uri.hasPrefix(prefix), let minor = Int(uri.dropFirst(prefix.count)), let version = CWMPVersion(rawValue: minor) else {
            return nil
        }
        self = version
    }

    /// Orders by minor version.
    public static func < (lhs: CWMPVersion, rhs: CWMPVersion) -> Bool { lhs.rawValue < rhs.rawValue }
}
