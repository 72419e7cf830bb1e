import Foundation
import Hummingbird
import OctoCore
import OctoStore
import Prometheus

extension API {
    /// `/health`, `/ready` (503 until the start-up work is done and while the database is unreachable),
    /// `/metrics` and the OpenAPI document. Only `/metrics` asks for a credential:
    /// the bearer token of `OCTOISP_METRICS_TOKEN`; without one configured the API port does not serve it.
    func addSystemRoutes(to router: Router<APIContext>) {
        router.get("health") { _, _ in
            JSONResponse(["status": "ok"])
        }
        router.get("ready") { _, _ in
            let waiting = startup.waiting
            guard waiting.isEmpty else { throw OctoError(.unavailable, "starting: \(waiting.joined(separator: ", "))", retryAfter: 1) }
            guard await database.ping() else { throw OctoError(.unavailable, "database unreachable") }
            return JSONResponse(["status": "ready"])
        }
        router.get("metrics") { request, _ in
            guard let token = configuration.metricsToken else {
                throw OctoError(.notFound, "metrics are not served on this port; set OCTOISP_METRICS_TOKEN or scrape OCTOISP_METRICS_LISTEN")
            }
            try MetricsEndpoint.authorize(request.headers[.authorization], token: token)
            return MetricsEndpoint.response(metrics)
        }
        router.get("api/v1/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: .init(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.data)))
        }
    }
}

/// The OpenAPI 3.1 document shipped with the server (`Sources/OctoHTTP/openapi.json`).
public enum OpenAPIDocument {
    /// Its bytes.
    public static let data: [UInt8] = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"),
              let data = try? Data(contentsOf: url) else { return Array("{}".utf8) }
        return Array(data)
    }()
}
