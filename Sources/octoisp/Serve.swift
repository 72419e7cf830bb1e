import ArgumentParser
import Foundation
import ACS
import Alerts
import Hummingbird
import Logging
import Metrics
import Monitoring
import OctoAuth
import OctoCore
import OctoHTTP
import OctoJobs
import OctoMetrics
import OctoStore
import Prometheus
import Reports
import ServiceLifecycle
import ToolRuns
import UnixSignals

/// A role a process can run.
enum Role: String, CaseIterable, ExpressibleByArgument {
    /// The JSON API, the realtime hub and the metrics endpoint.
    case api
    /// Job workers, the recurring-job scheduler and the queue gauges.
    case worker
    /// The metrics store's maintenance: partitions, compaction, rollups and retention.
    case metrics
    /// The TR-069 ACS: the CWMP endpoint on `OCTOISP_CWMP_PORT` (default 7547).
    case acs
    /// SNMP polling and discovery: workers of queue `snmp` and the once-a-minute poll cycle.
    case poller
    /// Alert evaluation: the once-a-minute schedule of `alerts.evaluate` jobs (one per provider with
    /// enabled rules); the `worker` role runs them.
    case alerts
    /// The STUN server (TR-111) on UDP `OCTOISP_STUN_PORT` (default 3478): learns the public UDP address
    /// of CPEs behind NAT for UDP connection requests. Not in the default set: it needs a public UDP port.
    case stun

    /// The roles `serve` runs when `--roles` is not given.
    static let defaults: [Role] = allCases.filter { $0 != .stun }
}

