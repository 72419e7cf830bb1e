import CPEReach
import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A CPE's UDP connection-request port (TR-069 Annex G, TR-111 Part 2): one UDP socket that sends
/// STUN Binding requests (USERNAME, CONNECTION-REQUEST-BINDING, BINDING-CHANGE when the mapped
/// address changed) to the STUN server its ManagementServer.STUN* parameters name, learns its public
/// address from the answers, and accepts signed UDP connection requests on the same port.
public struct UDPConnectionRequestListener: Sendable {
    /// Address to bind, e.g. `127.3.0.1`.
    public var host: String
    /// Port to bind (0 picks a free one).
    public var port: Int
    /// The user name the ACS must sign with.
    public var username: String
    /// The password the ACS signs with.
    public var password: String
    /// Report NATDetected = true although the mapped address is the local one (on loopback there is no
    /// real NAT; this makes the CPE behave as one behind NAT does).
    public var simulateNAT: Bool

    /// Creates a listener.
    public init(host: String, port: Int = 0, username: String, password: String, simulateNAT: Bool = true) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.simulateNAT = simulateNAT
    }

    /// Serves until cancelled. `settings` is read before every Binding request (nil: STUN off);
    /// `bound` receives the local port, `learned` each new mapped address (with NATDetected),
    /// `onRequest` runs once per accepted connection request.
    public func run(settings: @escaping @Sendable () async -> STUNSettings?, bound: @Sendable (Int) async -> Void,
                    learned: @escaping @Sendable (String, Bool) async -> Void, onRequest: @escaping @Sendable () -> Void) async throws {
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(wrappingChannelSynchronously: channel)
                }
            }
        let localPort = channel.channel.localAddress?.port ?? port
        await bound(localPort)
        let local = "\(host):\(localPort)"
        let shared = SharedState()
        try await channel.executeThenClose { inbound, outbound in
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Binding requests every keep-alive period while STUN is enabled.
                group.addTask {
                    while !Task.isCancelled {
                        guard let stun = await settings() else {
                            try await Task.sleep(for: .milliseconds(200))
                            continue
                        }
                        let changed = shared.state.withLock { state in
                            defer { state.changed = false }
                            return state.changed
                        }
                        let request = STUNMessage.connectionRequestBinding(username: stun.username, bindingChanged: changed)
                        if let target = try? SocketAddress.makeAddressResolvingHost(stun.server, port: stun.port) {
                            shared.state.withLock { state in
                                if state.expected.count > 16 { state.expected.removeAll() }
                                state.expected.insert(request.transactionID)
                            }
                            try? await outbound.write(AddressedEnvelope(remoteAddress: target, data: ByteBuffer(bytes: request.encode())))
                        }
                        // Until the first answer, retry quickly; then keep the binding alive.
                        let answered = shared.state.withLock { $0.mapped != nil }
                        try await Task.sleep(for: .milliseconds(answered ? stun.keepAlive * 1000 : 250))
                    }
                }
                group.addTask {
                    var guardState = UDPConnectionRequestGuard()
                    for try await envelope in inbound {
                        var data = envelope.data
                        guard let bytes = data.readBytes(length: data.readableBytes), !bytes.isEmpty else { continue }
                        if bytes[0] & 0xC0 == 0, let message = try? STUNMessage.decode(bytes) {
                            guard message.kind == .bindingResponse, let address = message.mappedAddress else { continue }
                            let text = address.description
                            let isNew = shared.state.withLock { state -> Bool in
                                guard state.expected.remove(message.transactionID) != nil, text != state.mapped else { return false }
                                // A later change of the mapping is announced with BINDING-CHANGE.
                                state.changed = state.mapped != nil
                                state.mapped = text
                                return true
                            }
                            if isNew { await learned(text, simulateNAT || text != local) }
                            continue
                        }
                        if case .accept = guardState.judge(bytes, username: username, password: password) { onRequest() }
                    }
                }
                try await group.next()
                group.cancelAll()
            }
        }
    }

    final class SharedState: Sendable {
        let state = Mutex(Shared())
    }

    struct Shared {
        var expected: Set<[UInt8]> = []
        var mapped: String?
        var changed = false
    }
}
