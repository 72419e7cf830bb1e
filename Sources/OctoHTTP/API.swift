import Foundation
import ACS
import Alerts
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NetTools
import OctoAuth
import OctoCore
import OctoJobs
import OctoMetrics
import OctoStore
import Prometheus
import ToolRuns
import Reports

/// The HTTP API gateway: JSON under `/api/v1`, the realtime WebSocket, health, readiness and metrics.
public struct API: Sendable {
    let database: Database
    let auth: AuthService
    let hub: RealtimeHub
    let configuration: APIConfiguration
    let metrics: PrometheusCollectorRegistry
    /// The job queue behind `/api/v1/jobs`; `nil` when this process has none.
    let jobs: (any JobQueue)?

    /// The metrics store; its routes answer 503 without one.
    let metricsStoreValue: MetricsStore?
    /// Queues device tasks (and their connection-request jobs on ``jobs``).
    let deviceTasks: DeviceTaskService
    /// Where uploaded files are stored; the file routes answer 503 without one.
    let files: FileStore?
    /// Templates, dry runs, apply and remote actions.
    let provisioning: ProvisioningService
    /// Seals SNMP and connection-request credentials; the routes that store them answer 503 without it.
    let secrets: SecretBox?
    /// The HTTP realm of the CWMP endpoint: CPE credentials' Digest hashes are computed for it.
    let cwmpRealm: String
    /// Delivers test notifications through a provider's channels.
    let notifier: AlertNotifier
    /// Creates network tool runs.
    let toolRuns: ToolRunService
    /// Reports on demand (queued on ``jobs``); `POST /reports` answers 503 without a queue.
    let reports: ReportService?
    /// Start-up work `/ready` waits for.
    let startup: StartupGate

    /// Creates the API over its services.
    public init(database: Database, auth: AuthService, hub: RealtimeHub, configuration: APIConfiguration, metrics: PrometheusCollectorRegistry,
                jobs: (any JobQueue)? = nil, metricsStore: MetricsStore? = nil, deviceTasks: DeviceTaskService? = nil, files: FileStore? = nil,
                provisioning: ProvisioningService? = nil, secrets: SecretBox? = nil, cwmpRealm: String = ACSConfiguration().realm,
                notifier: AlertNotifier? = nil, toolRuns: ToolRunService? = nil, reportRetentionDays: Int = 90,
                startup: StartupGate = StartupGate()) {
        self.startup = startup
        self.jobs = jobs
        self.toolRuns = toolRuns ?? ToolRunService(queue: jobs)
        self.reports = jobs.map { ReportService(database: database, queue: $0, secrets: secrets, retentionDays: reportRetentionDays,
                                                logger: Logger(label: "octoisp.reports")) }
        self.notifier = notifier ?? AlertNotifier(database: database, queue: jobs, secrets: secrets, logger: Logger(label: "octoisp.notifications"))
        self.cwmpRealm = cwmpRealm
        self.secrets = secrets
        self.deviceTasks = deviceTasks ?? DeviceTaskService(queue: jobs)
        self.provisioning = provisioning ?? ProvisioningService(tasks: deviceTasks ?? DeviceTaskService(queue: jobs), secrets: nil,
                                                                logger: Logger(label: "octoisp.provisioning"))
        self.files = files
        self.metricsStoreValue = metricsStore
        self.database = database
        self.auth = auth
        self.hub = hub
        self.configuration = configuration
        self.metrics = metrics
    }

    /// The provider a request acts in: the principal's own, or for a Global Admin the one named by
    /// `X-Provider-Id` (which must exist). 400 when a Global Admin names none.
    func tenant(_ request: Request, _ context: APIContext) async throws -> UUID {
        let principal = try context.authenticated()
        if let own = principal.providerID { return own }
        guard let header = request.headers[.init("X-Provider-Id")!] else {
            throw OctoError.invalid("X-Provider-Id", "Global Admins choose the provider to act in with the X-Provider-Id header")
        }
        guard let id = UUID(uuidString: header) else { throw OctoError.invalid("X-Provider-Id", "X-Provider-Id must be a UUID") }
        _ = try await database.withGlobal { tx in try await tx.providers.get(id) }
        return id
    }

    /// Runs `body` in the request's tenant.
    func inTenant<T: Sendable>(_ request: Request, _ context: APIContext, _ body: (Transaction) async throws -> T) async throws -> T {
        try await database.withTenant(try await tenant(request, context), logger: context.logger, body)
    }

    /// Like ``inTenant(_:_:_:)`` for read-only work that may lag the primary by a moment (metric
    /// queries): on the replica of `OCTOISP_READ_DATABASE_URL` when one is configured.
    func inTenantReading<T: Sendable>(_ request: Request, _ context: APIContext, _ body: (Transaction) async throws -> T) async throws -> T {
        try await database.withTenantReading(try await tenant(request, context), logger: context.logger, body)
    }

    /// The per-address and per-credential limits: in Redis when ``APIConfiguration/rateLimitRedis`` is
    /// set (shared by every API process), in this process otherwise.
    func rateLimits() -> RateLimitMiddleware {
        guard let url = configuration.rateLimitRedis else {
            return RateLimitMiddleware(perAddress: TokenBuckets(ratePerSecond: configuration.addressRate, burst: configuration.addressBurst),
                                       perCredential: TokenBuckets(ratePerSecond: configuration.credentialRate, burst: configuration.credentialBurst))
        }
        let logger = Logger(label: "octoisp.ratelimit")
        let client = RedisClient(url: url, connections: 2, logger: logger)
        let prefix = configuration.rateLimitPrefix
        return RateLimitMiddleware(
            perAddress: RedisTokenBuckets(client: client, prefix: prefix, ratePerSecond: configuration.addressRate, burst: configuration.addressBurst,
                                          logger: logger),
            perCredential: RedisTokenBuckets(client: client, prefix: prefix, ratePerSecond: configuration.credentialRate,
                                             burst: configuration.credentialBurst, logger: logger))
    }

