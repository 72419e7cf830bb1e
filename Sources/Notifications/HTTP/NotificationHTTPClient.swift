import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// A small HTTP/1.1 client for the HTTP channels: one request per connection (`Connection: close`),
/// http or https, a deadline, a bounded response body. Redirects are not followed.
public struct NotificationHTTPClient: Sendable {
    /// An answer.
    public struct Response: Sendable {
        /// Status code.
        public var status: Int
        /// Header fields; names may repeat.
        public var headers: HTTPHeaders
        /// Body bytes (at most ``NotificationHTTPClient/maximumResponseBytes``).
        public var body: [UInt8]
    }

    /// Why a request got no answer.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// What went wrong.
        public enum Kind: String, Sendable {
            /// The URL is not an absolute http(s) URL.
            case invalidURL = "invalid_url"
            /// The TCP connection could not be made or was dropped.
            case connection
            /// No complete answer within the deadline.
            case timeout
            /// The TLS handshake failed (untrusted certificate, wrong name, no common protocol).
            case tls
            /// The peer did not speak HTTP/1.1 as expected, or the body was too large.
            case `protocol`
        }

        /// The kind of failure.
        public var kind: Kind
        /// Details.
        public var message: String

        /// `kind: message`.
        public var description: String { "\(kind.rawValue): \(message)" }
    }

    /// Deadline to connect, then once more for TLS, the request and the whole answer.
    public var timeout: Duration
    /// Certificates trusted for https URLs.
    public var trust: TLSTrust
    /// Larger answers fail with ``Failure/Kind/protocol``.
    public var maximumResponseBytes: Int

    /// Creates a client.
    public init(timeout: Duration = .seconds(15), trust: TLSTrust = .system, maximumResponseBytes: Int = 1 << 20) {
        self.timeout = timeout
        self.trust = trust
        self.maximumResponseBytes = maximumResponseBytes
    }

    /// POSTs `body` to `url` with `headers` (`Host`, `Content-Length` and `Connection` are set here).
    public func post(_ url: URL, headers: [(String, String)], body: [UInt8]) async throws(Failure) -> Response {
        try await request(.POST, url, headers: headers, body: body)
    }

    /// Sends one request and reads the whole answer.
    public func request(_ method: HTTPMethod, _ url: URL, headers: [(String, String)], body: [UInt8]) async throws(Failure) -> Response {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty else {
            throw Failure(kind: .invalidURL, message: "not an absolute http(s) URL")
        }
        let secure = scheme == "https"
        let port = url.port ?? (secure ? 443 : 80)
        var target = url.path.isEmpty ? "/" : url.path
        if let query = url.query { target += "?" + query }
        let authority = url.port.map { "\(Self.bracketed(host)):\($0)" } ?? Self.bracketed(host)

        let context: NIOSSLContext?
        do {
            context = secure ? try trust.clientContext() : nil
        } catch {
            throw Failure(kind: .tls, message: "cannot build the TLS context: \(error)")
        }
        let serverName = TLSTrust.serverName(for: host)
        let deadline = timeout.timeAmount
        let timedOut = Flag()
        let limit = maximumResponseBytes
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(deadline)
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let context {
                            try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverName))
                        }
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                    }
                }
            let underlying = channel.channel
            let timer = underlying.eventLoop.scheduleTask(in: deadline) {
                timedOut.set()
                underlying.close(promise: nil)
            }
            defer { timer.cancel() }
            return try await channel.executeThenClose { inbound, outbound in
                var fields = HTTPHeaders(headers)
                fields.replaceOrAdd(name: "Host", value: authority)
                fields.replaceOrAdd(name: "Content-Length", value: String(body.count))
                fields.replaceOrAdd(name: "Connection", value: "close")
                if !fields.contains(name: "User-Agent") { fields.add(name: "User-Agent", value: "OctoISP-Notifications/1") }
                // A receiver may answer and close before reading the whole body; its answer counts.
                var writeError: (any Error)?
                do {
                    try await outbound.write(.head(HTTPRequestHead(version: .http1_1, method: method, uri: target, headers: fields)))
                    if !body.isEmpty { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
                    try await outbound.write(.end(nil))
                } catch {
                    writeError = error
                }
                var response = Response(status: 0, headers: [:], body: [])
                for try await part in inbound {
                    switch part {
                    case .head(let head):
                        // 1xx interim answers are skipped; the final head replaces them.
                        if head.status.code >= 200 || response.status == 0 {
                            response.status = Int(head.status.code)
                            response.headers = head.headers
                        }
                    case .body(let buffer):
                        guard response.body.count + buffer.readableBytes <= limit else {
                            throw Failure(kind: .protocol, message: "response body larger than \(limit) bytes")
                        }
                        response.body += Array(buffer.readableBytesView)
                    case .end:
                        if response.status >= 200 { return response }
                    }
                }
                if let writeError { throw writeError }
                throw Failure(kind: .connection, message: "connection closed before the response ended")
            }
        } catch {
            if timedOut.isSet {
                throw Failure(kind: .timeout, message: "no answer from \(authority) within \(timeout)")
            }
            throw Self.classify(error, authority: authority)
        }
    }

    static func classify(_ error: any Error, authority: String) -> Failure {
        if let failure = error as? Failure { return failure }
        if error is NIOSSLError || error is BoringSSLError {
            return Failure(kind: .tls, message: "TLS with \(authority) failed: \(error)")
        }
        if let channelError = error as? ChannelError, case .connectTimeout = channelError {
            return Failure(kind: .timeout, message: "connecting to \(authority) timed out")
        }
        if error is HTTPParserError {
            return Failure(kind: .protocol, message: "invalid HTTP answer from \(authority): \(error)")
        }
        return Failure(kind: .connection, message: "\(authority): \(error)")
    }

    private static func bracketed(_ host: String) -> String {
        host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
    }
}

extension NotificationHTTPClient.Failure {
    /// As a ``DeliveryError`` of `channel`: TLS and URL failures are permanent (configuration),
    /// connection, timeout and protocol failures retryable.
    func deliveryError(_ channel: ChannelKind) -> DeliveryError {
        switch kind {
        case .invalidURL, .tls: return DeliveryError(.permanent, channel: channel, description)
        case .connection, .timeout, .protocol: return DeliveryError(.retryable, channel: channel, description)
        }
    }
}

extension NotificationHTTPClient.Response {
    /// `Retry-After` in seconds, when given as a number of seconds.
    var retryAfterSeconds: Int? {
        headers.first(name: "Retry-After").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// The body as text, cut to `limit` characters, for error messages.
    func bodyExcerpt(_ limit: Int = 200) -> String {
        let text = String(decoding: body.prefix(limit * 4), as: UTF8.self)
        return text.count > limit ? String(text.prefix(limit)) + "…" : text
    }
}
