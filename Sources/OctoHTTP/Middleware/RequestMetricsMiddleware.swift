import Hummingbird
import OctoCore
import Prometheus

/// Counts API requests by method and status class in the API's Prometheus registry
/// (`octoisp_http_requests_total`).
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let registry: PrometheusCollectorRegistry

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        let status: String
        do {
            let response = try await next(request, context)
            status = "\(response.status.code / 100)xx"
            count(request, status)
            return response
        } catch {
            let code = (error as? OctoError).map { APIErrorMiddleware.status(of: $0.code, fallback: nil).code } ?? 500
            count(request, "\(code / 100)xx")
            throw error
        }
    }

    private func count(_ request: Request, _ status: String) {
        registry.makeCounter(name: "octoisp_http_requests_total", labels: [("method", request.method.rawValue), ("status", status)],
                             help: "API requests by method and status class").increment()
    }
}
