import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// How long an HTTP connection may sit idle or take to send a request, so a client that opens
/// connections and trickles bytes (slowloris) cannot hold them.
public struct ConnectionDeadlines: Sendable, Hashable {
    /// A kept-alive connection that sends and receives nothing for this long after an answer is
    /// closed (`OCTOISP_HTTP_IDLE_TIMEOUT`, seconds).
    public var idle: Duration
    /// A request must arrive whole within this long, from its first byte (from the connection's
    /// opening for its first request) until the server starts answering (`OCTOISP_HTTP_READ_TIMEOUT`,
    /// seconds); otherwise the connection is closed. A connection opened and left silent is closed too.
    public var read: Duration

    /// Defaults: 300 s idle between requests, 30 s to send a request.
    public init(idle: Duration = .seconds(300), read: Duration = .seconds(30)) {
        self.idle = idle
        self.read = read
    }

    /// Defaults overridden by `OCTOISP_HTTP_IDLE_TIMEOUT` and `OCTOISP_HTTP_READ_TIMEOUT` (seconds, > 0).
    public init(environment: [String: String]) {
        self.init()
        if let seconds = environment["OCTOISP_HTTP_IDLE_TIMEOUT"].flatMap(Double.init), seconds > 0 { idle = .milliseconds(Int64(seconds * 1000)) }
        if let seconds = environment["OCTOISP_HTTP_READ_TIMEOUT"].flatMap(Double.init), seconds > 0 { read = .milliseconds(Int64(seconds * 1000)) }
    }

    var idleAmount: TimeAmount { .nanoseconds(Self.nanoseconds(idle)) }
    var readAmount: TimeAmount { .nanoseconds(Self.nanoseconds(read)) }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }
}

/// Enforces ``ConnectionDeadlines`` on the raw bytes of a connection, first in its pipeline (before
/// any HTTP decoding, so a request head that never ends is covered too). The first request starts
/// when the connection opens, later ones with their first byte; a request ends when the server
/// writes its first byte back; an upgrade to WebSocket (`101`) ends the watch.
///
/// A request only moves a deadline; one timer per connection checks it when it fires and is armed
/// again for the deadline then in force (as NIO's `IdleStateHandler` does), so a request schedules and
/// cancels no timer of its own.
final class ConnectionDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let deadlines: ConnectionDeadlines
    let logger: Logger
    /// When the connection is closed unless a request ends (reading) or starts (idle) before.
    private var deadline = NIODeadline.distantFuture
    private var timer: Scheduled<Void>?
    /// When ``timer`` fires.
    private var timerDeadline = NIODeadline.distantFuture
    private var reading = false
    private var watching = true

    init(deadlines: ConnectionDeadlines, logger: Logger) {
        self.deadlines = deadlines
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startRequest(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        startRequest(context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stopWatching()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stopWatching()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if watching && !reading { startRequest(context) }
        context.fireChannelRead(data)
    }

    /// A request is expected: the read deadline runs (the idle one does not matter meanwhile).
    private func startRequest(_ context: ChannelHandlerContext) {
        guard watching, !reading else { return }
        reading = true
        move(to: .now() + deadlines.readAmount, context)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if watching {
            if reading {
                reading = false
                let bytes = unwrapOutboundIn(data).readableBytesView
                if bytes.count >= 12 && bytes.dropFirst(8).prefix(4).elementsEqual(" 101".utf8) {
                    // A WebSocket from now on: it has its own pings and closes.
                    stopWatching()
                }
            }
            if watching { move(to: .now() + deadlines.idleAmount, context) }
        }
        context.write(data, promise: promise)
    }

    /// Sets the deadline; the timer is armed only when none would fire by then.
    private func move(to deadline: NIODeadline, _ context: ChannelHandlerContext) {
        self.deadline = deadline
        if timer == nil || timerDeadline > deadline { arm(at: deadline, context) }
    }

    private func arm(at deadline: NIODeadline, _ context: ChannelHandlerContext) {
        timer?.cancel()
        timerDeadline = deadline
        timer = context.eventLoop.scheduleTask(deadline: deadline) { [self] in expired(context) }
    }

    /// The timer fired: closes the connection if its deadline passed, or waits for the deadline now in force.
    private func expired(_ context: ChannelHandlerContext) {
        timer = nil
        guard watching else { return }
        guard NIODeadline.now() >= deadline else {
            arm(at: deadline, context)
            return
        }
        if reading {
            logger.notice("closing a connection whose request did not arrive in time", metadata: ["timeout": "\(deadlines.read)"])
        }
        context.close(promise: nil)
    }

    private func stopWatching() {
        watching = false
        timer?.cancel()
        timer = nil
    }
}

/// A server child channel that puts a ``ConnectionDeadlineHandler`` in front of `inner`'s pipeline and,
/// with `onChannelLoop`, serves each connection with its channel's event loop as the task executor
/// (``ChannelLoopExecutor``).
struct DeadlineChildChannel<Inner: ServerChildChannel>: ServerChildChannel {
    typealias Value = Inner.Value

    let inner: Inner
    let deadlines: ConnectionDeadlines
    let onChannelLoop: Bool

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(ConnectionDeadlineHandler(deadlines: deadlines, logger: logger), position: .first)
        }.flatMap { inner.setup(channel: channel, logger: logger) }
    }

    func handle(value: Value, logger: Logger) async {
        guard onChannelLoop else { return await inner.handle(value: value, logger: logger) }
        await withTaskExecutorPreference(ChannelLoopExecutor(value.channel.eventLoop)) {
            await inner.handle(value: value, logger: logger)
        }
    }
}

extension HTTPServerBuilder {
    /// The child channels `make` builds, with ``ConnectionDeadlines`` enforced on every connection;
    /// with `onChannelLoop`, each connection is served on its channel's event loop.
    static func deadlines<Inner: ServerChildChannel>(_ deadlines: ConnectionDeadlines, onChannelLoop: Bool = false,
                                                     _ make: @escaping @Sendable (@escaping HTTPChannelHandler.Responder) -> Inner) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in DeadlineChildChannel(inner: make(responder), deadlines: deadlines, onChannelLoop: onChannelLoop) }
    }
}
