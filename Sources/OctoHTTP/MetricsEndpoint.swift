import Crypto
import Foundation
import Hummingbird
import Logging
import OctoCore
import Prometheus

/// Prometheus metrics on an internal address of their own (`OCTOISP_METRICS_LISTEN`): only `GET
/// /metrics`, so the public API port need not expose the process's internals to anyone.
public struct MetricsEndpoint: Sendable {
    let registry: PrometheusCollectorRegistry
    let address: APIConfiguration.ListenAddress
    let token: String?

    /// Creates the endpoint; with `token`, scrapes must send it as `Authorization: Bearer`.
    public init(registry: PrometheusCollectorRegistry, address: APIConfiguration.ListenAddress, token: String? = nil) {
        self.registry = registry
        self.address = address
        self.token = token
    }

    /// The HTTP server, as a service; `onListening` learns the bound port (useful with port 0).
    public func application(logger: Logger, onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router()
        let registry = registry
        let token = token
        router.get("metrics") { request, _ -> Response in
            if let token {
                do { try Self.authorize(request.headers[.authorization], token: token) } catch {
                    return Response(status: .unauthorized, headers: [.wwwAuthenticate: "Bearer"])
                }
            }
            return Self.response(registry)
        }
        return Application(router: router, configuration: .init(address: .hostname(address.host, port: address.port), serverName: "OctoISP"),
                           onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) }, logger: logger)
    }

    /// 401 unless `header` is `Bearer <token>` (compared in constant time).
    static func authorize(_ header: String?, token: String) throws(OctoError) {
        guard let header, header.lowercased().hasPrefix("bearer ") else {
            throw OctoError(.unauthenticated, "metrics need the bearer token of OCTOISP_METRICS_TOKEN")
        }
        let given = SHA256.hash(data: Data(header.dropFirst(7).utf8))
        let wanted = SHA256.hash(data: Data(token.utf8))
        guard given == wanted else { throw OctoError(.unauthenticated, "metrics need the bearer token of OCTOISP_METRICS_TOKEN") }
    }

    /// The registry in the Prometheus text format.
    static func response(_ registry: PrometheusCollectorRegistry) -> Response {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
    }
}
