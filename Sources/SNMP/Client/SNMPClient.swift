import Logging
import NIOCore
import NIOPosix
import Synchronization

/// An async SNMP manager: one UDP socket multiplexing any number of outstanding requests
/// to any number of agents, matched by request-id (SNMPv1/v2c) or msgID (SNMPv3).
///
/// Create it with ``start(configuration:)``, use it from any task, and end it with ``close()``.
/// ``run()`` suspends until the client is closed or the calling task is cancelled, which makes it
/// fit a service-lifecycle style supervisor.
public final class SNMPClient: Sendable {
    /// Client-wide settings.
    public struct Configuration: Sendable {
        /// Local address to bind (default: any IPv4 address, ephemeral port).
        public var bindHost: String
        /// Local port to bind (0: ephemeral).
        public var bindPort: Int
        /// The most requests outstanding to one agent at a time; others wait their turn.
        public var maxConcurrentRequestsPerTarget: Int
        /// Socket receive buffer size in bytes, for bursts of responses.
        public var receiveBufferSize: Int
        /// Where USM keys are cached.
        public var keyCache: USMKeyCache
        /// Diagnostics.
        public var logger: Logger

        /// Creates a configuration.
        public init(bindHost: String = "0.0.0.0", bindPort: Int = 0, maxConcurrentRequestsPerTarget: Int = 4,
                    receiveBufferSize: Int = 4 << 20, keyCache: USMKeyCache = .shared,
                    logger: Logger = Logger(label: "snmp.client")) {
            self.bindHost = bindHost
            self.bindPort = bindPort
            self.maxConcurrentRequestsPerTarget = maxConcurrentRequestsPerTarget
            self.receiveBufferSize = receiveBufferSize
            self.keyCache = keyCache
            self.logger = logger
        }
    }

    let channel: any Channel
    let router: ResponseRouter
    let limiter: TargetLimiter
    let configuration: Configuration
    let engines = Mutex<[SocketAddress: USMEngineState]>([:])
    private let nextID = Atomic<UInt32>(UInt32.random(in: 1...0x3FFF_FFFF))

    private init(channel: any Channel, router: ResponseRouter, configuration: Configuration) {
        self.channel = channel
        self.router = router
        self.configuration = configuration
        self.limiter = TargetLimiter(limit: configuration.maxConcurrentRequestsPerTarget)
    }

