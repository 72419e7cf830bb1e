import NIOCore
import NIOPosix

/// One connection to Redis. Commands are pipelined: many may be in flight, and replies complete them
/// in order.
final class RedisConnection: Sendable {
    /// How long a command may wait for its reply before the connection is given up.
    static let replyTimeout = TimeAmount.seconds(10)
    let channel: any Channel

    private init(channel: any Channel) {
        self.channel = channel
    }

    /// Whether the connection is still open.
    var isActive: Bool { channel.isActive }

    /// Connects, authenticates and selects the database.
    static func connect(to url: RedisURL, group: any EventLoopGroup) async throws -> RedisConnection {
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.seconds(2))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RESPDecoder()))
                        try channel.pipeline.syncOperations.addHandler(RedisCommandHandler())
                    }
                }
                .connect(host: url.host, port: url.port).get()
        } catch {
            throw RedisError(.connection, "cannot connect to \(url.host):\(url.port): \(error)")
        }
        let connection = RedisConnection(channel: channel)
        do {
            if let password = url.password {
                let auth: [RESPArgument] = url.user.map { ["AUTH", .string($0), .string(password)] } ?? ["AUTH", .string(password)]
                _ = try await connection.send(auth).throwingError()
            }
            if url.database != 0 {
                _ = try await connection.send(["SELECT", .string(String(url.database))]).throwingError()
            }
        } catch {
            try? await channel.close()
            throw error
        }
        return connection
    }

    /// Sends one command.
    func send(_ command: [RESPArgument]) async throws -> RESPValue {
        try await pipeline([command])[0]
    }

    /// Sends several commands in one write; their replies, in order.
    func pipeline(_ commands: [[RESPArgument]]) async throws -> [RESPValue] {
        var buffer = channel.allocator.buffer(capacity: 64 * commands.count)
        for command in commands { buffer.writeRESPCommand(command) }
        let eventLoop = channel.eventLoop
        let promises = (0..<commands.count).map { _ in eventLoop.makePromise(of: RESPValue.self) }
        // A write to a channel that already closed never reaches the handler: fail the replies here.
        // A reply that never comes (a server that stopped answering) fails after the timeout.
        let written = eventLoop.makePromise(of: Void.self)
        let timeout = eventLoop.scheduleTask(in: Self.replyTimeout) {
            promises.forEach { $0.fail(RedisError(.connection, "no reply within \(Self.replyTimeout)")) }
            self.channel.close(promise: nil)
        }
        written.futureResult.whenFailure { error in
            promises.forEach { $0.fail(RedisError(.connection, "write failed: \(error)")) }
        }
        promises.last?.futureResult.whenComplete { _ in timeout.cancel() }
        channel.writeAndFlush(RedisCommandHandler.Request(bytes: buffer, promises: promises), promise: written)
        var replies: [RESPValue] = []
        replies.reserveCapacity(commands.count)
        for promise in promises { replies.append(try await promise.futureResult.get()) }
        return replies
    }

    /// Closes the connection.
    func close() async {
        try? await channel.close()
    }
}

extension RESPValue {
    /// The value itself, or a thrown ``RedisError`` for an error reply.
    func throwingError() throws -> RESPValue {
        if case .error(let message) = self { throw RedisError(.server, message) }
        return self
    }
}

/// Writes requests and completes their promises with the replies, in order.
final class RedisCommandHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = Request
    typealias OutboundOut = ByteBuffer

    /// Encoded commands and one promise per command.
    struct Request {
        var bytes: ByteBuffer
        var promises: [EventLoopPromise<RESPValue>]
    }

    private var pending = CircularBuffer<EventLoopPromise<RESPValue>>()
    private var closed = false

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        guard !closed else {
            let error = RedisError(.connection, "connection closed")
            request.promises.forEach { $0.fail(error) }
            promise?.fail(error)
            return
        }
        pending.append(contentsOf: request.promises)
        context.write(wrapOutboundOut(request.bytes), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = unwrapInboundIn(data)
        if case .push = value { return }
        guard let promise = pending.popFirst() else { return }
        promise.succeed(value)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(RedisError(.connection, "connection closed by the server"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(RedisError(.connection, "connection failed: \(error)"))
        context.close(promise: nil)
    }

    private func failAll(_ error: RedisError) {
        closed = true
        while let promise = pending.popFirst() { promise.fail(error) }
    }
}
