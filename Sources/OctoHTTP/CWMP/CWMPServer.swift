import ACS
import Foundation
import Hummingbird
import HummingbirdCore
import HTTPTypes
import HummingbirdCore
import Logging
import NetTools
import NIOCore

/// The CWMP endpoint `POST /cwmp/{providerSlug}` on its own port (7547 by default), serving the ACS,
/// the file server CPEs download from: `GET /cwmp-files/{providerSlug}/{fileId}/{token}`, and the
/// speed-test server of TR-143 diagnostics: `GET|PUT /cwmp-speedtest/{providerSlug}/{runId}/{token}`.
public struct CWMPServer: Sendable {
    /// The ACS behind the endpoint.
    public let engine: ACSEngine
    /// Where downloadable files are stored; without one, file URLs answer 404.
    public var files: FileStore?
    /// Host to bind.
    public var host: String
    /// Port to bind (0 picks a free one).
    public var port: Int
    /// Largest body read from the socket; larger ones get 413 without being buffered.
    public var maximumBodyBytes: Int
    /// HTTPS instead of HTTP; every request on it counts as secure (see ``CWMPRequest/secure``).
    public var tls: ListenerTLS?
    /// Idle and request-read deadlines of every connection (a CPE that trickles is cut off).
    public var deadlines = ConnectionDeadlines()
    /// Proxies (nginx in front of several ACS processes) whose `X-Forwarded-For` names the CPE and whose
    /// `X-Forwarded-Proto: https` marks the request as secure (`OCTOISP_TRUSTED_PROXIES`, as for the API).
    /// Without them, every CPE behind a proxy would look like the proxy to the failed-authentication
    /// throttle and in the stored Informs.
    public var trustedProxies: [IPNetwork] = []
    /// Each connection is served with its channel's event loop as the task executor, so a request is
    /// read, handled and answered on one thread (`OCTOISP_CWMP_CHANNEL_LOOP=off` turns it off: tasks then
    /// run on whichever loop resumed them).
    public var onChannelLoop = true

    /// Creates the endpoint.
    public init(engine: ACSEngine, host: String = "0.0.0.0", port: Int = 7547, maximumBodyBytes: Int = 2 << 20, files: FileStore? = nil,
                tls: ListenerTLS? = nil) {
        self.engine = engine
        self.tls = tls
        self.files = files
        self.host = host
        self.port = port
        self.maximumBodyBytes = maximumBodyBytes
    }

    /// The router: the CWMP endpoint and the file server.
    public func router() -> Router<CWMPContext> {
        let router = Router(context: CWMPContext.self)
        let engine = engine
        let limit = maximumBodyBytes
        let listenerTLS = tls != nil
        let trusted = trustedProxies
        router.post("/cwmp/:slug") { request, context -> Response in
            let slug = context.parameters.get("slug") ?? ""
            if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
                return Self.plain(.contentTooLarge, "request body too large\n")
            }
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: limit)
            } catch {
                return Self.plain(.contentTooLarge, "request body too large\n")
            }
            var remote = context.clientIP
            var secure = listenerTLS
            if let peer = remote, !trusted.isEmpty, ClientAddress.isTrusted(peer, trusted) {
                remote = ClientAddress.client(peer: peer, forwardedFor: request.headers[values: .init("X-Forwarded-For")!].joined(separator: ","),
                                              trusted: trusted)
                if let proto = request.headers[.init("X-Forwarded-Proto")!]?.split(separator: ",").last?.trimmingCharacters(in: .whitespaces) {
                    secure = secure || proto.lowercased() == "https"
                }
            }
            let exchange = CWMPRequest(providerSlug: slug, method: "POST", uri: request.uri.description,
                                       authorization: request.headers[.authorization],
                                       cookies: request.headers[values: .cookie], body: Array(buffer: body),
                                       remoteAddress: remote, host: request.head.authority, secure: secure)
            return Self.response(await engine.handle(exchange))
        }
        addFileRoutes(to: router)
        addSpeedTestRoutes(to: router)
        return router
    }

    static func plain(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func response(_ answer: CWMPResponse) -> Response {
        var headers = HTTPFields()
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name) { headers.append(HTTPField(name: field, value: value)) }
        }
        return Response(status: HTTPResponse.Status(code: answer.status), headers: headers,
                        body: answer.body.isEmpty ? .init() : .init(byteBuffer: ByteBuffer(string: answer.body)))
    }

    /// The HTTP server as a service; `onRunning` receives the bound port.
    public func application(logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        let base: HTTPServerBuilder = .deadlines(deadlines, onChannelLoop: onChannelLoop) { responder in
            HTTP1Channel(responder: responder, configuration: .init())
        }
        return Application(router: router(), server: try tls.map { try $0.server(base) } ?? base,
                    configuration: .init(address: .hostname(host, port: port), serverName: "OctoISP-ACS"),
                    onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) }, logger: logger)
    }
}
