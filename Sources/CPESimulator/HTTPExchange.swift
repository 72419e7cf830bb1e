import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// A minimal HTTP/1.1 client: one request per connection (`Connection: close`), as a CPE that opens
/// a new TCP connection for every message, over TLS when given a client context. Enough for the
/// simulator and the integration tests.
public enum HTTPExchange {
    /// An answer.
    public struct Answer: Sendable {
        /// Status code.
        public var status: Int
        /// Headers; names may repeat.
        public var headers: HTTPHeaders
        /// Body bytes.
        public var body: [UInt8]
    }

    /// Why an exchange failed.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        /// What happened.
        public let description: String
    }

    /// POSTs `body` to `host:port` `path` with `headers`.
    public static func post(host: String, port: Int, path: String, headers: [(String, String)], body: [UInt8],
                            source: String? = nil, tls: NIOSSLContext? = nil) async throws -> Answer {
        try await request(.POST, host: host, port: port, path: path, headers: headers, body: body, source: source, tls: tls)
    }

    /// GETs `path` from `host:port` with `headers`.
    public static func get(host: String, port: Int, path: String, headers: [(String, String)] = [], source: String? = nil,
                           tls: NIOSSLContext? = nil) async throws -> Answer {
        try await request(.GET, host: host, port: port, path: path, headers: headers, body: [], source: source, tls: tls)
    }

    /// A client TLS context that trusts the certificates in the PEM file `caFile`, or the system's
    /// roots without one. The server's certificate must name the host connected to (an IP address
    /// in its subjectAltName when connecting to an address).
    public static func clientContext(caFile: String? = nil) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caFile { configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile)) }
        return try NIOSSLContext(configuration: configuration)
    }

    /// Sends one request from `source` (a local address to bind, as a real CPE uses its own) and reads
    /// the whole answer; with `tls`, over TLS (SNI and verification against `host`).
    public static func request(_ method: HTTPMethod, host: String, port: Int, path: String, headers: [(String, String)],
                               body: [UInt8], source: String? = nil, tls: NIOSSLContext? = nil) async throws -> Answer {
        // SNI takes names only; an address is verified against the certificate's IP entries.
        let serverName = (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connectTimeout(.seconds(10))
        if let source { bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: source, port: 0)) }
        let channel = try await bootstrap
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: serverName)) }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var fields = HTTPHeaders(headers)
            fields.replaceOrAdd(name: "Host", value: "\(host):\(port)")
            fields.replaceOrAdd(name: "Content-Length", value: String(body.count))
            fields.replaceOrAdd(name: "Connection", value: "close")
            // A server may answer before it has read the whole request (a 401 challenge, a 413) and
            // close the connection: then the rest of the request cannot be written, but its answer
            // is already on the way and is what the caller needs.
            var writeError: (any Error)?
            do {
                try await outbound.write(.head(HTTPRequestHead(version: .http1_1, method: method, uri: path, headers: fields)))
                if !body.isEmpty { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
                try await outbound.write(.end(nil))
            } catch {
                writeError = error
            }
            var answer = Answer(status: 0, headers: [:], body: [])
            for try await part in inbound {
                switch part {
                case .head(let head):
                    answer.status = Int(head.status.code)
                    answer.headers = head.headers
                case .body(let buffer):
                    answer.body += Array(buffer.readableBytesView)
                case .end:
                    return answer
                }
            }
            if let writeError { throw writeError }
            throw Failure(description: "connection closed before the response ended")
        }
    }
}
