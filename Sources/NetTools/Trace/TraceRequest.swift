/// A path measurement: probes with rising TTL toward one IPv4 target. A traceroute is a few rounds
/// sent back to back (`rounds` probes per hop); an MTR is many rounds, one every `intervalMs`, with
/// per-hop statistics updated after each.
public struct TraceRequest: Sendable, Hashable, Codable {
    /// How the probes travel.
    public enum ProbeProtocol: String, Sendable, Hashable, Codable, CaseIterable {
        /// ICMP echo requests; the destination answers with an echo reply.
        case icmp
        /// UDP datagrams to high ports (33434 and up); the destination answers port unreachable.
        case udp
    }

    /// An IPv4 address or a host name.
    public var target: String
    /// ICMP or UDP probes.
    public var `protocol`: ProbeProtocol
    /// The highest TTL tried (1…64).
    public var maxHops: Int
    /// Rounds: probes per hop (1…1000).
    public var rounds: Int
    /// Milliseconds between the starts of two rounds (0…60000).
    public var intervalMs: Int
    /// Milliseconds a round waits for its replies (100…10000).
    public var timeoutMs: Int

    /// Creates a request.
    public init(target: String, protocol: ProbeProtocol = .icmp, maxHops: Int = 30, rounds: Int = 3,
                intervalMs: Int = 0, timeoutMs: Int = 1000) {
        self.target = target
        self.protocol = `protocol`
        self.maxHops = maxHops
        self.rounds = rounds
        self.intervalMs = intervalMs
        self.timeoutMs = timeoutMs
    }

    /// Checks the bounds; the error names the field.
    public func validate() throws(NetToolError) {
        try Bounds.check(maxHops, 1...64, "maxHops")
        try Bounds.check(rounds, 1...1000, "rounds")
        try Bounds.check(intervalMs, 0...60_000, "intervalMs")
        try Bounds.check(timeoutMs, 100...10_000, "timeoutMs")
        try Bounds.host(target, "target")
    }
}

/// One hop of a path: who answered and the statistics of its round trips (MTR's Loss%, Snt, Last,
/// Avg, Best, Wrst, StDev).
public struct HopStatistics: Sendable, Hashable, Codable {
    /// The TTL.
    public var hop: Int
    /// The address that answered most recently (`nil` while nothing answered: `* * *`).
    public var address: String?
    /// Every address that answered at this TTL (load balancing shows several).
    public var addresses: [String]
    /// Probes sent.
    public var sent: Int
    /// Replies received.
    public var received: Int
    /// Lost probes in percent.
    public var lossPercent: Double
    /// The last round trip (ms).
    public var lastMs: Double?
    /// Mean (ms).
    public var avgMs: Double?
    /// Shortest (ms).
    public var bestMs: Double?
    /// Longest (ms).
    public var worstMs: Double?
    /// Standard deviation (ms).
    public var stdevMs: Double?
    /// Every round trip in round order (`nil` = lost), for the per-hop chart.
    public var samples: [Double?]

    /// Creates a hop.
    public init(hop: Int, address: String?, addresses: [String], sent: Int, received: Int, lossPercent: Double, lastMs: Double?,
                avgMs: Double?, bestMs: Double?, worstMs: Double?, stdevMs: Double?, samples: [Double?]) {
        self.hop = hop
        self.address = address
        self.addresses = addresses
        self.sent = sent
        self.received = received
        self.lossPercent = lossPercent
        self.lastMs = lastMs
        self.avgMs = avgMs
        self.bestMs = bestMs
        self.worstMs = worstMs
        self.stdevMs = stdevMs
        self.samples = samples
    }
}

/// The state of a path measurement after a round.
public struct PathReport: Sendable, Hashable, Codable {
    /// The address probed.
    public var target: String
    /// Rounds completed.
    public var round: Int
    /// Whether the target itself answered.
    public var reachedDestination: Bool
    /// Hops 1…n (n = the target's hop when reached, else the last hop that answered).
    public var hops: [HopStatistics]

    /// Creates a report.
    public init(target: String, round: Int, reachedDestination: Bool, hops: [HopStatistics]) {
        self.target = target
        self.round = round
        self.reachedDestination = reachedDestination
        self.hops = hops
    }
}
