/// A continuous ping to one IPv4 address: one echo request per interval on one ICMP socket, each
/// probe reported as its reply arrives or its timeout passes, then the statistics.
public struct ContinuousPing: Sendable {
    /// The validated request.
    public var request: PingRequest
    /// Socket kinds to try, in order.
    public var sockets: [ICMPSocketKind]

    /// Creates a ping.
    public init(_ request: PingRequest, sockets: [ICMPSocketKind] = ICMPSocketKind.allCases) {
        self.request = request
        self.sockets = sockets
    }

    /// Runs on a thread of its own; `emit` gets each probe in sequence order.
    public func run(to target: IPv4Address, cancellation: ToolCancellation = ToolCancellation(),
                    emit: @escaping @Sendable (PingProbe) -> Void) async throws -> PingStatistics {
        let ping = self
        return try await BlockingThread.run(name: "nettools-ping") { try ping.runBlocking(to: target, cancellation: cancellation, emit: emit) }
    }

    /// The blocking run, on the caller's thread (which may sit in another network namespace).
    public func runBlocking(to target: IPv4Address, cancellation: ToolCancellation, emit: (PingProbe) -> Void) throws -> PingStatistics {
        let socket = try ICMPSocket(trying: sockets)
        defer { socket.close() }
        let identifier = UInt16.random(in: 1...UInt16.max)
        let base = UInt16.random(in: 0...UInt16.max)
        let payload = (0..<request.payloadBytes).map { UInt8(truncatingIfNeeded: $0) }
        let interval = Duration.milliseconds(request.intervalMs)
        let timeout = Duration.milliseconds(request.timeoutMs)
        let start = ContinuousClock.now
        var rtts: [Double?] = []
        var outstanding: [(sequence: Int, at: ContinuousClock.Instant)] = []
        var answered: [Int: Double] = [:]
        var next = 1
        var buffer = [UInt8](repeating: 0, count: 4096)

        // Reports, in order, every probe whose reply came or whose timeout passed.
        func settle(now: ContinuousClock.Instant, final: Bool = false) {
            while let first = outstanding.first {
                let rtt = answered.removeValue(forKey: first.sequence)
                guard rtt != nil || now - first.at >= timeout || final else { return }
                outstanding.removeFirst()
                rtts.append(rtt)
                emit(PingProbe(sequence: first.sequence, rttMs: rtt.map { Durations.rounded($0) },
                               sentAtMs: Durations.rounded(Durations.milliseconds(first.at - start))))
            }
        }

        while !cancellation.isCancelled {
            let now = ContinuousClock.now
            if next <= request.count, now >= start + interval * (next - 1) {
                let sequence = base &+ UInt16(truncatingIfNeeded: next)
                let packet = ICMPEchoPacket(kind: .request, identifier: identifier, sequence: sequence, payload: payload)
                let at = ContinuousClock.now
                outstanding.append((next, at))
                _ = socket.send(packet.bytes, to: target)
                next += 1
            }
            settle(now: ContinuousClock.now)
            if next > request.count && outstanding.isEmpty { break }
            let nextSend = next <= request.count ? start + interval * (next - 1) : ContinuousClock.now + timeout
            let nextTimeout = outstanding.first.map { $0.at + timeout } ?? nextSend
            let wake = min(nextSend, nextTimeout, ContinuousClock.now + .milliseconds(200))
            let wait = max(0, Int32(Durations.milliseconds(wake - ContinuousClock.now).rounded(.up)))
            guard socket.wait(milliseconds: wait) else { continue }
            let received = ContinuousClock.now
            while let (source, bytes) = socket.receive(into: &buffer) {
                let packet = socket.kind == .raw ? ICMPEchoPacket(ipv4: bytes) : ICMPEchoPacket(icmp: bytes)
                guard let packet, packet.kind == .reply, source == target.value,
                      socket.kind == .datagram || packet.identifier == identifier else { continue }
                let number = Int(packet.sequence &- base)
                guard let probe = outstanding.first(where: { $0.sequence == number }), answered[number] == nil,
                      received - probe.at < timeout else { continue }
                answered[number] = Durations.milliseconds(received - probe.at)
            }
        }
        settle(now: ContinuousClock.now, final: true)
        return PingStatistics(rtts: rtts)
    }
}
