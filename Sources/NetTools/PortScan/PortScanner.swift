#if canImport(Glibc)
import Glibc
#endif

/// Scans the ports of one IPv4 host with non-blocking sockets multiplexed by `poll(2)`: at most
/// `concurrency` probes in flight, started no faster than `ratePerSecond`. TCP probes are full
/// connects closed with a reset (no TIME_WAIT left behind); UDP probes are connected datagram
/// sockets, on which the kernel reports the target's ICMP port unreachable as `ECONNREFUSED`.
public struct PortScanner: Sendable {
    /// The validated request.
    public var request: PortScanRequest

    /// Creates a scanner.
    public init(_ request: PortScanRequest) {
        self.request = request
    }

    /// Runs on a thread of its own; `emit` gets every port that is not closed as soon as it is known.
    public func run(to target: IPv4Address, cancellation: ToolCancellation = ToolCancellation(),
                    emit: @escaping @Sendable (PortResult) -> Void) async throws -> PortScanSummary {
        let scanner = self
        return try await BlockingThread.run(name: "nettools-portscan") { try scanner.runBlocking(to: target, cancellation: cancellation, emit: emit) }
    }

    private struct Probe {
        var descriptor: Int32
        var port: UInt16
        var started: ContinuousClock.Instant
        var attempt: Int
    }

