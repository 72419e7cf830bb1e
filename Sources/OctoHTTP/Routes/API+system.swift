import Foundation
import Hummingbird
import OctoCore
import OctoStore
import Prometheus

extension API {
    /// `/health`, `/ready`, `/metrics` and the OpenAPI document; none needs credentials.
    func addSystemRoutes(to router: Router<APIContext>) {
        router.get("health") { _, _ in
            JSONResponse(["status": "ok"])
        }
        router.get("ready") { _, _ in
            guard await database.ping() else { throw OctoError(.unavailable, "database unreachable") }
            return JSONResponse(["status": "ready"])
        }
        router.get("metrics") { _, _ in
            var buffer: [UInt8] = []
            metrics.emit(into: &buffer)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
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
