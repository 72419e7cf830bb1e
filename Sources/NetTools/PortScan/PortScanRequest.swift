/// A TCP connect or UDP scan of one IPv4 host: a port list with ranges (`22,80,8000-8100`), bounded
/// concurrency and rate.
public struct PortScanRequest: Sendable, Hashable, Codable {
    /// The transport scanned.
    public enum Transport: String, Sendable, Hashable, Codable, CaseIterable {
        /// A full TCP connect (open: accepted; closed: reset; filtered: no answer or unreachable).
        case tcp
        /// A UDP datagram (open: an answer; closed: ICMP port unreachable; `openFiltered`: silence).
        case udp
    }

    /// An IPv4 address or a host name.
    public var target: String
    /// TCP or UDP.
    public var transport: Transport
    /// Ports and ranges, comma-separated (`1-1024,3306,8080`), 1…65535.
    public var ports: String
    /// Probes in flight at once (1…4096).
    public var concurrency: Int
    /// Probes started per second at most (1…100000).
    public var ratePerSecond: Int
    /// Milliseconds a probe waits (50…10000).
    public var timeoutMs: Int
    /// Extra tries of a UDP port that stayed silent (0…3).
    public var retries: Int

    /// Creates a request.
    public init(target: String, transport: Transport = .tcp, ports: String = "1-1024", concurrency: Int = 512,
                ratePerSecond: Int = 20_000, timeoutMs: Int = 1000, retries: Int = 1) {
        self.target = target
        self.transport = transport
        self.ports = ports
        self.concurrency = concurrency
        self.ratePerSecond = ratePerSecond
        self.timeoutMs = timeoutMs
        self.retries = retries
    }

    /// Checks the bounds and the port list; the error names the field.
    public func validate() throws(NetToolError) {
        try Bounds.host(target, "target")
        _ = try portList()
        try Bounds.check(concurrency, 1...4096, "concurrency")
        try Bounds.check(ratePerSecond, 1...100_000, "ratePerSecond")
        try Bounds.check(timeoutMs, 50...10_000, "timeoutMs")
        try Bounds.check(retries, 0...3, "retries")
    }

    /// The distinct ports in ascending order.
    public func portList() throws(NetToolError) -> [UInt16] {
        try Self.parsePorts(ports)
    }

    /// Parses `22,80,8000-8100`.
    public static func parsePorts(_ text: String) throws(NetToolError) -> [UInt16] {
        let bad = NetToolError(.invalidRequest, "ports must be a comma-separated list of ports and ranges between 1 and 65535", field: "ports")
        guard !text.isEmpty, text.utf8.count <= 4096 else { throw bad }
        var seen = [Bool](repeating: false, count: 65536)
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = item.split(separator: "-", omittingEmptySubsequences: false).map { $0.filter { $0 != " " } }
            guard (1...2).contains(bounds.count), let low = UInt16(bounds[0]), let high = UInt16(bounds.last!),
                  low >= 1, low <= high else { throw bad }
            for port in low...high { seen[Int(port)] = true }
        }
        return (1...65535).filter { seen[$0] }.map(UInt16.init)
    }
}

/// What one port answered.
public struct PortResult: Sendable, Hashable, Codable {
    /// The port's state.
    public enum State: String, Sendable, Hashable, Codable {
        /// TCP accepted / UDP answered.
        case open
        /// TCP reset / UDP ICMP port unreachable.
        case closed
        /// No answer, or an ICMP unreachable other than port (TCP).
        case filtered
        /// UDP: no answer (open or filtered; UDP cannot tell).
        case openFiltered = "open|filtered"
    }

    /// The port.
    public var port: Int
    /// The state.
    public var state: State
    /// The service usually found there.
    public var service: String?
    /// Milliseconds to the answer, when there was one.
    public var rttMs: Double?
}

/// The outcome of a scan.
public struct PortScanSummary: Sendable, Hashable, Codable {
    /// The address scanned.
    public var target: String
    /// The transport.
    public var transport: PortScanRequest.Transport
    /// Ports probed.
    public var scanned: Int
    /// Counts per state.
    public var open: Int
    public var closed: Int
    public var filtered: Int
    /// Open and open|filtered ports, and filtered ones (closed ports are only counted).
    public var ports: [PortResult]
    /// Wall time in milliseconds.
    public var elapsedMs: Double
    /// Stopped before every port was probed.
    public var cancelled: Bool
}
