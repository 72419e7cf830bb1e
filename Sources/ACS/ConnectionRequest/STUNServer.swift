import CPEReach
import Foundation
import Logging
import Metrics
import NIOCore
import NIOPosix
import OctoCore
import OctoStore
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The STUN server role (`serve --roles stun`): answers RFC 5389 Binding requests (and RFC 3489 ones,
/// for older clients) with the sender's reflexive address, and learns each CPE's public UDP
/// connection-request address from the Binding requests that carry TR-111's
/// CONNECTION-REQUEST-BINDING. Such a request names the device in USERNAME as
/// `{providerSlug}:{OUI}-{SerialNumber}` (the value the ACS sets as ManagementServer.STUNUsername);
/// the binding is stored in `cwmp_devices` (`stun_address`, `stun_port`). A request with CHANGE-REQUEST
/// is not answered: this server has one address, like a server whose alternate address is filtered.
/// Database writes happen when a binding changes, on BINDING-CHANGE, or once a minute per device for
/// keepalives, so 10,000 CPEs refreshing every 30 s do not write 330 rows a second.
public struct STUNServer: Service {
    let database: Database
    let host: String
    let port: Int
    let clock: any WallClock
    let logger: Logger
    let onBound: @Sendable (Int) async -> Void
    let metrics: any MetricsFactory
    let recent = RecentBindings()
    /// Seconds between two writes of an unchanged binding.
    let refreshInterval: TimeInterval = 60

    /// Creates the server on `host`:`port` (`OCTOISP_STUN_HOST`, `OCTOISP_STUN_PORT`, default 3478); its
    /// metrics go to `metrics` (the process's bootstrapped factory by default).
    public init(database: Database, host: String, port: Int, clock: any WallClock, logger: Logger,
                metrics: any MetricsFactory = MetricsSystem.factory, onBound: @escaping @Sendable (Int) async -> Void = { _ in }) {
        self.database = database
        self.host = host
        self.port = port
        self.clock = clock
        self.logger = logger
        self.onBound = onBound
        self.metrics = metrics
    }

    /// What a datagram asks of the server: the answer to send, and a binding to record.
    struct Handling: Sendable {
        var answer: [UInt8]?
        var binding: (username: String, address: STUNMessage.Address, changed: Bool)?
    }

    /// Decides the answer to `datagram` from `source` (no I/O).
    static func handle(_ datagram: [UInt8], from source: STUNMessage.Address) -> Handling {
        guard let request = try? STUNMessage.decode(datagram), request.kind == .bindingRequest else { return Handling() }
        if let flags = request.attribute(STUNMessage.AttributeType.changeRequest), flags.count == 4, flags[3] & 0x06 != 0 {
            return Handling()
        }
        let unknown = request.unknownRequiredAttributes
        if !unknown.isEmpty {
            var error = STUNMessage.errorResponse(to: request, code: 420, reason: "Unknown Attribute")
            error.attributes.append(.init(type: 0x000A, value: unknown.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }))
            return Handling(answer: error.encode())
        }
        let answer = STUNMessage.bindingResponse(to: request, source: source).encode(fingerprint: request.hasMagicCookie)
        guard request.isConnectionRequestBinding, let username = request.username, !username.isEmpty else { return Handling(answer: answer) }
        return Handling(answer: answer, binding: (username, source, request.isBindingChange))
    }

    /// Serves until graceful shutdown.
    public func run() async throws {
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(wrappingChannelSynchronously: channel)
                }
            }
        let boundPort = channel.channel.localAddress?.port ?? port
        logger.info("STUN server listening", metadata: ["host": "\(host)", "port": "\(boundPort)"])
        await onBound(boundPort)
        let (bindings, sink) = AsyncStream.makeStream(of: (String, STUNMessage.Address, Bool).self, bufferingPolicy: .bufferingNewest(10_000))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await (username, address, changed) in bindings {
                    await record(username: username, address: address, changed: changed)
                }
            }
            try await channel.executeThenClose { inbound, outbound in
                try await withGracefulShutdownHandler {
                    for try await envelope in inbound {
                        var data = envelope.data
                        guard let bytes = data.readBytes(length: data.readableBytes), let source = Self.address(envelope.remoteAddress) else { continue }
                        let handling = Self.handle(bytes, from: source)
                        if let answer = handling.answer {
                            try await outbound.write(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: ByteBuffer(bytes: answer)))
                            Counter(label: "octoisp_stun_binding_requests_total", dimensions: [("kind", handling.binding == nil ? "plain" : "connection_request")],
                                    factory: metrics).increment()
                        }
                        if let binding = handling.binding { sink.yield((binding.username, binding.address, binding.changed)) }
                    }
                } onGracefulShutdown: {
                    channel.channel.close(promise: nil)
                }
            }
            sink.finish()
            try await group.waitForAll()
        }
    }

    static func address(_ socket: SocketAddress) -> STUNMessage.Address? {
        guard let port = socket.port else { return nil }
        switch socket {
        case .v4(let v4):
            return STUNMessage.Address(bytes: withUnsafeBytes(of: v4.address.sin_addr) { Array($0) }, port: UInt16(port))
        case .v6(let v6):
            return STUNMessage.Address(bytes: withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }, port: UInt16(port))
        default:
            return nil
        }
    }

    /// Stores the binding of the device `username` names, unless nothing changed within the refresh interval.
    func record(username: String, address: STUNMessage.Address, changed: Bool) async {
        let now = clock.now
        let text = address.description
        let skip = recent.entries.withLock { cache in
            if !changed, let last = cache[username], last.address == text, now.timeIntervalSince(last.written) < refreshInterval { return true }
            if cache.count > 200_000 { cache.removeAll() }
            cache[username] = (text, now)
            return false
        }
        if skip { return }
        guard let (slug, oui, serial) = Self.parse(username: username) else {
            logger.debug("STUN binding with an unusable USERNAME", metadata: ["username": "\(username)"])
            return
        }
        do {
            let provider = try await database.withTenant(nil, logger: logger) { tx in try await tx.lookup.provider(slug: slug) }
            guard let provider else {
                logger.debug("STUN binding for an unknown provider", metadata: ["provider.slug": "\(slug)"])
                return
            }
            let device = try await database.withTenant(provider, logger: logger) { tx in
                try await tx.query("""
                    UPDATE cwmp_devices c SET stun_address = \(address.host)::inet, stun_port = \(Int(address.port)), stun_seen_at = \(now),
                        stun_changed_at = CASE WHEN c.stun_address IS DISTINCT FROM \(address.host)::inet OR c.stun_port IS DISTINCT FROM \(Int(address.port))
                                               OR \(changed) THEN \(now) ELSE c.stun_changed_at END
                    FROM devices d WHERE d.id = c.device_id AND d.oui = \(oui) AND d.serial_number = \(serial)
                    RETURNING c.device_id
                    """).acsFirst { try $0.acsColumn("device_id", as: UUID.self) }
            }
            if let device {
                logger.debug("STUN binding", metadata: ["provider.id": "\(provider.lowercased)", "device.id": "\(device.lowercased)",
                                                        "address": "\(text)", "changed": "\(changed)"])
            } else {
                // Unknown device: forget the cache entry so a later registration is picked up at once.
                _ = recent.entries.withLock { $0.removeValue(forKey: username) }
            }
        } catch {
            _ = recent.entries.withLock { $0.removeValue(forKey: username) }
            logger.error("storing a STUN binding failed", metadata: ["error": "\(error)"])
        }
    }

    /// `{providerSlug}:{OUI}-{SerialNumber}`.
    public static func parse(username: String) -> (slug: String, oui: String, serial: String)? {
        guard let colon = username.firstIndex(of: ":") else { return nil }
        let slug = String(username[..<colon])
        let rest = username[username.index(after: colon)...]
        guard let dash = rest.firstIndex(of: "-") else { return nil }
        let oui = String(rest[..<dash])
        let serial = String(rest[rest.index(after: dash)...])
        guard !slug.isEmpty, !oui.isEmpty, !serial.isEmpty else { return nil }
        return (slug, oui, serial)
    }

    /// The STUNUsername the ACS expects a device to use.
    public static func username(providerSlug: String, oui: String, serial: String) -> String {
        "\(providerSlug):\(oui)-\(serial)"
    }
}

/// The bindings a STUN server wrote lately, so keepalives do not each write a row.
final class RecentBindings: Sendable {
    let entries = Mutex<[String: (address: String, written: Date)]>([:])
}