    /// Binds the socket and returns a ready client.
    public static func start(configuration: Configuration = Configuration(),
                             group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton)
        async throws -> SNMPClient {
        let loop = group.any()
        let router = ResponseRouter(eventLoop: loop)
        let bootstrap = DatagramBootstrap(group: loop)
            .channelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .channelOption(ChannelOptions.socketOption(.so_rcvbuf), value: SocketOptionValue(configuration.receiveBufferSize))
            .channelOption(ChannelOptions.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
            .channelOption(ChannelOptions.maxMessagesPerRead, value: 64)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(router)
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: configuration.bindHost, port: configuration.bindPort).get()
        } catch {
            throw SNMPError(.transport, "cannot bind \(configuration.bindHost):\(configuration.bindPort): \(error)")
        }
        return SNMPClient(channel: channel, router: router, configuration: configuration)
    }

    /// The local address of the socket.
    public var localAddress: SocketAddress? { channel.localAddress }

    /// Suspends until the client is closed; cancelling the calling task closes it.
    public func run() async throws {
        try await withTaskCancellationHandler {
            try await channel.closeFuture.get()
        } onCancel: {
            self.closeNow()
        }
    }

    /// Fails outstanding requests with ``SNMPError/Code/closed`` and closes the socket.
    public func close() async {
        closeNow()
        try? await channel.closeFuture.get()
    }

    private func closeNow() {
        let router = self.router
        let channel = self.channel
        channel.eventLoop.execute {
            router.shutdown()
            channel.close(promise: nil)
        }
    }

    func allocateID() -> Int32 {
        let raw = nextID.wrappingAdd(1, ordering: .relaxed).newValue
        return Int32(bitPattern: (raw & 0x7FFF_FFFF) | (raw & 0x7FFF_FFFF == 0 ? 1 : 0))
    }

    /// Sends one datagram and waits for the datagram answering it.
    func exchange(id: Int32, datagram: [UInt8], target: SNMPTarget) async throws -> [UInt8] {
        let router = self.router
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8], any Error>) in
                if router.eventLoop.inEventLoop {
                    router.start(id: id, datagram: datagram, to: target.address, timeout: target.timeout,
                                 retries: target.retries, continuation: continuation)
                } else {
                    router.eventLoop.execute {
                        router.start(id: id, datagram: datagram, to: target.address, timeout: target.timeout,
                                     retries: target.retries, continuation: continuation)
                    }
                }
            }
        } onCancel: {
            router.eventLoop.execute { router.cancel(id: id) }
        }
    }

    /// Sends `pdu` to `target` and returns the response PDU, whatever its error-status.
    ///
    /// The request-id is assigned here. For SNMPv3, engine discovery and time synchronization
    /// happen first as needed. Throws ``SNMPError`` on timeout, security failure or a malformed reply.
    public func send(_ pdu: PDU, to target: SNMPTarget) async throws -> PDU {
        await limiter.acquire(target.address)
        defer { limiter.release(target.address) }
        switch target.credentials {
        case .v1(let community), .v2c(let community):
            return try await sendCommunity(pdu, community: community, target: target)
        case .v3(let user, let level, let contextName):
            return try await sendUSM(pdu, user: user, level: level, contextName: contextName, target: target)
        }
    }

    private func sendCommunity(_ pdu: PDU, community: String, target: SNMPTarget) async throws -> PDU {
        var request = pdu
        request.requestID = allocateID()
        let datagram = CommunityMessage(version: target.credentials.version, community: community, pdu: request)
            .encoded()
        let reply = try await exchange(id: request.requestID, datagram: datagram, target: target)
        let message: CommunityMessage
        do {
            message = try CommunityMessage.decode(reply)
        } catch {
            throw SNMPError(.malformedResponse, "\(target.address): \(error)")
        }
        guard case .standard(let response) = message.pdu, response.type == .response,
              response.requestID == request.requestID else {
            throw SNMPError(.malformedResponse, "\(target.address): not a response to request \(request.requestID)")
        }
        return response
    }

    /// Sends a request and throws ``SNMPError/Code/agentError`` when the error-status is not noError.
    public func request(_ pdu: PDU, to target: SNMPTarget) async throws -> [VarBind] {
        let response = try await send(pdu, to: target)
        guard response.errorStatus == 0 else {
            throw SNMPError(.agentError, "\(target.address)", errorStatus: response.errorStatus,
                            errorIndex: response.errorIndex)
        }
        return response.varBinds
    }

    /// GET.
    public func get(_ oids: [OID], from target: SNMPTarget) async throws -> [VarBind] {
        try await request(PDU(type: .get, varBinds: oids.map { VarBind($0) }), to: target)
    }

    /// GETNEXT.
    public func getNext(_ oids: [OID], from target: SNMPTarget) async throws -> [VarBind] {
        try await request(PDU(type: .getNext, varBinds: oids.map { VarBind($0) }), to: target)
    }

    /// GETBULK (SNMPv2c and v3 only).
    public func getBulk(_ oids: [OID], nonRepeaters: Int = 0, maxRepetitions: Int,
                        from target: SNMPTarget) async throws -> [VarBind] {
        try await request(.getBulk(nonRepeaters: Int32(nonRepeaters), maxRepetitions: Int32(maxRepetitions), oids),
                          to: target)
    }

    /// SET.
    public func set(_ varBinds: [VarBind], on target: SNMPTarget) async throws -> [VarBind] {
        try await request(PDU(type: .set, varBinds: varBinds), to: target)
    }
}
