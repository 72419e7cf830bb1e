import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOTLS

/// Runs an HTTP/HTTPS test with SwiftNIO: resolves, connects, shakes hands, sends one request per
/// hop of the redirect chain (`Connection: close`), and times each phase. Failures are part of the
/// result (`failedAt`, `error`), not thrown: a refused connection or a bad certificate is what the
/// technician wants to see.
public struct HTTPProbe: Sendable {
    /// The validated request.
    public var request: HTTPTestRequest
    /// Called with every address before it is connected to (redirects included); throwing refuses it.
    public var addressCheck: @Sendable (String) async throws -> Void
    /// Roots trusted besides the system's (tests pin their own CA).
    public var additionalTrustRoots: [NIOSSLCertificate]
    /// The clock of the expiry countdown.
    public var now: @Sendable () -> Date

    /// Creates a probe.
    public init(_ request: HTTPTestRequest, addressCheck: @escaping @Sendable (String) async throws -> Void = { _ in },
                additionalTrustRoots: [NIOSSLCertificate] = [], now: @escaping @Sendable () -> Date = { Date() }) {
        self.request = request
        self.addressCheck = addressCheck
        self.additionalTrustRoots = additionalTrustRoots
        self.now = now
    }

    /// Runs the chain.
    public func run(cancellation: ToolCancellation = ToolCancellation()) async throws -> HTTPTestResult {
        var target = try request.parsedURL()
        var redirects: [HTTPRedirect] = []
        let chainStart = ContinuousClock.now
        while true {
            var result = await single(target)
            result.redirects = redirects
            result.chainMs = Durations.rounded(Durations.milliseconds(ContinuousClock.now - chainStart))
            guard request.followRedirects, let status = result.status, [301, 302, 303, 307, 308].contains(status),
                  let location = result.headers.first(where: { $0.name.lowercased() == "location" })?.value,
                  redirects.count < request.maxRedirects, !cancellation.isCancelled else { return result }
            guard let next = URL(string: location, relativeTo: target.url)?.absoluteURL, let parsed = HTTPTarget(next.absoluteString) else {
                result.failedAt = "http"
                result.error = "the redirect to \(location) is not an http(s) URL"
                return result
            }
            redirects.append(HTTPRedirect(url: target.url.absoluteString, status: status, location: next.absoluteString))
            target = parsed
        }
    }

    /// One request.
    func single(_ target: HTTPTarget) async -> HTTPTestResult {
        let start = ContinuousClock.now
        var result = HTTPTestResult(url: target.url.absoluteString, redirects: [], headers: [],
                                    timing: HTTPTiming(dnsMs: 0, totalMs: 0), chainMs: 0, bodyBytes: 0)
        func fail(_ stage: String, _ message: String) -> HTTPTestResult {
            result.failedAt = stage
            result.error = message
            result.timing.totalMs = Durations.rounded(Durations.milliseconds(ContinuousClock.now - start))
            return result
        }
        // Resolution.
        let address: String
        do {
            let resolved = try await Resolver.resolve(target.host)
            result.timing.dnsMs = Durations.rounded(resolved.milliseconds)
            guard let first = resolved.addresses.first else { return fail("dns", "\(target.host) has no address") }
            address = first
        } catch {
            return fail("dns", "\(error)")
        }
        do { try await addressCheck(address) } catch { return fail("guard", "\(error)") }
        result.remoteAddress = address
        let timeout = TimeAmount.milliseconds(Int64(request.timeoutMs))
        let group = MultiThreadedEventLoopGroup.singleton
        // Connect.
        let channel: any Channel
        let connectStart = ContinuousClock.now
        do {
            let socketAddress = try SocketAddress(ipAddress: address, port: target.port)
            channel = try await ClientBootstrap(group: group).connectTimeout(timeout).connect(to: socketAddress).get()
        } catch {
            return fail("connect", "cannot connect to \(address) port \(target.port): \(error)")
        }
        result.timing.connectMs = Durations.rounded(Durations.milliseconds(ContinuousClock.now - connectStart))
        let deadline = channel.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
        defer {
            deadline.cancel()
            channel.close(promise: nil)
        }
        // TLS.
        if target.secure {
            let tlsStart = ContinuousClock.now
            do {
                var configuration = TLSConfiguration.makeClientConfiguration()
                configuration.certificateVerification = request.verifyTLS ? .fullVerification : .none
                if !additionalTrustRoots.isEmpty {
                    configuration.additionalTrustRoots = [.certificates(additionalTrustRoots)]
                }
                let context = try NIOSSLContext(configuration: configuration)
                let serverName = IPNetwork.bytes(of: target.host) == nil ? target.host : nil
                let handshake = channel.eventLoop.makePromise(of: Void.self)
                try await channel.eventLoop.submit {
                    let handler = try NIOSSLClientHandler(context: context, serverHostname: serverName)
                    try channel.pipeline.syncOperations.addHandler(handler)
                    try channel.pipeline.syncOperations.addHandler(HandshakeWaiter(promise: handshake))
                }.get()
                try await handshake.futureResult.get()
                result.timing.tlsMs = Durations.rounded(Durations.milliseconds(ContinuousClock.now - tlsStart))
                let now = self.now()
                let verified = request.verifyTLS
                result.tls = try await channel.eventLoop.submit {
                    let version = try channel.pipeline.syncOperations.nioSSL_tlsVersion()
                    let handler = try channel.pipeline.syncOperations.handler(type: NIOSSLHandler.self)
                    return TLSDetails(certificate: handler.peerCertificate, version: version, verified: verified, now: now)
                }.get()
            } catch {
                return fail("tls", "TLS handshake with \(target.host) failed: \(error)")
            }
        }
        // Request and answer.
        let answer = channel.eventLoop.makePromise(of: ResponseCapture.self)
        let sent: ContinuousClock.Instant
        do {
            let method = request.method == "HEAD" ? HTTPMethod.HEAD : .GET
            let hostHeader = target.port == (target.secure ? 443 : 80) ? target.host : "\(target.host):\(target.port)"
            try await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.addHTTPClientHandlers()
                try channel.pipeline.syncOperations.addHandler(ResponseCollector(promise: answer, head: method == .HEAD))
            }.get()
            var head = HTTPRequestHead(version: .http1_1, method: method, uri: target.requestTarget)
            head.headers.add(name: "Host", value: hostHeader.contains(":") && IPNetwork.bytes(of: target.host)?.count == 16 ? "[\(target.host)]" : hostHeader)
            head.headers.add(name: "User-Agent", value: "octoisp-nettools/1")
            head.headers.add(name: "Accept", value: "*/*")
            head.headers.add(name: "Connection", value: "close")
            sent = ContinuousClock.now
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            try await channel.writeAndFlush(HTTPClientRequestPart.end(nil)).get()
        } catch {
            return fail("http", "cannot send the request: \(error)")
        }
        let capture: ResponseCapture
        do {
            capture = try await answer.futureResult.get()
        } catch {
            let elapsed = ContinuousClock.now - start
            return fail("http", elapsed >= .milliseconds(request.timeoutMs) ? "no complete answer within \(request.timeoutMs) ms" : "\(error)")
        }
        result.status = Int(capture.head.status.code)
        result.reason = capture.head.status.reasonPhrase
        result.httpVersion = "HTTP/\(capture.head.version.major).\(capture.head.version.minor)"
        result.headers = capture.head.headers.map { HTTPHeaderField(name: $0.name, value: $0.value) }
        result.bodyBytes = capture.bodyBytes
        result.timing.firstByteMs = Durations.rounded(Durations.milliseconds(capture.firstByte - sent))
        result.timing.totalMs = Durations.rounded(Durations.milliseconds(capture.end - start))
        return result
    }
}

