/// How bad an alert is.
public enum AlertSeverity: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case info, warning, critical

    /// Orders info < warning < critical.
    public static func < (lhs: AlertSeverity, rhs: AlertSeverity) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// Where a rule or a maintenance window applies.
public enum AlertScope: String, Sendable, Hashable, Codable, CaseIterable {
    /// Every device of the provider (CPEs only when the rule asks).
    case provider
    /// The devices of one POP.
    case pop
    /// The devices of one device group.
    case group
    /// One device.
    case device
}
