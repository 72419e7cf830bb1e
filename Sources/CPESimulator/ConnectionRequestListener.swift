import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A CPE's connection-request endpoint: a tiny HTTP server that answers a Digest-authenticated GET
/// with 200 and reports it, so the CPE opens a session with `6 CONNECTION REQUEST`.
public struct ConnectionRequestListener: Sendable {
    /// Address to bind, e.g. `127.2.0.1` (the whole 127/8 is loopback on Linux).
    public var host: String
    /// Port to bind (0 picks a free one).
    public var port: Int
    /// The user name the ACS must send.
    public var username: String
    /// The password the ACS must prove.
    public var password: String
    /// The Digest realm.
    public var realm = "OctoISP CPE"

    /// Creates a listener.
    public init(host: String, port: Int = 7547, username: String, password: String) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
    }

    /// Serves until cancelled: `bound` receives the URL to report, `onRequest` runs for each
    /// authenticated request.
    public func run(bound: @Sendable (String) async -> Void, onRequest: @escaping @Sendable () -> Void) async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
                }
            }
        let port = server.channel.localAddress?.port ?? port
        await bound("http://\(host):\(port)/cr")
        let nonce = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        try await withThrowingDiscardingTaskGroup { group in
            try await server.executeThenClose { connections in
                for try await connection in connections {
                    group.addTask { try? await self.serve(connection, nonce: nonce, onRequest: onRequest) }
                }
            }
        }
    }

    func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, nonce: String,
               onRequest: @Sendable () -> Void) async throws {
        try await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            for try await part in inbound {
                switch part {
                case .head(let value): head = value
                case .body: break
                case .end:
                    guard let request = head else { return }
                    var headers: HTTPHeaders = ["Content-Length": "0"]
                    let status: HTTPResponseStatus
                    if request.method == .GET, authorized(request, nonce: nonce) {
                        status = .ok
                        onRequest()
                    } else {
                        status = .unauthorized
                        headers.add(name: "WWW-Authenticate", value: "Digest realm=\"\(realm)\", qop=\"auth\", nonce=\"\(nonce)\", algorithm=MD5")
                    }
                    if !request.isKeepAlive { headers.add(name: "Connection", value: "close") }
                    try await outbound.write(.head(HTTPResponseHead(version: request.version, status: status, headers: headers)))
                    try await outbound.write(.end(nil))
                    if !request.isKeepAlive { return }
                    head = nil
                }
            }
        }
    }

    /// Whether the request carries a valid Digest answer to this listener's challenge.
    func authorized(_ request: HTTPRequestHead, nonce: String) -> Bool {
        guard let header = request.headers.first(name: "Authorization"), header.lowercased().hasPrefix("digest ") else { return false }
        let parameters = CPESessionRunner.parameters(String(header.dropFirst(7)))
        guard parameters["username"] == username, parameters["realm"] == realm, parameters["nonce"] == nonce,
              let uri = parameters["uri"], uri == request.uri, let response = parameters["response"] else { return false }
        let ha1 = CPESessionRunner.md5("\(username):\(realm):\(password)")
        let ha2 = CPESessionRunner.md5("GET:\(uri)")
        let expected: String
        if parameters["qop"] == "auth", let nc = parameters["nc"], let cnonce = parameters["cnonce"] {
            expected = CPESessionRunner.md5("\(ha1):\(nonce):\(nc):\(cnonce):auth:\(ha2)")
        } else {
            expected = CPESessionRunner.md5("\(ha1):\(nonce):\(ha2)")
        }
        return expected == response.lowercased()
    }
}
