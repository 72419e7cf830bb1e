import Foundation

/// An IP scan: one ICMP echo sweep of an IPv4 range (a /20 at most), then the reverse DNS name of
/// each host that answered and, for hosts on a directly attached network, its MAC address from
/// the kernel's neighbour table.
public struct IPScanRequest: Sendable, Hashable, Codable {
    /// `a.b.c.d/n`, n ≥ 20.
    public var cidr: String
    /// Milliseconds the sweep waits for the replies of a round (100…10000).
    public var timeoutMs: Int
    /// Echo requests per address (1…5).
    public var count: Int
    /// Look up the PTR name of each host that answered.
    public var reverseDNS: Bool
    /// The DNS server for the PTR lookups (`nil`: /etc/resolv.conf's).
    public var dnsServer: String?

    /// Creates a request.
    public init(cidr: String, timeoutMs: Int = 1000, count: Int = 1, reverseDNS: Bool = true, dnsServer: String? = nil) {
        self.cidr = cidr
        self.timeoutMs = timeoutMs
        self.count = count
        self.reverseDNS = reverseDNS
        self.dnsServer = dnsServer
    }

    /// Checks the fields; the error names the field.
    public func validate() throws(NetToolError) {
        _ = try range()
        try Bounds.check(timeoutMs, 100...10_000, "timeoutMs")
        try Bounds.check(count, 1...5, "count")
        if let dnsServer { _ = try DNSServerAddress(dnsServer) }
    }

    /// The parsed range.
    public func range() throws(NetToolError) -> IPv4Range {
        guard let range = IPv4Range(cidr) else {
            throw NetToolError(.invalidRequest, "cidr must be an IPv4 network a.b.c.d/n no wider than /\(IPv4Range.shortestPrefix)", field: "cidr")
        }
        return range
    }
}

/// A host that answered the sweep.
public struct HostResult: Sendable, Hashable, Codable {
    /// The address.
    public var address: String
    /// The first round trip (ms).
    public var rttMs: Double
    /// The PTR name, when it has one.
    public var hostname: String?
    /// The MAC address from the neighbour table, for a directly attached host.
    public var mac: String?
}

/// The outcome of an IP scan.
public struct IPScanSummary: Sendable, Hashable, Codable {
    /// The range swept.
    public var cidr: String
    /// Addresses probed.
    public var scanned: Int
    /// Hosts that answered, in address order.
    public var hosts: [HostResult]
    /// Wall time (ms).
    public var elapsedMs: Double
}

/// Runs an IP scan on the existing ICMP sweep (``ICMPPinger``).
public struct AddressSweep: Sendable {
    /// The validated request.
    public var request: IPScanRequest
    /// Socket kinds to try.
    public var sockets: [ICMPSocketKind]

    /// Creates a sweep.
    public init(_ request: IPScanRequest, sockets: [ICMPSocketKind] = ICMPSocketKind.allCases) {
        self.request = request
        self.sockets = sockets
    }

    /// Runs on a thread of its own; `emit` gets each host once its name and MAC are known.
    public func run(cancellation: ToolCancellation = ToolCancellation(), emit: @escaping @Sendable (HostResult) -> Void) async throws -> IPScanSummary {
        let sweep = self
        return try await BlockingThread.run(name: "nettools-ipscan") { try sweep.runBlocking(cancellation: cancellation, emit: emit) }
    }

    /// The blocking run.
    public func runBlocking(cancellation: ToolCancellation, emit: (HostResult) -> Void) throws -> IPScanSummary {
        let range = try request.range()
        let hosts = range.hosts
        let start = ContinuousClock.now
        let pinger = ICMPPinger(timeout: .milliseconds(request.timeoutMs), count: request.count, concurrency: hosts.count, sockets: sockets)
        let results = try pinger.run(hosts, cancellation: cancellation)
        let alive = hosts.filter { results[$0]?.reachable == true }
        let neighbours = Self.neighbours()
        let dns = DNSClient()
        let server = request.dnsServer
        var found: [HostResult] = []
        for address in alive {
            if cancellation.isCancelled { break }
            var name: String?
            if request.reverseDNS {
                let lookup = DNSLookupRequest(name: address.description, type: .ptr, server: server, timeoutMs: 500)
                name = (try? dns.lookupBlocking(lookup))?.answers.first { $0.type == "PTR" }?.data
            }
            let host = HostResult(address: address.description, rttMs: Durations.rounded(results[address]?.minMs ?? 0),
                                  hostname: name, mac: neighbours[address.description])
            found.append(host)
            emit(host)
        }
        return IPScanSummary(cidr: range.description, scanned: hosts.count, hosts: found,
                             elapsedMs: Durations.rounded(Durations.milliseconds(ContinuousClock.now - start)))
    }

    /// The kernel's IPv4 neighbour table (`/proc/net/arp`) of this thread's network namespace:
    /// address → MAC, complete entries only.
    static func neighbours() -> [String: String] {
        // The thread's own view: a thread may have joined another network namespace than the process.
        guard let text = (try? String(contentsOfFile: "/proc/thread-self/net/arp", encoding: .utf8))
            ?? (try? String(contentsOfFile: "/proc/net/arp", encoding: .utf8)) else { return [:] }
        var table: [String: String] = [:]
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(whereSeparator: { $0 == " " })
            // IP address, HW type, Flags (0x2 = complete), HW address, Mask, Device.
            guard fields.count >= 4, let flags = Int(fields[2].dropFirst(2), radix: 16), flags & 0x2 != 0 else { continue }
            table[String(fields[0])] = String(fields[3])
        }
        return table
    }
}
