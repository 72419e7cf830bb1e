#if canImport(Glibc)
import Glibc
#endif

/// Traceroute and MTR on one engine: each round sends one probe per TTL (1 up to the target's hop
/// once known), matches the ICMP answers (time exceeded from routers; echo reply or port
/// unreachable from the target) to the probes, and folds the round trips into per-hop statistics.
///
/// Needs a raw ICMP socket (`CAP_NET_RAW`) to read the routers' time-exceeded messages.
public struct PathProber: Sendable {
    /// The validated request.
    public var request: TraceRequest

    /// Creates a prober.
    public init(_ request: TraceRequest) {
        self.request = request
    }

    /// The first UDP destination port, as traceroute(8) uses.
    static let basePort: UInt16 = 33434

    /// Runs on a thread of its own; `emit` gets the report after every round.
    public func run(to target: IPv4Address, cancellation: ToolCancellation = ToolCancellation(),
                    emit: @escaping @Sendable (PathReport) -> Void) async throws -> PathReport {
        let prober = self
        return try await BlockingThread.run(name: "nettools-trace") { try prober.runBlocking(to: target, cancellation: cancellation, emit: emit) }
    }

    /// The blocking run, on the caller's thread (which may sit in another network namespace).
    public func runBlocking(to target: IPv4Address, cancellation: ToolCancellation, emit: (PathReport) -> Void) throws -> PathReport {
        let icmp = try ICMPSocket(trying: [.raw])
        defer { icmp.close() }
        let udp = request.protocol == .udp ? try UDPProbeSocket() : nil
        defer { udp?.close() }
        let identifier = UInt16.random(in: 1...UInt16.max)
        var counter = UInt16.random(in: 0...UInt16.max)
        let timeout = Duration.milliseconds(request.timeoutMs)
        let interval = Duration.milliseconds(request.intervalMs)
        var samples: [[Double?]] = Array(repeating: [], count: request.maxHops + 1)
        var addresses: [[UInt32]] = Array(repeating: [], count: request.maxHops + 1)
        var last: [UInt32?] = Array(repeating: nil, count: request.maxHops + 1)
        var destinationHop: Int?
        var buffer = [UInt8](repeating: 0, count: 4096)
        var report = PathReport(target: target.description, round: 0, reachedDestination: false, hops: [])
        let payload = Array("octoisp-trace".utf8)

        for round in 1...request.rounds {
            if cancellation.isCancelled { break }
            let roundStart = ContinuousClock.now
            let limit = destinationHop ?? request.maxHops
            var pending: [UInt16: (ttl: Int, at: ContinuousClock.Instant)] = [:]
            var answers: [Int: (rtt: Double, from: UInt32, final: Bool)] = [:]
            for ttl in 1...limit {
                counter &+= 1
                if let udp {
                    let port = Self.basePort &+ counter % 4096
                    udp.setTTL(ttl)
                    pending[port] = (ttl, ContinuousClock.now)
                    _ = udp.send(payload, to: target, port: port)
                } else {
                    icmp.setTTL(ttl)
                    let packet = ICMPEchoPacket(kind: .request, identifier: identifier, sequence: counter, payload: payload)
                    pending[counter] = (ttl, ContinuousClock.now)
                    _ = icmp.send(packet.bytes, to: target)
                }
            }
            let deadline = ContinuousClock.now + timeout
            while !pending.isEmpty, !cancellation.isCancelled {
                let left = deadline - ContinuousClock.now
                guard left > .zero else { break }
                guard icmp.wait(milliseconds: Int32(min(200, max(1, Durations.milliseconds(left).rounded(.up))))) else { continue }
                let now = ContinuousClock.now
                while let (source, bytes) = icmp.receive(into: &buffer) {
                    guard let quote = ICMPQuote(ipv4: bytes) else { continue }
                    let key: UInt16?
                    var final = false
                    if let udp {
                        guard quote.type != ICMPQuote.echoReply, quote.udpSource == udp.port, quote.quotedDestination == target.value else { continue }
                        key = quote.udpDestination
                        final = quote.type == ICMPQuote.unreachable && source == target.value
                    } else {
                        guard quote.identifier == identifier else { continue }
                        key = quote.sequence
                        if quote.type == ICMPQuote.echoReply {
                            guard source == target.value else { continue }
                            final = true
                        } else {
                            guard quote.quotedDestination == target.value else { continue }
                            final = quote.type == ICMPQuote.unreachable && source == target.value
                        }
                    }
                    guard let key, let probe = pending.removeValue(forKey: key) else { continue }
                    answers[probe.ttl] = (Durations.milliseconds(now - probe.at), source, final)
                }
            }
            // The target's hop is the lowest TTL it ever answered: a lost reply in an early round must
            // not leave the target counted at a later TTL too.
            if let reached = answers.filter({ $0.value.final }).keys.min(), reached < (destinationHop ?? Int.max) {
                destinationHop = reached
            }
            let hops = destinationHop ?? limit
            for ttl in 1...hops {
                let answer = answers[ttl]
                samples[ttl].append(answer.map { Durations.rounded($0.rtt) })
                if let answer {
                    last[ttl] = answer.from
                    if !addresses[ttl].contains(answer.from) { addresses[ttl].append(answer.from) }
                }
            }
            report = makeReport(target: target, round: round, destinationHop: destinationHop, samples: samples,
                                addresses: addresses, last: last)
            emit(report)
            if round < request.rounds {
                let wake = roundStart + interval
                while ContinuousClock.now < wake, !cancellation.isCancelled {
                    let left = Durations.milliseconds(wake - ContinuousClock.now)
                    usleep(useconds_t(min(100, max(1, left)) * 1000))
                }
            }
        }
        return report
    }

