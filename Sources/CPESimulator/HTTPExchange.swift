import NIOCore
import NIOHTTP1
import NIOPosix

/// A minimal HTTP/1.1 client: one request per connection (`Connection: close`), as a CPE that opens
/// a new TCP connection for every message. Enough for the simulator and the integration tests.
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
                            source: String? = nil) async throws -> Answer {
        try await request(.POST, host: host, port: port, path: path, headers: headers, body: body, source: source)
    }

    /// GETs `path` from `host:port` with `headers`.
    public static func get(host: String, port: Int, path: String, headers: [(String, String)] = [], source: String? = nil) async throws -> Answer {
        try await request(.GET, host: host, port: port, path: path, headers: headers, body: [], source: source)
    }

    /// Sends one request from `source` (a local address to bind, as a real CPE uses its own) and reads
    /// the whole answer.
    public static func request(_ method: HTTPMethod, host: String, port: Int, path: String, headers: [(String, String)],
                               body: [UInt8], source: String? = nil) async throws -> Answer {
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connectTimeout(.seconds(10))
        if let source { bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: source, port: 0)) }
        let channel = try await bootstrap
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
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