    /// The blocking scan, on the caller's thread.
    public func runBlocking(to target: IPv4Address, cancellation: ToolCancellation, emit: (PortResult) -> Void) throws -> PortScanSummary {
        let ports = try request.portList()
        let transport = request.transport
        let concurrency = min(request.concurrency, Self.raiseDescriptorLimit(to: request.concurrency + 64) - 64)
        guard concurrency > 0 else { throw NetToolError(.socketFailed, "no file descriptors left for the scan") }
        let timeout = Duration.milliseconds(request.timeoutMs)
        let start = ContinuousClock.now
        var queue: [(port: UInt16, attempt: Int)] = ports.reversed().map { ($0, 0) }
        var inFlight: [Probe] = []
        inFlight.reserveCapacity(concurrency)
        var started = 0
        var counts: [PortResult.State: Int] = [:]
        var reported: [PortResult] = []
        var buffer = [UInt8](repeating: 0, count: 2048)

        func finish(_ probe: Probe, _ state: PortResult.State, at now: ContinuousClock.Instant) {
            Self.close(probe.descriptor, reset: transport == .tcp && state == .open)
            let rtt: Double? = state == .open || state == .closed ? Durations.rounded(Durations.milliseconds(now - probe.started)) : nil
            counts[state, default: 0] += 1
            guard state != .closed else { return }
            let result = PortResult(port: Int(probe.port), state: state, service: ServiceNames.guess(probe.port, transport: transport), rttMs: rtt)
            reported.append(result)
            emit(result)
        }

        while (!queue.isEmpty || !inFlight.isEmpty) && !cancellation.isCancelled {
            // Start probes while the window and the rate allow.
            let now = ContinuousClock.now
            let allowed = Int(Durations.milliseconds(now - start) * Double(request.ratePerSecond) / 1000) + 1
            starting: while inFlight.count < concurrency, started < allowed, let next = queue.popLast() {
                started += 1
                let at = ContinuousClock.now
                switch startProbe(next.port, target: target, transport: transport) {
                case .inFlight(let descriptor):
                    inFlight.append(Probe(descriptor: descriptor, port: next.port, started: at, attempt: next.attempt))
                case .done(let state, let descriptor):
                    finish(Probe(descriptor: descriptor, port: next.port, started: at, attempt: next.attempt), state, at: ContinuousClock.now)
                case .retryLater:
                    queue.append(next)
                    started -= 1
                    break starting
                }
            }
            guard !inFlight.isEmpty else {
                if !queue.isEmpty { usleep(1000) }
                continue
            }
            // Wait for answers, at most until the oldest probe times out or the next start is due.
            var descriptors = inFlight.map { pollfd(fd: $0.descriptor, events: Int16(transport == .tcp ? POLLOUT : POLLIN), revents: 0) }
            let oldest = inFlight.map(\.started).min()!
            var waitMs = max(0, Durations.milliseconds(oldest + timeout - ContinuousClock.now))
            if !queue.isEmpty && inFlight.count < concurrency { waitMs = min(waitMs, max(1, 1000 / Double(request.ratePerSecond))) }
            let ready = poll(&descriptors, nfds_t(descriptors.count), Int32(min(waitMs.rounded(.up), 200)))
            let after = ContinuousClock.now
            var keep: [Probe] = []
            keep.reserveCapacity(inFlight.count)
            for (index, probe) in inFlight.enumerated() {
                let events = ready > 0 ? descriptors[index].revents : 0
                if events != 0 {
                    if transport == .tcp {
                        var error: Int32 = 0
                        var length = socklen_t(MemoryLayout<Int32>.size)
                        getsockopt(probe.descriptor, SOL_SOCKET, SO_ERROR, &error, &length)
                        finish(probe, error == 0 ? .open : error == ECONNREFUSED ? .closed : .filtered, at: after)
                    } else {
                        let count = recv(probe.descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
                        if count >= 0 { finish(probe, .open, at: after) }
                        else if errno == ECONNREFUSED { finish(probe, .closed, at: after) }
                        else if errno == EAGAIN || errno == EWOULDBLOCK { keep.append(probe) }
                        else { finish(probe, .filtered, at: after) }
                    }
                } else if after - probe.started >= timeout {
                    if transport == .udp && probe.attempt < request.retries {
                        Self.close(probe.descriptor, reset: false)
                        queue.append((probe.port, probe.attempt + 1))
                    } else {
                        finish(probe, transport == .udp ? .openFiltered : .filtered, at: after)
                    }
                } else {
                    keep.append(probe)
                }
            }
            inFlight = keep
        }
        for probe in inFlight { Self.close(probe.descriptor, reset: false) }
        return PortScanSummary(target: target.description, transport: transport, scanned: counts.values.reduce(0, +),
                               open: counts[.open, default: 0] + counts[.openFiltered, default: 0], closed: counts[.closed, default: 0],
                               filtered: counts[.filtered, default: 0], ports: reported.sorted { $0.port < $1.port },
                               elapsedMs: Durations.rounded(Durations.milliseconds(ContinuousClock.now - start)),
                               cancelled: cancellation.isCancelled)
    }

    private enum Start {
        case inFlight(Int32)
        case done(PortResult.State, Int32)
        case retryLater
    }

    private func startProbe(_ port: UInt16, target: IPv4Address, transport: PortScanRequest.Transport) -> Start {
        let type = (transport == .tcp ? Int32(SOCK_STREAM.rawValue) : Int32(SOCK_DGRAM.rawValue)) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let descriptor = socket(AF_INET, type, 0)
        guard descriptor >= 0 else { return .retryLater }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr = in_addr(s_addr: target.value.bigEndian)
        address.sin_port = port.bigEndian
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        let code = errno
        if transport == .udp {
            guard result == 0 else { Self.close(descriptor, reset: false); return code == ECONNREFUSED ? .done(.closed, -1) : .retryLater }
            let probe = ServiceNames.udpProbe(port)
            if send(descriptor, probe, probe.count, Int32(MSG_DONTWAIT)) < 0 {
                let sendError = errno
                if sendError == ECONNREFUSED { return .done(.closed, descriptor) }
                Self.close(descriptor, reset: false)
                return .retryLater
            }
            return .inFlight(descriptor)
        }
        if result == 0 { return .done(.open, descriptor) }
        switch code {
        case EINPROGRESS: return .inFlight(descriptor)
        case ECONNREFUSED: return .done(.closed, descriptor)
        case EADDRNOTAVAIL, EAGAIN, ENOBUFS:
            Self.close(descriptor, reset: false)
            return .retryLater
        default: return .done(.filtered, descriptor)
        }
    }

    private static func close(_ descriptor: Int32, reset: Bool) {
        guard descriptor >= 0 else { return }
        if reset {
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            _ = setsockopt(descriptor, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        }
        _ = Glibc.close(descriptor)
    }

    /// Raises the soft descriptor limit toward `wanted` (bounded by the hard limit); returns the limit in force.
    static func raiseDescriptorLimit(to wanted: Int) -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return wanted }
        if limit.rlim_cur < rlim_t(wanted) {
            limit.rlim_cur = min(limit.rlim_max, rlim_t(wanted))
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return Int(min(limit.rlim_cur, rlim_t(Int32.max)))
    }
}