extension TLSDetails {
    init(certificate: NIOSSLCertificate?, version: TLSVersion?, verified: Bool, now: Date) {
        self.version = version.map(Self.name)
        self.verified = verified
        guard let certificate else { return }
        subject = Self.text(certificate.subjectName)
        issuer = Self.text(certificate.issuerName)
        let before = Date(timeIntervalSince1970: TimeInterval(certificate.notValidBefore))
        let after = Date(timeIntervalSince1970: TimeInterval(certificate.notValidAfter))
        let formatter = ISO8601DateFormatter()
        notBefore = formatter.string(from: before)
        notAfter = formatter.string(from: after)
        daysUntilExpiry = Int((after.timeIntervalSince(now) / 86_400).rounded(.down))
    }

    static func name(_ version: TLSVersion) -> String {
        switch version {
        case .tlsv1: "TLSv1.0"
        case .tlsv11: "TLSv1.1"
        case .tlsv12: "TLSv1.2"
        case .tlsv13: "TLSv1.3"
        }
    }

    static func text(_ names: [SSLCertificateName]) -> String {
        let labels: [(SSLCertificateNameType, String)] = [(.commonName, "CN"), (.organization, "O"), (.organizationalUnit, "OU"),
                                                          (.city, "L"), (.state, "ST"), (.country, "C"), (.emailAddress, "emailAddress"),
                                                          (.userId, "UID")]
        return names.map { name in
            let label = labels.first { $0.0 == name.type }?.1 ?? "?"
            return "\(label)=\(name.value)"
        }.joined(separator: ", ")
    }
}

/// Completes its promise when the TLS handshake finishes or fails.
final class HandshakeWaiter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    let promise: EventLoopPromise<Void>
    var done = false

    init(promise: EventLoopPromise<Void>) { self.promise = promise }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent, !done {
            done = true
            promise.succeed()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !done {
            done = true
            promise.fail(error)
            context.close(promise: nil)
        } else {
            context.fireErrorCaught(error)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !done {
            done = true
            promise.fail(NetToolError(.connectionFailed, "the connection closed during the TLS handshake"))
        }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }
}

/// What came back.
struct ResponseCapture: Sendable {
    var head: HTTPResponseHead
    var firstByte: ContinuousClock.Instant
    var bodyBytes: Int
    var end: ContinuousClock.Instant
}

/// Collects the answer: the head (its arrival is the first byte), the body size, the end.
final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    let promise: EventLoopPromise<ResponseCapture>
    var head: HTTPResponseHead?
    var firstByte: ContinuousClock.Instant?
    var bodyBytes = 0
    var done = false

    init(promise: EventLoopPromise<ResponseCapture>, head: Bool) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let received):
            head = received
            firstByte = ContinuousClock.now
        case .body(let buffer):
            bodyBytes += buffer.readableBytes
        case .end:
            if let head, let firstByte, !done {
                done = true
                promise.succeed(ResponseCapture(head: head, firstByte: firstByte, bodyBytes: bodyBytes, end: ContinuousClock.now))
            }
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !done {
            done = true
            promise.fail(error)
        }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !done {
            done = true
            promise.fail(NetToolError(.connectionFailed, head == nil ? "the connection closed before an answer" : "the connection closed mid-answer"))
        }
        context.fireChannelInactive()
    }
}
