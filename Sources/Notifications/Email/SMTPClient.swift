import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization

/// An SMTP client (RFC 5321) on SwiftNIO: EHLO, STARTTLS (RFC 3207), AUTH PLAIN or LOGIN
/// (RFC 4954), MAIL FROM, RCPT TO, DATA with dot-stuffing, QUIT. One message per connection.
public struct SMTPClient: Sendable {
    /// Where and how to connect.
    public var configuration: SMTPConfiguration

    /// Creates a client.
    public init(_ configuration: SMTPConfiguration) {
        self.configuration = configuration
    }

    /// Sends `message` to all its recipients; returns the server's reply to the end of DATA (which
    /// often names its queue id).
    public func send(_ message: MailMessage) async throws(SMTPError) -> SMTPReply {
        let payload = MIME.dotStuffed(try message.encoded())
        let configuration = self.configuration
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(configuration.connectTimeout.timeAmount)
                .connect(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw SMTPError(.connection, "cannot connect to \(configuration.host):\(configuration.port): \(error)")
        }
        do {
            return try await channel.executeThenClose { inbound, outbound in
                var session = SMTPSession(channel: channel.channel, lines: inbound.makeAsyncIterator(), outbound: outbound,
                                          timeout: configuration.commandTimeout)
                return try await session.run(configuration, message: message, payload: payload)
            }
        } catch let error as SMTPError {
            throw error
        } catch {
            throw SMTPError(.connection, "\(configuration.host):\(configuration.port): \(error)")
        }
    }
}

/// The conversation on one connection.
private struct SMTPSession {
    let channel: any Channel
    var lines: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    let timeout: Duration
    var pending: [UInt8] = []
    /// Set once STARTTLS put a TLS handler in the pipeline.
    var handshake: TLSHandshakeState?

    mutating func run(_ configuration: SMTPConfiguration, message: MailMessage, payload: [UInt8]) async throws -> SMTPReply {
        try expect(try await readReply(command: "greeting"), [220], command: "greeting")
        var extensions = try await ehlo(configuration.heloName)

        if configuration.security == .startTLS {
            guard extensions.keys.contains("STARTTLS") else {
                throw SMTPError(.startTLSUnavailable, "TLS is required but the server does not offer STARTTLS", command: "EHLO")
            }
            let reply = try await command("STARTTLS")
            guard reply.code == 220 else {
                throw SMTPError(.startTLSUnavailable, "the server refused STARTTLS", command: "STARTTLS",
                                replyCode: reply.code, replyText: reply.text)
            }
            // Anything the server sent after its 220 would be read as if it came over TLS.
            guard pending.isEmpty else { throw SMTPError(.protocol, "data after the STARTTLS reply", command: "STARTTLS") }
            try await startTLS(configuration)
            extensions = try await ehlo(configuration.heloName)
        }

        if let username = configuration.username {
            try await authenticate(username: username, password: configuration.password ?? "", extensions: extensions,
                                   preferred: configuration.authMechanism)
        }

        try expect(try await command("MAIL FROM:<\(message.from.address)>"), [250], command: "MAIL FROM")
        for recipient in message.to {
            try expect(try await command("RCPT TO:<\(recipient.address)>"), [250, 251], command: "RCPT TO <\(recipient.address)>")
        }
        try expect(try await command("DATA"), [354], command: "DATA")
        try await write(payload)
        let accepted = try await readReply(command: "end of DATA")
        try expect(accepted, [250], command: "end of DATA")
        // The message is accepted; a failing QUIT changes nothing.
        _ = try? await command("QUIT")
        return accepted
    }

    /// EHLO; the extensions the server announced, by upper-cased keyword, with their parameters.
    mutating func ehlo(_ name: String) async throws -> [String: [String]] {
        let reply = try await command("EHLO \(name)")
        try expect(reply, [250], command: "EHLO")
        var extensions: [String: [String]] = [:]
        for line in reply.lines.dropFirst() {
            let words = line.split(separator: " ").map(String.init)
            guard let keyword = words.first else { continue }
            extensions[keyword.uppercased()] = Array(words.dropFirst()).map { $0.uppercased() }
        }
        return extensions
    }

    mutating func authenticate(username: String, password: String, extensions: [String: [String]],
                               preferred: SMTPConfiguration.AuthMechanism?) async throws {
        let offered = Set(extensions["AUTH"] ?? [])
        let mechanism: SMTPConfiguration.AuthMechanism
        if let preferred {
            guard offered.contains(preferred.rawValue) else {
                throw SMTPError(.authenticationUnavailable, "the server does not offer AUTH \(preferred.rawValue)", command: "EHLO")
            }
            mechanism = preferred
        } else if offered.contains("PLAIN") {
            mechanism = .plain
        } else if offered.contains("LOGIN") {
            mechanism = .login
        } else {
            throw SMTPError(.authenticationUnavailable,
                            offered.isEmpty ? "the server offers no AUTH (is TLS required first?)" : "the server offers only AUTH \(offered.sorted().joined(separator: " "))",
                            command: "EHLO")
        }
        switch mechanism {
        case .plain:
            let token = Data([0] + Array(username.utf8) + [0] + Array(password.utf8)).base64EncodedString()
            try expect(try await command("AUTH PLAIN \(token)", name: "AUTH PLAIN"), [235], command: "AUTH PLAIN")
        case .login:
            try expect(try await command("AUTH LOGIN"), [334], command: "AUTH LOGIN")
            try expect(try await command(Data(username.utf8).base64EncodedString(), name: "AUTH LOGIN username"), [334],
                       command: "AUTH LOGIN username")
            try expect(try await command(Data(password.utf8).base64EncodedString(), name: "AUTH LOGIN password"), [235],
                       command: "AUTH LOGIN password")
        }
    }

