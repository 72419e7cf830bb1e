import Foundation

/// An address range swept for SNMP agents under a POP.
public struct DiscoveryRange: Sendable, Codable, Hashable {
    /// Its id.
    public var id: UUID
    /// The POP found devices are created under.
    public var popId: UUID
    /// `a.b.c.d/n`, at most a /20.
    public var cidr: String
    /// The agents' UDP port.
    public var port: Int
    /// Seconds between sweeps; `nil` sweeps only on demand.
    public var everySeconds: Int?
    /// Whether the schedule runs it.
    public var enabled: Bool
    /// When the last sweep finished.
    public var lastRunAt: Date?
    /// Agents the last sweep found.
    public var lastFound: Int?
    /// The last sweep's error, if it failed.
    public var lastError: String?
    /// How the last sweep used ICMP: `used`, `off`, or why it was unavailable (then SNMP alone ran).
    public var lastIcmp: String?
    /// Addresses that answered ICMP echo but no SNMP credential in the last sweep (not made devices).
    public var lastIcmpOnly: [String]
    /// Creation time.
    public var createdAt: Date
}

/// What the API sends to create a range.
public struct DiscoveryRangeInput: Sendable, Codable, Hashable {
    /// The POP (required).
    public var popId: UUID?
    /// `a.b.c.d/n` (required, at most a /20).
    public var cidr: String?
    /// UDP port (default 161).
    public var port: Int?
    /// Seconds between sweeps (at least 300), or none for on-demand only.
    public var everySeconds: Int?

    /// Creates an input.
    public init(popId: UUID? = nil, cidr: String? = nil, port: Int? = nil, everySeconds: Int? = nil) {
        self.popId = popId
        self.cidr = cidr
        self.port = port
        self.everySeconds = everySeconds
    }
}

/// What one sweep did.
public struct DiscoveryOutcome: Sendable, Codable, Hashable {
    /// Addresses probed.
    public var probed: Int
    /// Agents that answered.
    public var found: Int
    /// Devices created.
    public var created: Int
    /// Devices updated.
    public var updated: Int
    /// `used`, `off`, or why ICMP was unavailable (the sweep then used SNMP alone).
    public var icmp: String = "off"
    /// Addresses that answered ICMP echo (`nil` when ICMP was not used).
    public var icmpAnswered: Int?
    /// Addresses that answered ICMP echo but no SNMP credential, in address order.
    public var icmpOnly: [String] = []
}