    /// The routes, and the table of what they serve.
    func buildRouter() -> (Router<APIContext>, [RouteTable.Entry]) {
        let router = Router(context: APIContext.self)
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: RequestMetricsMiddleware(registry: metrics))
        router.add(middleware: rateLimits())
        router.add(middleware: BodyLimitMiddleware(limit: configuration.maxBodySize, uploadLimit: files?.maximumBytes ?? configuration.maxBodySize))
        router.add(middleware: AuthenticationMiddleware(auth: auth))
        addSystemRoutes(to: router)
        var routes = RouteTable(group: router.group("api/v1"))
        addAuthRoutes(to: &routes)
        addInvitationRoutes(to: &routes)
        addProviderRoutes(to: &routes)
        addPopRoutes(to: &routes)
        addCustomerRoutes(to: &routes)
        addDeviceRoutes(to: &routes)
        addDeviceGroupRoutes(to: &routes)
        addDeviceTaskRoutes(to: &routes)
        addDeviceParameterRoutes(to: &routes)
        addTimelineRoutes(to: &routes)
        addACSCredentialRoutes(to: &routes)
        addRegistrationPolicyRoutes(to: &routes)
        addXMPPAccountRoutes(to: &routes)
        addFileRoutes(to: &routes)
        addProvisioningRoutes(to: &routes)
        addRolloutRoutes(to: &routes)
        addUserRoutes(to: &routes)
        addRoleRoutes(to: &routes)
        addApiKeyRoutes(to: &routes)
        addAuditRoutes(to: &routes)
        addJobRoutes(to: &routes)
        addMetricsRoutes(to: &routes)
        addMonitoringRoutes(to: &routes)
        addOpticsAndDashboardRoutes(to: &routes)
        addTopologyRoutes(to: &routes)
        addAlertRoutes(to: &routes)
        addNotificationRoutes(to: &routes)
        addPushRoutes(to: &routes)
        addPreferenceRoutes(to: &routes)
        addToolRoutes(to: &routes)
        addReportRoutes(to: &routes)
        return (router, routes.entries)
    }

    /// The endpoints the API serves, in OpenAPI path syntax.
    public func endpoints() -> [(method: String, path: String)] {
        buildRouter().1.map { ($0.method, $0.path) }
    }

    /// The endpoints with what each accepts: query parameters, paging, sort keys and body.
    public func contract() -> [APIEndpoint] {
        buildRouter().1
    }

    /// The HTTP server with the WebSocket upgrade on `/api/v1/ws`, as a service.
    public func application(logger: Logger) throws -> some ApplicationProtocol {
        let responder = EdgeResponder(inner: buildRouter().0.buildResponder(), web: StaticFiles(directory: configuration.webDirectory),
                                      trustedProxies: configuration.trustedProxies, servesTLS: configuration.servesTLS || configuration.tls != nil)
        let server: HTTPServerBuilder = .deadlines(configuration.deadlines) { responder in
            HTTP1WebSocketUpgradeChannel(responder: responder, configuration: .init()) { request, channel, logger in
                try await hub.upgrade(request, channel: channel, auth: auth, database: database, logger: logger)
            }
        }
        return Application(
            responder: responder,
            server: try configuration.tls.map { try $0.server(server) } ?? server,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "OctoISP"),
            logger: logger
        )
    }
}

/// Wraps the whole router so every answer, unmatched paths included, carries a request id, the
/// security headers (``SecurityHeaders``) and errors have the JSON shape. With `web`, GETs outside
/// the API serve the dashboard. The client address is resolved here first (``ClientAddress``), so
/// everything inside sees the same one.
struct EdgeResponder<Inner: HTTPResponder>: HTTPResponder where Inner.Context == APIContext {
    let inner: Inner
    var web: StaticFiles? = nil
    /// Proxies whose `X-Forwarded-For` / `X-Forwarded-Proto` are believed.
    var trustedProxies: [IPNetwork] = []
    /// Whether the listener itself serves HTTPS.
    var servesTLS = false
    let middleware = APIErrorMiddleware()

    func respond(to request: Request, context: APIContext) async throws -> Response {
        let context = ClientAddress.resolve(request, context, trusted: trustedProxies)
        let secure = servesTLS || context.forwardedHTTPS
        var response = try await middleware.handle(request, context: context) { request, context in
            if let web, web.serves(request) { return try web.respond(to: request) }
            let response = try await inner.respond(to: request, context: context)
            // The router answers unmatched paths with an empty 404; give it the error shape.
            if response.status == .notFound && response.headers[.contentLength] == "0" {
                throw OctoError(.notFound, "no such endpoint: \(request.method.rawValue) \(request.uri.path)")
            }
            return response
        }
        SecurityHeaders.apply(to: &response.headers, secure: secure)
        return response
    }
}

/// Applies the configured body limit to the context; file uploads (`POST /api/v1/files`) have their own.
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let limit: Int
    let uploadLimit: Int

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        let limit = request.method == .post && request.uri.path == "/api/v1/files" ? uploadLimit : limit
        var context = context
        context.maxBodySize = limit
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw OctoError(.payloadTooLarge, "request body is larger than \(limit) bytes")
        }
        return try await next(request, context)
    }
}
