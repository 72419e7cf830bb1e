import NIOCore
import NIOHTTP1
import NIOPosix

/// One keep-alive HTTP/1.1 connection of a simulated CPE, from its own source address: the requests of
/// one CWMP session go over it one after another, as a CPE that keeps its TCP connection for the
/// session does.
struct StormConnection {
    /// An answer.
    struct Answer {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
    }

    /// Why an exchange failed.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    typealias Inbound = NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator
    typealias Outbound = NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>

    let host: String
    let port: Int
    let path: String

    /// Opens a connection from `source` (any port), runs `body` with a request function and closes it.
    func with<Result: Sendable>(source: String,
                                _ body: (_ send: (_ headers: [(String, String)], _ body: [UInt8]) async throws -> Answer) async throws -> Result)
        async throws -> Result {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(to: try SocketAddress(ipAddress: source, port: 0))
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var iterator = inbound.makeAsyncIterator()
            return try await body { headers, payload in
                try await exchange(&iterator, outbound, headers: headers, body: payload)
            }
        }
    }

    func exchange(_ inbound: inout Inbound, _ outbound: Outbound, headers: [(String, String)], body: [UInt8]) async throws -> Answer {
        var fields = HTTPHeaders(headers)
        fields.replaceOrAdd(name: "Host", value: "\(host):\(port)")
        fields.replaceOrAdd(name: "Content-Length", value: String(body.count))
        try await outbound.write(.head(HTTPRequestHead(version: .http1_1, method: .POST, uri: path, headers: fields)))
        if !body.isEmpty { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
        try await outbound.write(.end(nil))
        var answer = Answer(status: 0, headers: [:], body: [])
        while let part = try await inbound.next() {
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
        throw Failure(description: "connection closed before the response ended")
    }
}
