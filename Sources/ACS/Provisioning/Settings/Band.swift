/// A Wi-Fi band of the abstract settings model.
public enum Band: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// 2.4 GHz.
    case ghz2 = "2.4GHz"
    /// 5 GHz.
    case ghz5 = "5GHz"

    /// Accepts `2.4GHz`, `2.4`, `5GHz` and `5`.
    public init?(text: String) {
        switch text.lowercased() {
        case "2.4ghz", "2.4", "2g", "2.4g": self = .ghz2
        case "5ghz", "5", "5g": self = .ghz5
        default: return nil
        }
    }

    /// Orders 2.4 GHz before 5 GHz.
    public static func < (lhs: Band, rhs: Band) -> Bool { lhs.rawValue < rhs.rawValue }
}
