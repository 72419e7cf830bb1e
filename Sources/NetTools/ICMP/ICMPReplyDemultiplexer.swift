/// Matches ICMP echo replies to the probes waiting for them, when many callers share one socket.
///
/// Every outstanding probe has its own sequence number (allocated here, never two at once); a reply
/// answers a probe only when it is an echo reply, carries that sequence number, comes from the probe's
/// target and (on a raw socket, which sees every ICMP packet of the host) carries our identifier.
/// A reply is matched at most once: duplicates and replies to probes that timed out match nothing.
public struct ICMPReplyDemultiplexer: Sendable {
    /// The identifier replies must carry, or `nil` on a datagram ("ping") socket, where the kernel
    /// rewrites the identifier and delivers only this socket's replies.
    public let identifier: UInt16?
    private var pending: [UInt16: (target: IPv4Address, token: Int)] = [:]
    private var nextSequence: UInt16

    /// Creates an empty demultiplexer; sequence numbers start after `firstSequence`.
    public init(identifier: UInt16?, firstSequence: UInt16 = UInt16.random(in: 0...UInt16.max)) {
        self.identifier = identifier
        nextSequence = firstSequence
    }

    /// Probes waiting for their reply.
    public var outstanding: Int { pending.count }

    /// Registers a probe to `target` under the caller's `token`; returns the sequence number to send,
    /// or `nil` when every sequence number is taken by an outstanding probe.
    public mutating func register(_ target: IPv4Address, token: Int) -> UInt16? {
        guard pending.count <= Int(UInt16.max) else { return nil }
        repeat { nextSequence &+= 1 } while pending[nextSequence] != nil
        pending[nextSequence] = (target, token)
        return nextSequence
    }

    /// The token of the probe `packet` (received from `source`) answers, which stops waiting; `nil`
    /// when it answers none of them.
    public mutating func match(_ packet: ICMPEchoPacket, from source: IPv4Address) -> Int? {
        guard packet.kind == .reply, identifier == nil || packet.identifier == identifier,
              let probe = pending[packet.sequence], probe.target == source else { return nil }
        pending[packet.sequence] = nil
        return probe.token
    }

    /// Stops waiting for the probe sent with `sequence` (it timed out or could not be sent).
    public mutating func cancel(sequence: UInt16) {
        pending[sequence] = nil
    }
}
