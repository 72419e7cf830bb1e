import Hummingbird
import Logging
import OctoCore
import Prometheus

/// Counts API requests by method, route template and status class, and records their latency, in the
/// API's Prometheus registry (`octoisp_http_requests_total`, `octoisp_http_request_duration_seconds`).
/// The route is the matched template (`/api/v1/devices/{id}`), never the raw path, so the label set
/// stays bounded; a request that matched no route counts as `unmatched`.
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let registry: PrometheusCollectorRegistry

    /// Latency buckets, 5 ms to 10 s.
    static let buckets: [Duration] = [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                                      .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10)]

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(request, context, "\(response.status.code / 100)xx", since: started)
            return response
        } catch {
            let code = (error as? OctoError).map { APIErrorMiddleware.status(of: $0.code, fallback: nil).code } ?? 500
            record(request, context, "\(code / 100)xx", since: started)
            throw error
        }
    }

    private func record(_ request: Request, _ context: APIContext, _ status: String, since started: ContinuousClock.Instant) {
        let route = context.endpointPath ?? "unmatched"
        let elapsed = ContinuousClock.now - started
        // The access log, at debug level: with the request id the middleware above put in the logger.
        context.logger.debug("request answered", metadata: ["method": "\(request.method.rawValue)", "route": "\(route)", "status": "\(status)",
                                                             "duration.ms": "\(Int(elapsed / .milliseconds(1)))"])
        registry.makeCounter(descriptor: .init(metricName: "octoisp_http_requests_total", helpText: "API requests by method, route template and status class"),
                             labels: [("method", request.method.rawValue), ("route", route), ("status", status)]).increment()
        registry.makeDurationHistogram(descriptor: .init(metricName: "octoisp_http_request_duration_seconds", helpText: "API request latency by route template"),
                                       labels: [("method", request.method.rawValue), ("route", route)], buckets: Self.buckets)
            .record(elapsed)
    }
}
