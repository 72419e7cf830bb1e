import CWMP
import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// An XMPP client connection (RFC 6120) over plain TCP: opens the stream, authenticates with SASL
/// PLAIN, binds a resource and announces presence; then sends stanzas, matches IQ answers to their
/// requests by id and hands any other stanza to ``onStanza``. It is driven by NIO (no reader task):
/// the channel handler feeds an ``XMPPFramer`` and dispatches what it completes.
/// Plain TCP with PLAIN means the password crosses the network in clear: meant for a server on the
/// same host or a private management network (see docs/acs.md).
public final class XMPPConnection: Sendable {
    /// Where and who to connect as.
    public struct Account: Sendable, Hashable {
        /// Server host (an address or a name).
        public var host: String
        /// Server port (5222 by default).
        public var port: Int
        /// Bare JID `user@domain`.
        public var jid: String
        /// Password.
        public var password: String
        /// Resource to bind.
        public var resource: String

        /// Creates an account.
        public init(host: String, port: Int = 5222, jid: String, password: String, resource: String) {
            self.host = host
            self.port = port
            self.jid = jid
            self.password = password
            self.resource = resource
        }

        /// The part of the JID before `@`.
        public var localpart: String { String(jid.split(separator: "@", maxSplits: 1).first ?? "") }
        /// The part after `@` (and before any `/`).
        public var domain: String {
            let rest = jid.split(separator: "@", maxSplits: 1).dropFirst().first ?? ""
            return String(rest.split(separator: "/").first ?? "")
        }
    }

