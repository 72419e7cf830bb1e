/// The record types the DNS lookup asks for and decodes (RFC 1035, 3596, 8659).
public enum DNSRecordType: String, Sendable, Hashable, Codable, CaseIterable {
    case a = "A", ns = "NS", cname = "CNAME", soa = "SOA", ptr = "PTR", mx = "MX", txt = "TXT", aaaa = "AAAA", caa = "CAA"

    /// The wire code.
    public var code: UInt16 {
        switch self {
        case .a: 1
        case .ns: 2
        case .cname: 5
        case .soa: 6
        case .ptr: 12
        case .mx: 15
        case .txt: 16
        case .aaaa: 28
        case .caa: 257
        }
    }

    /// The type with `code`, `nil` for others.
    public init?(code: UInt16) {
        guard let known = Self.allCases.first(where: { $0.code == code }) else { return nil }
        self = known
    }

    /// The mnemonic of any code (`TYPE46` for unknown ones, RFC 3597).
    public static func name(of code: UInt16) -> String {
        switch code {
        case 41: "OPT"
        case 43: "DS"
        case 46: "RRSIG"
        case 47: "NSEC"
        case 48: "DNSKEY"
        default: DNSRecordType(code: code)?.rawValue ?? "TYPE\(code)"
        }
    }
}
