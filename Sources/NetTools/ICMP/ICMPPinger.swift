import Foundation

/// The kinds of socket ICMP echo can use on Linux, in the order ``ICMPPinger`` tries them by default.
public enum ICMPSocketKind: String, Sendable, Hashable, CaseIterable {
    /// `socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)`: an unprivileged "ping socket", allowed when the
    /// process's group is inside `net.ipv4.ping_group_range`. The kernel sets the identifier and
    /// checksum and delivers only this socket's replies, without the IP header.
    case datagram
    /// `socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)`: needs `CAP_NET_RAW` (root). Receives every ICMP
    /// packet of the host with its IP header, including our own requests on loopback.
    case raw
}

/// Sends ICMP echo requests over IPv4 and measures the replies. One socket per call multiplexes
/// every target: each probe has its own sequence number, and a reply counts only when its source
/// address and sequence number match an outstanding probe (and, on a raw socket, our identifier).
///
/// The socket work is blocking Glibc I/O; it runs on a dedicated thread, never on Swift's
/// cooperative pool. When no socket kind can be opened, ``ping(_:)`` throws ``ICMPError`` with code
/// ``ICMPError/Code/permissionDenied`` so the caller can fall back to SNMP.
public struct ICMPPinger: Sendable, Hashable {
    /// How long to wait for the replies of one round of probes.
    public var timeout: Duration
    /// Probes per target (rounds).
    public var count: Int
    /// Targets probed at once; larger lists are swept in windows of this size.
    public var concurrency: Int
    /// Socket kinds to try, in order.
    public var sockets: [ICMPSocketKind]

    /// Creates a pinger.
    public init(timeout: Duration = .seconds(1), count: Int = 3, concurrency: Int = 256,
                sockets: [ICMPSocketKind] = ICMPSocketKind.allCases) {
        self.timeout = timeout
        self.count = max(1, count)
        self.concurrency = max(1, min(concurrency, 16_384))
        self.sockets = sockets
    }

    /// Probes one address.
    public func ping(_ target: IPv4Address) async throws -> ICMPPingResult {
        try await ping([target])[target] ?? ICMPPingResult(address: target.description, sent: 0, received: 0)
    }

    /// Probes every address `count` times; one result per distinct address.
    public func ping(_ targets: [IPv4Address]) async throws -> [IPv4Address: ICMPPingResult] {
        var seen = Set<IPv4Address>()
        let unique = targets.filter { seen.insert($0).inserted }
        guard !unique.isEmpty else { return [:] }
        let pinger = self
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try pinger.run(unique) })
            }
            thread.name = "icmp-ping"
            thread.start()
        }
    }

    /// Which socket kind this process can open, or the error saying why none.
    public func availableSocket() throws -> ICMPSocketKind {
        let socket = try ICMPSocket(trying: sockets)
        defer { socket.close() }
        return socket.kind
    }

    /// The blocking sweep, on the caller's thread.
    func run(_ targets: [IPv4Address], cancellation: ToolCancellation? = nil) throws -> [IPv4Address: ICMPPingResult] {
        let socket = try ICMPSocket(trying: sockets)
        defer { socket.close() }
        let identifier = UInt16.random(in: 1...UInt16.max)
        var sequence = UInt16.random(in: 0...UInt16.max)
        var rtts: [IPv4Address: [Double]] = [:]
        var sent: [IPv4Address: Int] = [:]
        let payload = Array("octoisp-icmp-echo".utf8)
        var buffer = [UInt8](repeating: 0, count: 2048)
        for start in stride(from: 0, to: targets.count, by: concurrency) {
            let window = targets[start..<min(start + concurrency, targets.count)]
            for _ in 0..<count where cancellation?.isCancelled != true {
                var pending: [UInt16: (target: IPv4Address, at: ContinuousClock.Instant)] = [:]
                func receive(waiting milliseconds: Int32) {
                    guard socket.wait(milliseconds: milliseconds) else { return }
                    while let received = socket.receive(into: &buffer) {
                        let (source, bytes) = received
                        let packet = socket.kind == .raw ? ICMPEchoPacket(ipv4: bytes) : ICMPEchoPacket(icmp: bytes)
                        guard let packet, packet.kind == .reply, socket.kind == .datagram || packet.identifier == identifier,
                              let probe = pending[packet.sequence], probe.target.value == source else { continue }
                        pending[packet.sequence] = nil
                        rtts[probe.target, default: []].append(Self.milliseconds(ContinuousClock.now - probe.at))
                    }
                }
                for target in window {
                    sequence &+= 1
                    sent[target, default: 0] += 1
                    let request = ICMPEchoPacket(kind: .request, identifier: identifier, sequence: sequence, payload: payload)
                    let at = ContinuousClock.now
                    if socket.send(request.bytes, to: target) { pending[sequence] = (target, at) }
                    receive(waiting: 0)
                }
                let deadline = ContinuousClock.now + timeout
                while !pending.isEmpty, cancellation?.isCancelled != true {
                    let left = deadline - ContinuousClock.now
                    guard left > .zero else { break }
                    receive(waiting: Int32(max(1, Self.milliseconds(left).rounded(.up))))
                }
            }
        }
        var results: [IPv4Address: ICMPPingResult] = [:]
        for target in targets {
            let times = rtts[target] ?? []
            results[target] = ICMPPingResult(address: target.description, sent: sent[target] ?? 0, received: times.count,
                                             minMs: times.min(), avgMs: times.isEmpty ? nil : times.reduce(0, +) / Double(times.count),
                                             maxMs: times.max())
        }
        return results
    }

    /// A duration in milliseconds.
    public static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
}