    /// Why the connection failed.
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// What went wrong.
        public let description: String
        /// Creates a failure.
        public init(_ description: String) { self.description = description }
    }

    struct State {
        var queued: [XMLElement] = []
        var next: CheckedContinuation<XMLElement, any Error>?
        var answers: [String: CheckedContinuation<XMLElement, any Error>] = [:]
        var negotiated = false
        var closed: Failure?
        var counter = 0
    }

    let channel: any Channel
    let state = Mutex(State())
    let handler = Mutex<(@Sendable (XMLElement, XMPPConnection) -> Void)?>(nil)
    let boundJID = Mutex<String>("")

    /// The full JID the server bound.
    public var jid: String { boundJID.withLock { $0 } }

    init(channel: any Channel) {
        self.channel = channel
    }

    /// Connects and logs in within `timeout` seconds; `onStanza` receives stanzas that are not answers
    /// to this side's IQs (for a CPE: the connection requests).
    public static func connect(_ account: Account, timeout: TimeInterval = 5,
                               onStanza: (@Sendable (XMLElement, XMPPConnection) -> Void)? = nil) async throws -> XMPPConnection {
        let deadline = TimeAmount.milliseconds(Int64(timeout * 1000))
        let box = Box()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(deadline)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(StreamHandler(box: box))
                }
            }
            .connect(host: account.host, port: account.port).get()
        let connection = XMPPConnection(channel: channel)
        connection.handler.withLock { $0 = onStanza }
        box.value.withLock { $0 = connection }
        let timer = channel.eventLoop.scheduleTask(in: deadline) {
            if !connection.state.withLock({ $0.negotiated }) { connection.fail(Failure("no login within \(timeout) s")) }
        }
        defer { timer.cancel() }
        do {
            try await connection.negotiate(account)
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    /// Whether the stream is still up.
    public var isActive: Bool { channel.isActive && state.withLock { $0.closed == nil } }

    /// Sends raw stanza text.
    public func send(_ xml: String) async throws {
        var buffer = channel.allocator.buffer(capacity: xml.utf8.count)
        buffer.writeString(xml)
        try await channel.writeAndFlush(buffer)
    }

    /// A fresh IQ id.
    public func nextID(_ prefix: String = "octo") -> String {
        state.withLock { state in
            state.counter += 1
            return "\(prefix)\(state.counter)"
        }
    }

    /// Sends an IQ with `id` and waits up to `timeout` seconds for the answer with that id.
    public func query(_ xml: String, id: String, timeout: TimeInterval) async throws -> XMLElement {
        let timer = channel.eventLoop.scheduleTask(in: .milliseconds(Int64(timeout * 1000))) { [self] in
            let waiter = state.withLock { $0.answers.removeValue(forKey: id) }
            waiter?.resume(throwing: Failure("no answer within \(timeout) s"))
        }
        defer { timer.cancel() }
        return try await withCheckedThrowingContinuation { continuation in
            let failure: Failure? = state.withLock { state in
                if let closed = state.closed { return closed }
                state.answers[id] = continuation
                return nil
            }
            if let failure {
                continuation.resume(throwing: failure)
                return
            }
            var buffer = channel.allocator.buffer(capacity: xml.utf8.count)
            buffer.writeString(xml)
            channel.writeAndFlush(buffer).whenFailure { [self] error in
                state.withLock { $0.answers.removeValue(forKey: id) }?.resume(throwing: Failure("send failed: \(error)"))
            }
        }
    }

    /// Closes the stream and the connection.
    public func close() {
        if channel.isActive {
            var buffer = channel.allocator.buffer(capacity: 16)
            buffer.writeString("</stream:stream>")
            channel.writeAndFlush(buffer).whenComplete { [channel] _ in channel.close(promise: nil) }
        }
        fail(Failure("closed"))
    }

    // MARK: Negotiation

    func negotiate(_ account: Account) async throws {
        try await send(streamHeader(account.domain))
        var features = try await nextElement()
        guard features.name == "features" else { throw Failure("expected stream features, got <\(features.name)>") }
        if features.child("starttls")?.child("required") != nil {
            throw Failure("the server requires STARTTLS, which this client does not do")
        }
        let mechanisms = features.child("mechanisms")?.children(named: "mechanism").map(\.text) ?? []
        guard mechanisms.contains("PLAIN") else { throw Failure("the server offers no SASL PLAIN (offers \(mechanisms))") }
        let token = Data(([0] + Array(account.localpart.utf8) + [0] + Array(account.password.utf8))).base64EncodedString()
        try await send("<auth xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\" mechanism=\"PLAIN\">\(token)</auth>")
        let answer = try await nextElement()
        guard answer.name == "success" else {
            throw Failure("authentication of \(account.jid) failed: \(answer.children.first?.name ?? answer.name)")
        }
        try await send(streamHeader(account.domain))
        features = try await nextElement()
        guard features.child("bind") != nil else { throw Failure("the server offers no resource binding") }
        try await send("<iq type=\"set\" id=\"bind1\"><bind xmlns=\"urn:ietf:params:xml:ns:xmpp-bind\"><resource>\(xmlEscape(account.resource))</resource></bind></iq>")
        let bound = try await nextElement()
        guard bound.attributes["type"] == "result", let jid = bound.child("bind")?.child("jid")?.text else {
            throw Failure("resource binding failed")
        }
        boundJID.withLock { $0 = jid }
        if let session = features.child("session"), session.child("optional") == nil {
            try await send("<iq type=\"set\" id=\"sess1\"><session xmlns=\"urn:ietf:params:xml:ns:xmpp-session\"/></iq>")
            _ = try await nextElement()
        }
        try await send("<presence/>")
        let early = state.withLock { state -> [XMLElement] in
            state.negotiated = true
            defer { state.queued = [] }
            return state.queued
        }
        for element in early { dispatch(element) }
    }

    func streamHeader(_ domain: String) -> String {
        "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='\(xmlEscape(domain))' version='1.0'>"
    }

    func nextElement() async throws -> XMLElement {
        try await withCheckedThrowingContinuation { continuation in
            let ready: Result<XMLElement, Failure>? = state.withLock { state in
                if !state.queued.isEmpty { return .success(state.queued.removeFirst()) }
                if let closed = state.closed { return .failure(closed) }
                state.next = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }

    // MARK: Inbound

    func receive(_ event: XMPPFramer.Event) {
        switch event {
        case .opened: break
        case .closed: fail(Failure("the server closed the stream"))
        case .element(let element):
            if element.name == "error" {
                fail(Failure("stream error: \(element.children.first?.name ?? "unknown")"))
                return
            }
            let waiter: CheckedContinuation<XMLElement, any Error>? = state.withLock { state in
                guard !state.negotiated else { return nil }
                if let next = state.next {
                    state.next = nil
                    return next
                }
                state.queued.append(element)
                return nil
            }
            if let waiter {
                waiter.resume(returning: element)
                return
            }
            if state.withLock({ $0.negotiated }) { dispatch(element) }
        }
    }

    func dispatch(_ element: XMLElement) {
        if element.name == "iq", let type = element.attributes["type"], type == "result" || type == "error", let id = element.attributes["id"],
           let waiter = state.withLock({ $0.answers.removeValue(forKey: id) }) {
            waiter.resume(returning: element)
            return
        }
        if let handler = handler.withLock({ $0 }) {
            handler(element, self)
        }
    }

    func fail(_ failure: Failure) {
        let (next, answers) = state.withLock { state -> (CheckedContinuation<XMLElement, any Error>?, [CheckedContinuation<XMLElement, any Error>]) in
            if state.closed == nil { state.closed = failure }
            defer {
                state.next = nil
                state.answers = [:]
            }
            return (state.next, Array(state.answers.values))
        }
        next?.resume(throwing: failure)
        for answer in answers { answer.resume(throwing: failure) }
        if channel.isActive { channel.close(promise: nil) }
    }

    /// The connection the channel handler reports to, set once it exists.
    final class Box: Sendable {
        let value = Mutex<XMPPConnection?>(nil)
    }

    /// Feeds bytes to the framer, restarting it when a new stream header comes (after SASL success).
    final class StreamHandler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        let box: Box
        var framer = XMPPFramer()

        init(box: Box) {
            self.box = box
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            guard let bytes = buffer.readBytes(length: buffer.readableBytes), let connection = box.value.withLock({ $0 }) else { return }
            do {
                var events = try framer.feed(bytes)
                while let event = events.first {
                    events.removeFirst()
                    if case .element(let element) = event, element.name == "success" {
                        // The server restarts the stream after SASL success: what follows is a new header.
                        connection.receive(event)
                        let rest = Array(framer.buffer)
                        framer.restart()
                        events += try framer.feed(rest)
                        continue
                    }
                    connection.receive(event)
                }
            } catch {
                connection.fail(Failure("\(error)"))
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            box.value.withLock { $0 }?.fail(Failure("the connection closed"))
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            box.value.withLock { $0 }?.fail(Failure("\(error)"))
            context.close(promise: nil)
        }
    }
}