/// `octoisp serve`: runs the chosen roles until SIGTERM/SIGINT.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the platform (all roles unless --roles narrows them).")

    @Option(name: .long, parsing: .upToNextOption, help: "Roles to run: \(Role.allCases.map(\.rawValue).joined(separator: ", ")). Comma-separated or repeated.")
    var roles: [String] = Role.defaults.map(\.rawValue)

    @Flag(name: .long, help: "Do not apply migrations at start (they need OCTOISP_OWNER_DATABASE_URL).")
    var skipMigrations = false

    func parsedRoles() throws -> Set<Role> {
        var result = Set<Role>()
        for name in roles.flatMap({ $0.split(separator: ",") }).map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            guard let role = Role(rawValue: name) else {
                throw ValidationError("unknown role '\(name)'; available: \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            result.insert(role)
        }
        guard !result.isEmpty else { throw ValidationError("no role given") }
        return result
    }

    func run() async throws {
        let environment = Environment()
        Logs.bootstrap(environment)
        let logger = Logger(label: "octoisp")
        let roles = try parsedRoles()
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory.octoisp(registry: registry))

        if !skipMigrations, environment.values["OCTOISP_OWNER_DATABASE_URL"] != nil {
            try await Migrator(ownerURL: try environment.url("OCTOISP_OWNER_DATABASE_URL"), logger: logger).migrate()
        }
        let clock = SystemWallClock()
        let databaseConfiguration = try environment.databaseConfiguration()
        let database = Database(configuration: databaseConfiguration, clock: clock, logger: logger)
        let auth = AuthService(database: database, hasher: PasswordHasher(cost: environment.bcryptCost),
                               tokens: try await environment.accessTokens(clock: clock), secrets: try environment.secretBox())

        var services: [any Service] = [database]
        let jobs = try environment.jobQueue(database: database, clock: clock, logger: logger)
        let acsConfiguration = ACSConfiguration(environment: environment.values)
        let files = FileStore(environment: environment.values)
        let deviceTasks = DeviceTaskService(queue: jobs, taskTimeout: acsConfiguration.taskTimeout)
        // Templates stay in memory (the listener below drops a provider's when they change) unless
        // OCTOISP_CACHES turns the caches off.
        let templateCache = ACSConfiguration.cachesOff(environment.values)
            ? 0 : environment.values["OCTOISP_PROVISIONING_TEMPLATE_CACHE"].flatMap(Double.init).map { max(0, $0) } ?? 300
        let provisioning = ProvisioningService(tasks: deviceTasks, secrets: try? environment.secretBox(), logger: logger,
                                               templateCacheSeconds: templateCache)
        var engine: ACSEngine?
        let driftEvery = environment.values["OCTOISP_PROVISIONING_DRIFT_INTERVAL"].flatMap(Int64.init) ?? 86_400
        let reportRetentionDays = environment.values["OCTOISP_REPORTS_RETENTION_DAYS"].flatMap(Int.init) ?? 90
        let reports = ReportService(database: database, queue: jobs, secrets: try? environment.secretBox(), retentionDays: reportRetentionDays,
                                    trafficDays: MetricsRetention(environment: environment.values).days(.fiveMinutes), logger: logger)
        if roles.contains(.worker) {
            var handlers = JobHandlers()
            let xmpp = XMPPConnector(logger: logger)
            services.append(xmpp)
            handlers.registerConnectionRequests(ConnectionRequester(database: database, secrets: try environment.secretBox(),
                                                                    settings: acsConfiguration.connectionRequest, clock: clock, logger: logger,
                                                                    xmpp: xmpp))
            handlers.registerProvisioning(provisioning, database: database, clock: clock)
            handlers.registerRollouts(provisioning, database: database)
            let notifier = AlertNotifier(database: database, queue: jobs, secrets: try? environment.secretBox(),
                                         publicURL: environment.values["OCTOISP_PUBLIC_URL"].flatMap(URL.init(string:)), logger: logger)
            handlers.registerAlerts(AlertEvaluator(database: database, retention: MetricsRetention(environment: environment.values),
                                                     incremental: .init(environment: environment.values), logger: logger)) {
                provider, alerts in try await notifier.enqueue(provider: provider, alerts: alerts)
            }
            handlers.registerAlertDeliveries(notifier)
            handlers.registerReports(reports)
            services.append(JobWorker(queue: jobs, handlers: handlers, configuration: environment.workerConfiguration(), clock: clock, logger: logger))
            services.append(environment.toolWorker(database: database, jobs: jobs, queues: [ToolQueues.platform],
                                                   executor: "platform \(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)",
                                                   clock: clock, logger: logger))
            let schedules = (driftEvery > 0 ? [ProvisioningService.driftSchedule(database: database, every: driftEvery)] : [])
                + reports.recurringSchedules()
            services.append(JobScheduler(queue: jobs, schedules: schedules, clock: clock, logger: logger))
            services.append(JobStatsReporter(queue: jobs, queues: environment.workerConfiguration().queues, logger: logger))
            // Outside PostgreSQL, jobs of committed transactions left in the outbox are pushed from here.
            if !(jobs is PostgresJobQueue) { services.append(JobOutboxSweeper(queue: jobs, database: database, logger: logger)) }
        }
        let apiConfiguration = APIConfiguration(environment: environment.values)
        if let text = environment.values["OCTOISP_METRICS_LISTEN"], !text.isEmpty, apiConfiguration.metricsListen == nil {
            throw OctoError.invalid("OCTOISP_METRICS_LISTEN", "expected host:port, e.g. 127.0.0.1:9464")
        }
        if let listen = apiConfiguration.metricsListen {
            services.append(MetricsEndpoint(registry: registry, address: listen, token: apiConfiguration.metricsToken).application(logger: logger))
        }
        if roles.contains(.api) {
            let hub = RealtimeHub()
            let metricsStore = MetricsStore(database: database, retention: MetricsRetention(environment: environment.values), clock: clock)
            var apiConfiguration = apiConfiguration
            // `/ready` answers 503 until the first Global Admin exists, so a sign-in right after readiness works.
            let startup = StartupGate(waitingFor: [AdminBootstrap.step])
            apiConfiguration.tls = try environment.listenerTLS { try ListenerTLS.api(environment: $0) }
            let api = API(database: database, auth: auth, hub: hub, configuration: apiConfiguration, metrics: registry,
                          jobs: jobs, metricsStore: metricsStore,
                          deviceTasks: deviceTasks, files: files, provisioning: provisioning,
                          secrets: try environment.secretBox(), cwmpRealm: acsConfiguration.realm,
                          toolRuns: environment.toolRunService(jobs: jobs, cpe: CPEToolDiagnostics(tasks: deviceTasks)), reportRetentionDays: reportRetentionDays,
                          startup: startup)
            let live = MetricsLiveRelay(hub: hub, store: metricsStore, logger: logger)
            services.append(live)
            services.append(EventListener(url: databaseConfiguration.app, logger: logger) { event in
                hub.deliver(event)
                live.observe(event)
            })
            services.append(try api.application(logger: logger))
            services.append(AdminBootstrap(auth: auth, environment: environment, startup: startup, logger: logger))
        }
        if roles.contains(.metrics) {
            services.append(MetricsMaintenance(database: database, retention: MetricsRetention(environment: environment.values),
                                               clock: clock, logger: logger))
        }
        if roles.contains(.acs) {
            let acs = ACSEngine(database: database, configuration: acsConfiguration, clock: clock, logger: logger, provisioning: provisioning,
                                secrets: try environment.secretBox())
            engine = acs
            let port = environment.values["OCTOISP_CWMP_PORT"].flatMap(Int.init) ?? 7547
            let host = environment.values["OCTOISP_CWMP_HOST"] ?? "127.0.0.1"
            var server = CWMPServer(engine: acs, host: host, port: port, maximumBodyBytes: acsConfiguration.maximumBodyBytes, files: files,
                                    tls: try environment.listenerTLS { try ListenerTLS.cwmp(environment: $0) })
            server.deadlines = ConnectionDeadlines(environment: environment.values)
            server.trustedProxies = apiConfiguration.trustedProxies
            server.onChannelLoop = acsConfiguration.channelLoop
            services.append(try server.application(logger: logger))
            services.append(ACSSweeper(engine: acs))
            services.append(FileLeftoverSweeper(files: files, database: database, logger: logger))
        }
        // Cached rows (CPE credentials, providers, templates) changed by any process are dropped here at once.
        if !roles.isDisjoint(with: [.acs, .api, .worker]) {
            let caches = engine
            services.append(EventListener(url: databaseConfiguration.app, logger: logger, invalidations: { item in
                if let caches { caches.invalidate(item) } else { provisioning.invalidate(item) }
            }, sink: nil))
        }
        if roles.contains(.stun) {
            services.append(STUNServer(database: database, host: environment.values["OCTOISP_STUN_HOST"] ?? "127.0.0.1",
                                       port: environment.values["OCTOISP_STUN_PORT"].flatMap(Int.init) ?? 3478, clock: clock, logger: logger))
        }
        if roles.contains(.poller) {
            let poller = try await PollerServices.make(environment: environment, database: database, jobs: jobs,
                                                       queues: [SNMPQueues.shared], clock: clock, logger: logger)
            services += poller.services
            services.append(JobScheduler(queue: jobs, schedules: [poller.polling.schedule()], clock: clock, logger: logger))
        }
        if roles.contains(.alerts) {
            let every = environment.values["OCTOISP_ALERTS_INTERVAL"].flatMap(Int64.init) ?? 60
            services.append(JobScheduler(queue: jobs, schedules: [AlertEvaluator.schedule(database: database, every: every)], clock: clock, logger: logger))
            // Between scheduled evaluations, a provider is evaluated soon after its samples arrive (at most every
            // OCTOISP_ALERTS_ON_INGEST_GAP seconds).
            if environment.values["OCTOISP_ALERTS_ON_INGEST"] != "0" {
                services.append(AlertIngestService(trigger: AlertIngestTrigger(url: databaseConfiguration.app, database: database, queue: jobs,
                                                                               gap: AlertIngestTrigger.gap(environment: environment.values),
                                                                               logger: logger)))
            }
        }
        logger.info("starting", metadata: ["roles": "\(roles.map(\.rawValue).sorted())"])
        // A graceful stop is bounded: work still waiting (on a server that went away, say) is cancelled
        // after the grace period, and a cancellation that does not end stops the process.
        let limits = try environment.shutdownLimits()
        var configuration = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = limits.grace
        configuration.maximumCancellationDuration = limits.cancellation
        let group = ServiceGroup(configuration: configuration)
        try await group.run()
    }
}

