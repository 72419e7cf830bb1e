/// What the echo probes to one address measured.
public struct ICMPPingResult: Sendable, Hashable, Codable {
    /// The target.
    public var address: String
    /// Echo requests sent (a request the kernel refused to send counts as sent and lost).
    public var sent: Int
    /// Echo replies received within the timeout.
    public var received: Int
    /// Shortest round trip in milliseconds, `nil` without replies.
    public var minMs: Double?
    /// Mean round trip in milliseconds, `nil` without replies.
    public var avgMs: Double?
    /// Longest round trip in milliseconds, `nil` without replies.
    public var maxMs: Double?

    /// Creates a result.
    public init(address: String, sent: Int, received: Int, minMs: Double? = nil, avgMs: Double? = nil, maxMs: Double? = nil) {
        self.address = address
        self.sent = sent
        self.received = received
        self.minMs = minMs
        self.avgMs = avgMs
        self.maxMs = maxMs
    }

    /// At least one reply came back.
    public var reachable: Bool { received > 0 }

    /// Lost probes in percent (0…100); 100 when nothing was sent.
    public var lossPercent: Double {
        sent == 0 ? 100 : Double(sent - received) * 100 / Double(sent)
    }
}
