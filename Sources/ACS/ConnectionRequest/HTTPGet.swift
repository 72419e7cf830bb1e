import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// One HTTP/1.1 GET on a fresh connection with an overall deadline: what a connection request needs.
enum HTTPGet {
    /// The answer.
    struct Answer: Sendable {
        var status: Int
        var headers: HTTPHeaders
    }

    /// Why a GET failed.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// GETs `url` from `address` (the pinned address of its host) with `headers`; the connection is
    /// closed after `timeout` seconds whatever happens.
    static func get(_ url: URL, address: String, headers: [(String, String)], timeout: TimeInterval) async throws -> Answer {
        guard let host = url.host, url.scheme?.lowercased() == "http" else { throw Failure(description: "only http URLs are supported") }
        let port = url.port ?? 80
        var path = url.path.isEmpty ? "/" : url.path
        if let query = url.query { path += "?" + query }
        let deadline = TimeAmount.nanoseconds(Int64(timeout * 1_000_000_000))
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(deadline)
            .connect(to: try SocketAddress(ipAddress: address, port: port)) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        let underlying = channel.channel
        let timer = underlying.eventLoop.scheduleTask(in: deadline) { underlying.close(promise: nil) }
        defer { timer.cancel() }
        do {
            return try await channel.executeThenClose { inbound, outbound in
                var fields = HTTPHeaders(headers)
                fields.replaceOrAdd(name: "Host", value: url.port.map { "\(host):\($0)" } ?? host)
                fields.replaceOrAdd(name: "Connection", value: "close")
                fields.replaceOrAdd(name: "Content-Length", value: "0")
                try await outbound.write(.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: fields)))
                try await outbound.write(.end(nil))
                var head: HTTPResponseHead?
                for try await part in inbound {
                    switch part {
                    case .head(let value): head = value
                    case .body: break
                    case .end:
                        guard let head else { throw Failure(description: "response without a head") }
                        return Answer(status: Int(head.status.code), headers: head.headers)
                    }
                }
                throw Failure(description: "the device closed the connection (or did not answer within \(timeout) s)")
            }
        } catch let error as Failure {
            throw error
        } catch {
            throw Failure(description: "no answer within \(timeout) s: \(error)")
        }
    }
}
