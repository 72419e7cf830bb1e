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

    /// Sends several commands in one write; their replies, in order. One promise stands for the whole
    /// request and completes on the event loop when its last reply arrives, so the caller's task
    /// resumes once per request, not once per command.
    func pipeline(_ commands: [[RESPArgument]]) async throws -> [RESPValue] {
        if commands.isEmpty { return [] }
        var buffer = channel.allocator.buffer(capacity: 64 * commands.count)
        for command in commands { buffer.writeRESPCommand(command) }
        let eventLoop = channel.eventLoop
        let replies = eventLoop.makePromise(of: [RESPValue].self)
        // A write to a channel that already closed never reaches the handler: fail the replies here.
        // A reply that never comes (a server that stopped answering) fails after the timeout.
        let written = eventLoop.makePromise(of: Void.self)
        let channel = channel
        let timeout = eventLoop.scheduleTask(in: Self.replyTimeout) {
            replies.fail(RedisError(.connection, "no reply within \(Self.replyTimeout)"))
            channel.close(promise: nil)
        }
        written.futureResult.whenFailure { error in
            replies.fail(RedisError(.connection, "write failed: \(error)"))
        }
        replies.futureResult.whenComplete { _ in timeout.cancel() }
        channel.writeAndFlush(RedisCommandHandler.Request(bytes: buffer, count: commands.count, promise: replies), promise: written)
        return try await replies.futureResult.get()
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

/// Writes requests and completes each request's promise with its replies, in order.
final class RedisCommandHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = Request
    typealias OutboundOut = ByteBuffer

    /// Encoded commands, how many they are and the promise of their replies.
    struct Request {
        var bytes: ByteBuffer
        var count: Int
        var promise: EventLoopPromise<[RESPValue]>
    }

    /// A request whose replies are still arriving.
    private struct Waiting {
        var count: Int
        var replies: [RESPValue]
        var promise: EventLoopPromise<[RESPValue]>
    }

    private var pending = CircularBuffer<Waiting>()
    private var closed = false

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        guard !closed else {
            let error = RedisError(.connection, "connection closed")
            request.promise.fail(error)
            promise?.fail(error)
            return
        }
        var replies: [RESPValue] = []
        replies.reserveCapacity(request.count)
        pending.append(Waiting(count: request.count, replies: replies, promise: request.promise))
        context.write(wrapOutboundOut(request.bytes), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = unwrapInboundIn(data)
        if case .push = value { return }
        guard !pending.isEmpty else { return }
        let head = pending.startIndex
        pending[head].replies.append(value)
        if pending[head].replies.count == pending[head].count {
            let done = pending.removeFirst()
            done.promise.succeed(done.replies)
        }
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
        while let waiting = pending.popFirst() { waiting.promise.fail(error) }
    }
}