    mutating func startTLS(_ configuration: SMTPConfiguration) async throws {
        let context: NIOSSLContext
        do {
            context = try configuration.trust.clientContext()
        } catch {
            throw SMTPError(.tls, "cannot build the TLS context: \(error)", command: "STARTTLS")
        }
        let serverName = configuration.tlsServerName ?? TLSTrust.serverName(for: configuration.host)
        let channel = self.channel
        let state = TLSHandshakeState()
        do {
            try await channel.eventLoop.submit {
                let handler = try NIOSSLClientHandler(context: context, serverHostname: serverName)
                try channel.pipeline.syncOperations.addHandler(handler, position: .first)
                try channel.pipeline.syncOperations.addHandler(TLSHandshakeObserver(state), position: .after(handler))
            }.get()
        } catch {
            throw SMTPError(.tls, "cannot start TLS: \(error)", command: "STARTTLS")
        }
        handshake = state
    }

    /// Sends `line` and reads the reply; `name` replaces the line in errors (it may hold credentials).
    mutating func command(_ line: String, name: String? = nil) async throws -> SMTPReply {
        let label = name ?? String(line.prefix(while: { $0 != ":" && $0 != " " }))
        guard !line.contains("\r"), !line.contains("\n") else {
            throw SMTPError(.invalidMessage, "line break inside a command", command: label)
        }
        try await write(Array((line + "\r\n").utf8), command: label)
        return try await readReply(command: label)
    }

    /// Writes within the timeout: a server that stops reading cannot hold the message forever.
    func write(_ bytes: [UInt8], command: String = "DATA") async throws {
        let timedOut = Flag()
        let channel = self.channel
        let timer = channel.eventLoop.scheduleTask(in: timeout.timeAmount) {
            timedOut.set()
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        do {
            try await outbound.write(ByteBuffer(bytes: bytes))
        } catch {
            if timedOut.isSet { throw SMTPError(.timeout, "could not write within \(timeout)", command: command) }
            throw failure(error, command: command)
        }
    }

    /// Reads one (possibly multi-line) reply within the timeout.
    mutating func readReply(command: String) async throws -> SMTPReply {
        let timedOut = Flag()
        let channel = self.channel
        let timer = channel.eventLoop.scheduleTask(in: timeout.timeAmount) {
            timedOut.set()
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        do {
            var lines: [String] = []
            while true {
                guard let line = try await nextLine() else {
                    throw SMTPError(.connection, "the server closed the connection", command: command)
                }
                let bytes = Array(line.utf8)
                guard bytes.count >= 3, bytes[0...2].allSatisfy({ $0 >= 48 && $0 <= 57 }), let code = Int(String(line.prefix(3))),
                      bytes.count == 3 || bytes[3] == UInt8(ascii: " ") || bytes[3] == UInt8(ascii: "-") else {
                    throw SMTPError(.protocol, "not an SMTP reply: \(line.prefix(80).debugDescription)", command: command)
                }
                lines.append(bytes.count > 4 ? String(line.dropFirst(4)) : "")
                if bytes.count == 3 || bytes[3] == UInt8(ascii: " ") { return SMTPReply(code: code, lines: lines) }
            }
        } catch {
            if timedOut.isSet {
                throw SMTPError(.timeout, "no reply within \(timeout)", command: command)
            }
            throw failure(error, command: command)
        }
    }

    /// The next CRLF- (or LF-) terminated line, without its terminator; nil at end of stream.
    mutating func nextLine() async throws -> String? {
        while true {
            if let end = pending.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(pending[..<end])
                pending.removeSubrange(...end)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard pending.count < 64 * 1024 else { throw SMTPError(.protocol, "reply line longer than 64 KiB") }
            guard let buffer = try await lines.next() else { return nil }
            pending += Array(buffer.readableBytesView)
        }
    }

    func expect(_ reply: SMTPReply, _ codes: Set<Int>, command: String) throws {
        guard codes.contains(reply.code) else {
            throw SMTPError(.rejected, "unexpected reply", command: command, replyCode: reply.code, replyText: reply.text)
        }
    }

    func failure(_ error: any Error, command: String) -> SMTPError {
        // A failed handshake may reach us only as a closed connection: ask the observer.
        if let handshake, !handshake.completed {
            return SMTPError(.tls, "TLS handshake failed: \(handshake.error ?? "\(error)")", command: command)
        }
        if let error = error as? SMTPError { return error }
        if error is NIOSSLError || error is BoringSSLError {
            return SMTPError(.tls, "TLS failed: \(error)", command: command)
        }
        return SMTPError(.connection, "\(error)", command: command)
    }
}

/// What became of the TLS handshake after STARTTLS, as ``TLSHandshakeObserver`` saw it.
final class TLSHandshakeState: Sendable {
    private struct State {
        var completed = false
        var error: String?
    }
    private let state = Mutex(State())

    init() {}

    var completed: Bool { state.withLock { $0.completed } }
    var error: String? { state.withLock { $0.error } }

    func complete() { state.withLock { $0.completed = true } }
    func fail(_ error: any Error) { state.withLock { if $0.error == nil { $0.error = "\(error)" } } }
}

/// Sits right after the TLS handler and records the handshake's outcome.
final class TLSHandshakeObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let state: TLSHandshakeState

    init(_ state: TLSHandshakeState) {
        self.state = state
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event { state.complete() }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        state.fail(error)
        context.fireErrorCaught(error)
    }
}