/// Creates the first Global Admin once the database pools run, opens the ``StartupGate`` for it, then
/// waits for shutdown.
struct AdminBootstrap: Service {
    /// The start-up step `/ready` waits for.
    static let step = "first Global Admin"

    let auth: AuthService
    let environment: Environment
    let startup: StartupGate
    let logger: Logger

    func run() async throws {
        let email = environment.values["OCTOISP_ADMIN_EMAIL"] ?? "admin@octoisp.local"
        let result = try await auth.bootstrapAdmin(email: email, password: environment.values["OCTOISP_ADMIN_PASSWORD"])
        if result.created {
            logger.notice("created the first Global Admin", metadata: ["email": "\(email)"])
            if let password = result.generatedPassword {
                // Printed once, on stdout only, never logged.
                FileHandle.standardOutput.write(Data("\nFirst Global Admin: \(email)\nPassword (shown only now): \(password)\n\n".utf8))
            }
        }
        startup.finish(Self.step)
        try? await gracefulShutdown()
    }
}

extension PrometheusMetricsFactory {
    /// The factory every role records into: names and label names that the Prometheus text format
    /// would refuse (the HTTP framework's `http.server.request.duration`) get `_` for each character
    /// outside `[a-zA-Z0-9_:]`, so one scrape never fails on a library's naming.
    static func octoisp(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.nameAndLabelSanitizer = { name, labels in
            (prometheusName(name), labels.map { (prometheusName($0.0), $0.1) })
        }
        return factory
    }

    static func prometheusName(_ name: String) -> String {
        String(String.UnicodeScalarView(name.unicodeScalars.map { scalar in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "_", ":": scalar
            default: "_"
            }
        }))
    }
}

/// Runs the alert evaluation trigger of the ingest as a service of the `alerts` role.
struct AlertIngestService: Service {
    let trigger: AlertIngestTrigger

    func run() async throws {
        try await cancelWhenGracefulShutdown { try await trigger.run() }
    }
}
