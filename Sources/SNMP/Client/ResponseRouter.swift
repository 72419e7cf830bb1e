import NIOCore

/// Owns the table of outstanding requests for one UDP socket and matches datagrams to them
/// by request-id (SNMPv1/v2c) or msgID (SNMPv3). All state lives on the channel's event loop.
final class ResponseRouter: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private struct Pending {
        var address: SocketAddress
        var datagram: ByteBuffer
        var retriesLeft: Int
        var timeout: TimeAmount
        var continuation: CheckedContinuation<[UInt8], any Error>
        var timer: Scheduled<Void>?
    }

    let eventLoop: any EventLoop
    private var pending: [Int32: Pending] = [:]
    private var channel: (any Channel)?
    private var closed = false
    /// Datagrams that matched no outstanding request (late, duplicate or spoofed).
    private(set) var unmatched = 0

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func handlerAdded(context: ChannelHandlerContext) {
        channel = context.channel
    }

    /// Registers a request and sends its first attempt. Must run on the event loop.
    func start(id: Int32, datagram: [UInt8], to address: SocketAddress, timeout: Duration, retries: Int,
               continuation: CheckedContinuation<[UInt8], any Error>) {
        eventLoop.preconditionInEventLoop()
        guard !closed, let channel else {
            continuation.resume(throwing: SNMPError(.closed, "the client is closed"))
            return
        }
        guard pending[id] == nil else {
            continuation.resume(throwing: SNMPError(.transport, "request-id \(id) already outstanding"))
            return
        }
        let buffer = channel.allocator.buffer(bytes: datagram)
        let nanoseconds = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
        pending[id] = Pending(address: address, datagram: buffer, retriesLeft: max(retries, 0),
                              timeout: .nanoseconds(max(nanoseconds, 1_000_000)), continuation: continuation,
                              timer: nil)
        transmit(id)
    }

    private func transmit(_ id: Int32) {
        guard var entry = pending[id], let channel else { return }
        channel.writeAndFlush(AddressedEnvelope(remoteAddress: entry.address, data: entry.datagram), promise: nil)
        entry.timer = eventLoop.scheduleTask(in: entry.timeout) { [self] in
            self.expire(id)
        }
        pending[id] = entry
    }

    private func expire(_ id: Int32) {
        guard var entry = pending[id] else { return }
        if entry.retriesLeft > 0 {
            entry.retriesLeft -= 1
            pending[id] = entry
            transmit(id)
        } else {
            pending[id] = nil
            entry.continuation.resume(throwing: SNMPError(.timeout, "\(entry.address)"))
        }
    }

    /// Abandons a request (task cancellation). Must run on the event loop.
    func cancel(id: Int32) {
        guard let entry = pending.removeValue(forKey: id) else { return }
        entry.timer?.cancel()
        entry.continuation.resume(throwing: CancellationError())
    }

    /// Fails every outstanding request and refuses new ones. Must run on the event loop.
    func shutdown() {
        closed = true
        let entries = pending
        pending.removeAll()
        for (_, entry) in entries {
            entry.timer?.cancel()
            entry.continuation.resume(throwing: SNMPError(.closed, "the client was closed"))
        }
    }

    /// The number of outstanding requests.
    var outstanding: Int { pending.count }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let bytes = Array(envelope.data.readableBytesView)
        guard let id = ResponseRouter.routingID(bytes), let entry = pending[id],
              entry.address == envelope.remoteAddress else {
            unmatched += 1
            return
        }
        pending[id] = nil
        entry.timer?.cancel()
        entry.continuation.resume(returning: bytes)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP errors surface here on connected sockets only; an unconnected UDP socket keeps going.
    }

    /// The identifier used for routing: msgID for SNMPv3, request-id otherwise.
    static func routingID(_ bytes: [UInt8]) -> Int32? {
        var outer = BERReader(bytes)
        guard var reader = try? outer.readConstructed(), let version = try? reader.readInteger() else { return nil }
        if version == 3 {
            guard var header = try? reader.readConstructed() else { return nil }
            return try? header.readInt32()
        }
        guard (try? reader.skipElement()) != nil,
              let (tag, body) = try? reader.readAnyConstructed(), tag != PDUType.trapV1.rawValue else { return nil }
        var pdu = body
        return try? pdu.readInt32()
    }
}