    func makeReport(target: IPv4Address, round: Int, destinationHop: Int?, samples: [[Double?]], addresses: [[UInt32]],
                    last: [UInt32?]) -> PathReport {
        let answering = (1..<samples.count).filter { !addresses[$0].isEmpty }
        let count = destinationHop ?? answering.max() ?? 0
        let hops = (0..<count).map { index -> HopStatistics in
            let ttl = index + 1
            let stats = PingStatistics(rtts: samples[ttl])
            return HopStatistics(hop: ttl, address: last[ttl].map { IPv4Address($0).description },
                                 addresses: addresses[ttl].map { IPv4Address($0).description },
                                 sent: stats.sent, received: stats.received, lossPercent: stats.lossPercent,
                                 lastMs: samples[ttl].last ?? nil, avgMs: stats.avgMs, bestMs: stats.minMs, worstMs: stats.maxMs,
                                 stdevMs: stats.mdevMs, samples: samples[ttl])
        }
        return PathReport(target: target.description, round: round, reachedDestination: destinationHop != nil, hops: hops)
    }
}

/// A UDP socket bound to an ephemeral port, sending probes with a chosen TTL.
struct UDPProbeSocket {
    let descriptor: Int32
    let port: UInt16

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw NetToolError(.socketFailed, "cannot open a UDP socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else {
            Glibc.close(fd)
            throw NetToolError(.socketFailed, "cannot bind a UDP socket")
        }
        descriptor = fd
        port = UInt16(bigEndian: address.sin_port)
    }

    func setTTL(_ ttl: Int) {
        var value = Int32(ttl)
        _ = setsockopt(descriptor, Int32(IPPROTO_IP), IP_TTL, &value, socklen_t(MemoryLayout<Int32>.size))
    }

    func send(_ bytes: [UInt8], to target: IPv4Address, port: UInt16) -> Bool {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr = in_addr(s_addr: target.value.bigEndian)
        address.sin_port = port.bigEndian
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(descriptor, bytes, bytes.count, Int32(MSG_DONTWAIT), $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return sent == bytes.count
    }

    func close() { Glibc.close(descriptor) }
}
