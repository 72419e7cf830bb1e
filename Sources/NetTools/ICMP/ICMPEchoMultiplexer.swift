import Foundation
import Synchronization

/// One ICMP socket shared by every echo of the process (``shared(sockets:)``): callers send probes
/// through it concurrently and one reader thread hands each reply to the probe it answers
/// (``ICMPReplyDemultiplexer``). A poller pinging 256 devices at once thus holds one socket, and each
/// reply is read once, instead of 256 sockets that each (raw sockets) read every reply of the host.
///
/// The reader is a dedicated thread doing blocking Glibc I/O, never Swift's cooperative pool; it also
/// ends the waits of probes whose time ran out. The shared instances live as long as the process.
public final class ICMPEchoMultiplexer: Sendable {
    /// The kind of socket the multiplexer holds.
    public let kind: ICMPSocketKind
    private let socket: ICMPSocket
    private let state: Mutex<State>
    private static let instances = Mutex<[[ICMPSocketKind]: ICMPEchoMultiplexer]>([:])
    private static let opened = Atomic<Int>(0)
    private static let payload = Array("octoisp-icmp-echo".utf8)

    private struct Waiter {
        var sequence: UInt16
        var sentAt: ContinuousClock.Instant
        var deadline: ContinuousClock.Instant
        var continuation: CheckedContinuation<Double?, Never>
    }

    private struct State {
        var demultiplexer: ICMPReplyDemultiplexer
        var waiters: [Int: Waiter] = [:]
        var nextToken = 0
        var closed = false
    }

    /// The process's multiplexer for the first socket kind of `sockets` the kernel allows, opened on
    /// first use. Throws ``ICMPError`` (``ICMPError/Code/permissionDenied`` when no kind is allowed).
    public static func shared(sockets: [ICMPSocketKind] = ICMPSocketKind.allCases) throws -> ICMPEchoMultiplexer {
        try instances.withLock { instances in
            if let existing = instances[sockets] { return existing }
            let created = try ICMPEchoMultiplexer(sockets: sockets)
            instances[sockets] = created
            return created
        }
    }

    /// Sockets opened by multiplexers in this process so far.
    public static var socketsOpened: Int { opened.load(ordering: .relaxed) }

    /// Opens a socket and starts its reader; ``close()`` ends both.
    public init(sockets: [ICMPSocketKind] = ICMPSocketKind.allCases) throws {
        let socket = try ICMPSocket(trying: sockets)
        Self.opened.add(1, ordering: .relaxed)
        self.socket = socket
        kind = socket.kind
        state = Mutex(State(demultiplexer: ICMPReplyDemultiplexer(identifier: socket.kind == .raw ? UInt16.random(in: 1...UInt16.max) : nil)))
        let thread = Thread { [self] in readReplies() }
        thread.name = "icmp-mux"
        thread.start()
    }

    /// Probes waiting for their reply.
    public var outstanding: Int { state.withLock { $0.waiters.count } }

    /// Sends one echo request to `target`; returns the round trip in milliseconds, or `nil` when no
    /// reply came within `timeout` (or the kernel refused to send it).
    public func echo(_ target: IPv4Address, timeout: Duration) async -> Double? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Double?, Never>) in
            let now = ContinuousClock.now
            let registered = state.withLock { state -> (token: Int, sequence: UInt16, identifier: UInt16)? in
                guard !state.closed else { return nil }
                state.nextToken &+= 1
                let token = state.nextToken
                guard let sequence = state.demultiplexer.register(target, token: token) else { return nil }
                state.waiters[token] = Waiter(sequence: sequence, sentAt: now, deadline: now + timeout, continuation: continuation)
                return (token, sequence, state.demultiplexer.identifier ?? 0)
            }
            guard let registered else { return continuation.resume(returning: nil) }
            let request = ICMPEchoPacket(kind: .request, identifier: registered.identifier, sequence: registered.sequence, payload: Self.payload)
            if !socket.send(request.bytes, to: target) {
                let waiter = state.withLock { state -> Waiter? in
                    state.demultiplexer.cancel(sequence: registered.sequence)
                    return state.waiters.removeValue(forKey: registered.token)
                }
                waiter?.continuation.resume(returning: nil)
            }
        }
    }

    /// Probes `target` `count` times, one round after the other, each waiting at most `timeout`.
    public func ping(_ target: IPv4Address, count: Int, timeout: Duration) async -> ICMPPingResult {
        var times: [Double] = []
        let rounds = max(1, count)
        for _ in 0..<rounds {
            if let rtt = await echo(target, timeout: timeout) { times.append(rtt) }
        }
        return ICMPPingResult(address: target.description, sent: rounds, received: times.count, minMs: times.min(),
                              avgMs: times.isEmpty ? nil : times.reduce(0, +) / Double(times.count), maxMs: times.max())
    }

    /// Stops the reader and closes the socket; waiting probes get no reply. Not for shared instances.
    public func close() {
        let waiters = state.withLock { state -> [Waiter] in
            state.closed = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.continuation.resume(returning: nil) }
    }

    /// The reader loop: hands replies to their probes and expires the probes whose time ran out.
    private func readReplies() {
        var buffer = [UInt8](repeating: 0, count: 2048)
        while true {
            let now = ContinuousClock.now
            let (closed, nearest) = state.withLock { state in (state.closed, state.waiters.values.map(\.deadline).min()) }
            if closed { break }
            let wait = nearest.map { max(1, min(100, Int32(ICMPPinger.milliseconds($0 - now).rounded(.up)))) } ?? 100
            if socket.wait(milliseconds: wait) {
                var answered: [(CheckedContinuation<Double?, Never>, Double)] = []
                while let (source, bytes) = socket.receive(into: &buffer) {
                    let packet = kind == .raw ? ICMPEchoPacket(ipv4: bytes) : ICMPEchoPacket(icmp: bytes)
                    guard let packet else { continue }
                    let at = ContinuousClock.now
                    let waiter = state.withLock { state -> Waiter? in
                        guard let token = state.demultiplexer.match(packet, from: IPv4Address(source)) else { return nil }
                        return state.waiters.removeValue(forKey: token)
                    }
                    if let waiter { answered.append((waiter.continuation, ICMPPinger.milliseconds(at - waiter.sentAt))) }
                }
                for (continuation, rtt) in answered { continuation.resume(returning: rtt) }
            }
            let expired = state.withLock { state -> [Waiter] in
                let now = ContinuousClock.now
                let tokens = state.waiters.filter { $0.value.deadline <= now }.map(\.key)
                return tokens.compactMap { token in
                    guard let waiter = state.waiters.removeValue(forKey: token) else { return nil }
                    state.demultiplexer.cancel(sequence: waiter.sequence)
                    return waiter
                }
            }
            for waiter in expired { waiter.continuation.resume(returning: nil) }
        }
        socket.close()
    }
}
