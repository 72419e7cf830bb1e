import NIOCore
import NIOPosix

/// Listens for SNMPv1 traps, SNMPv2c traps and informs on a UDP port and publishes them as
/// ``TrapEvent`` values. Informs are acknowledged with a Response carrying the same request-id
/// and varbinds. Malformed datagrams are counted and dropped.
public final class SNMPTrapReceiver: Sendable {
    /// The notifications, in arrival order. Finishes when the receiver closes.
    public let events: AsyncStream<TrapEvent>
    private let channel: any Channel

    private init(channel: any Channel, events: AsyncStream<TrapEvent>) {
        self.channel = channel
        self.events = events
    }

    /// Binds `host:port` and starts receiving. `communities`, when set, limits which are accepted.
    public static func start(host: String = "0.0.0.0", port: Int = 162, communities: Set<String>? = nil,
                             bufferLimit: Int = 10_000,
                             group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton)
        async throws -> SNMPTrapReceiver {
        let (stream, continuation) = AsyncStream.makeStream(of: TrapEvent.self,
                                                            bufferingPolicy: .bufferingNewest(bufferLimit))
        let bootstrap = DatagramBootstrap(group: group)
            .channelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        TrapHandler(continuation: continuation, communities: communities))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: host, port: port).get()
        } catch {
            continuation.finish()
            throw SNMPError(.transport, "cannot bind \(host):\(port): \(error)")
        }
        channel.closeFuture.whenComplete { _ in continuation.finish() }
        return SNMPTrapReceiver(channel: channel, events: stream)
    }

    /// The bound address.
    public var localAddress: SocketAddress? { channel.localAddress }

    /// Suspends until closed; cancelling the calling task closes the receiver.
    public func run() async throws {
        let channel = self.channel
        try await withTaskCancellationHandler {
            try await channel.closeFuture.get()
        } onCancel: {
            channel.close(promise: nil)
        }
    }

    /// Stops receiving and finishes ``events``.
    public func close() async {
        try? await channel.close()
    }
}

final class TrapHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    let continuation: AsyncStream<TrapEvent>.Continuation
    let communities: Set<String>?

    init(continuation: AsyncStream<TrapEvent>.Continuation, communities: Set<String>?) {
        self.continuation = continuation
        self.communities = communities
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let bytes = Array(envelope.data.readableBytesView)
        guard let message = try? CommunityMessage.decode(bytes),
              let event = TrapEvent.from(message, source: envelope.remoteAddress) else { return }
        if let communities, !communities.contains(event.community) { return }
        if case .standard(let pdu) = message.pdu, pdu.type == .inform {
            let ack = PDU(type: .response, requestID: pdu.requestID, varBinds: pdu.varBinds)
            let reply = CommunityMessage(version: message.version, community: message.community, pdu: .standard(ack))
            let buffer = context.channel.allocator.buffer(bytes: reply.encoded())
            context.writeAndFlush(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress,
                                                                    data: buffer)), promise: nil)
        }
        continuation.yield(event)
    }
}
