import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOHTTP1
import Notifications
import OctoAuth
import OctoCore
import OctoHTTP
import OctoStore
import PostgresNIO
import Prometheus

/// `octoisp bench …`: measurements against a baseline in the same run (see `make bench`).
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Benchmarks (run through `make bench`).", subcommands: [Devices.self])

    /// Device list and search through the API for a provider with many devices, against the same
    /// queries run straight on PostgreSQL.
    struct Devices: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "devices", abstract: "Device list/search latency: API vs. the same SQL on PostgreSQL.")

        @Option(help: "Devices to create in the benchmark provider.") var devices = 50_000
        @Option(help: "Requests per scenario.") var requests = 300

        func run() async throws {
            let environment = Environment()
            let logger = { var logger = Logger(label: "bench"); logger.logLevel = .error; return logger }()
            try await Migrator(ownerURL: try environment.url("OCTOISP_OWNER_DATABASE_URL"), logger: logger).migrate()
            let clock = SystemWallClock()
            let configuration = try environment.databaseConfiguration()
            let database = Database(configuration: configuration, clock: clock, logger: logger)
            let auth = AuthService(database: database, hasher: PasswordHasher(cost: 4), tokens: try await environment.accessTokens(clock: clock),
                                   secrets: try environment.secretBox())
            var apiConfiguration = APIConfiguration()
            apiConfiguration.port = Int(environment.values["OCTOISP_BENCH_PORT"] ?? "") ?? 18_181
            apiConfiguration.addressRate = 1_000_000
            apiConfiguration.addressBurst = 1_000_000
            apiConfiguration.credentialRate = 1_000_000
            apiConfiguration.credentialBurst = 1_000_000
            let api = API(database: database, auth: auth, hub: RealtimeHub(), configuration: apiConfiguration, metrics: PrometheusCollectorRegistry())
            let port = apiConfiguration.port
            let devices = self.devices, requests = self.requests

            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await database.run() }
                group.addTask { try await api.application(logger: logger).run() }
                let slug = "bench-\(UInt32.random(in: 0...UInt32.max))"
                let provider = try await database.withGlobal { tx in
                    try await tx.providers.create(ProviderInput(slug: slug, name: "Bench"), by: .system)
                }
                let seeded = ContinuousClock.now
                try await database.withGlobal(acting: provider.id) { tx in
                    // 20 POPs; every device under one of them, one ONU optics reading per device (a tenth out
                    // of range) and a queued task per hundred devices, for the dashboard summary.
                    try await tx.query("""
                        INSERT INTO pops (provider_id, name) SELECT \(provider.id), 'POP ' || lpad(i::text, 2, '0') FROM generate_series(1, 20) i
                        """)
                    try await tx.query("""
                        WITH p AS (SELECT array_agg(id ORDER BY name) AS ids FROM pops WHERE provider_id = \(provider.id))
                        INSERT INTO devices (provider_id, name, kind, vendor, model, serial_number, oui, mac, management_ip, status, pop_id)
                        SELECT \(provider.id), 'CPE ' || lpad(i::text, 6, '0'), 'cpe',
                               (ARRAY['Huawei', 'ZTE', 'FiberHome', 'TP-Link', 'Intelbras'])[1 + i % 5],
                               (ARRAY['EG8145V5', 'F670L', 'AN5506', 'EX220', 'WiFiber 121'])[1 + i % 5],
                               'SN' || lpad(to_hex(i * 7919), 10, '0'), '00259E',
                               '00:25:9e:' || lpad(to_hex(i % 256), 2, '0') || ':' || lpad(to_hex((i / 256) % 256), 2, '0') || ':00',
                               ('10.' || (i / 65536) || '.' || ((i / 256) % 256) || '.' || (i % 256))::inet,
                               (ARRAY['online', 'offline', 'pending'])[1 + i % 3], p.ids[1 + i % 20]
                        FROM generate_series(1, \(devices)) AS i, p
                        """)
                    try await tx.query("""
                        INSERT INTO snmp_optics (provider_id, device_id, scope, item, rx_dbm, tx_dbm, updated_at)
                        SELECT provider_id, id, 'onu', '1', CASE WHEN random() < 0.1 THEN -30 ELSE -20 END, 2, now()
                        FROM devices WHERE provider_id = \(provider.id)
                        """)
                    try await tx.query("""
                        INSERT INTO acs_tasks (provider_id, device_id, type, status, command_key, created_at, expires_at)
                        SELECT provider_id, id, 'reboot', 'queued', 'bench', now(), now() + interval '1 day'
                        FROM devices WHERE provider_id = \(provider.id) AND name LIKE '%00'
                        """)
                    try await tx.query("ANALYZE devices")
                    try await tx.query("ANALYZE snmp_optics")
                    try await tx.query("ANALYZE acs_tasks")
                }
                print("seeded \(devices) devices in \(ContinuousClock.now - seeded)")
                let email = "bench-\(slug)@octoisp.test"
                let benchUser = try await auth.prepareNewUser(UserInput(email: email, password: "bench password 123", roleKey: "viewer"))
                _ = try await database.withTenant(provider.id) { tx in
                    try await auth.createUser(benchUser, in: tx, by: .system)
                }
                let pair = try await auth.login(email: email, password: "bench password 123", totpCode: nil, client: ClientInfo(ip: nil))

                let scenarios: [(String, DeviceFilter, String)] = [
                    ("list first page", DeviceFilter(), "limit=50"),
                    ("list deep page", DeviceFilter(), "limit=50&offset=25000"),
                    ("search serial", DeviceFilter(query: "sn0000a"), "q=sn0000a&limit=50"),
                    ("search ip", DeviceFilter(query: "10.0.12."), "q=10.0.12.&limit=50"),
                    ("filter status+vendor", DeviceFilter(status: .online, vendor: "zte"), "status=online&vendor=zte&limit=50"),
                ]
                // One connection per request (the notification channels' client): the API figures include a loopback connect.
                let client = NotificationHTTPClient(timeout: .seconds(30))
                let authorization = [("Authorization", "Bearer \(pair.accessToken)")]
                print("\nscenario               | API p50  | API p95  | SQL p50  | SQL p95  | API/SQL p95")
                print("-----------------------|----------|----------|----------|----------|------------")
                for (name, filter, query) in scenarios {
                    let page = try PageRequest(limit: 50, offset: query.contains("offset") ? 25_000 : 0)
                    var sql: [Double] = []
                    for _ in 0..<requests {
                        let start = ContinuousClock.now
                        _ = try await database.withTenant(provider.id) { tx in try await tx.devices.list(filter, page: page) }
                        sql.append(Self.milliseconds(ContinuousClock.now - start))
                    }
                    var http: [Double] = []
                    let url = URL(string: "http://127.0.0.1:\(port)/api/v1/devices?\(query)")!
                    for _ in 0..<requests {
                        let start = ContinuousClock.now
                        let response = try await client.request(.GET, url, headers: authorization, body: [])
                        http.append(Self.milliseconds(ContinuousClock.now - start))
                        guard response.status == 200 else { throw ConfigurationError("API answered \(response.status)") }
                    }
                    let (a50, a95, s50, s95) = (Self.percentile(http, 50), Self.percentile(http, 95), Self.percentile(sql, 50), Self.percentile(sql, 95))
                    print(name.padding(toLength: 23, withPad: " ", startingAt: 0)
                          + "| \(Self.format(a50)) | \(Self.format(a95)) | \(Self.format(s50)) | \(Self.format(s95)) | \(String(format: "%.2f×", a95 / s95))")
                }
                // The dashboard summary: the repository's statements alone, then the whole request.
                var sql: [Double] = []
                for _ in 0..<requests {
                    let start = ContinuousClock.now
                    _ = try await database.withTenant(provider.id) { tx in try await tx.dashboard.summary(now: Date()) }
                    sql.append(Self.milliseconds(ContinuousClock.now - start))
                }
                var http: [Double] = []
                let url = URL(string: "http://127.0.0.1:\(port)/api/v1/dashboard/summary")!
                for _ in 0..<requests {
                    let start = ContinuousClock.now
                    let response = try await client.request(.GET, url, headers: authorization, body: [])
                    http.append(Self.milliseconds(ContinuousClock.now - start))
                    guard response.status == 200 else { throw ConfigurationError("API answered \(response.status)") }
                }
                let (a50, a95, s50, s95) = (Self.percentile(http, 50), Self.percentile(http, 95), Self.percentile(sql, 50), Self.percentile(sql, 95))
                print("dashboard summary".padding(toLength: 23, withPad: " ", startingAt: 0)
                      + "| \(Self.format(a50)) | \(Self.format(a95)) | \(Self.format(s50)) | \(Self.format(s95)) | \(String(format: "%.2f×", a95 / s95))")
                print("\n(SQL = the same repository query in a tenant transaction on PostgreSQL, no HTTP; goal: API p95 < 50 ms)")
                group.cancelAll()
            }
        }

        static func milliseconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) * 1_000 + Double(duration.components.attoseconds) / 1e15
        }

        static func percentile(_ values: [Double], _ p: Double) -> Double {
            let sorted = values.sorted()
            return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p / 100).rounded(.up)) - 1)]
        }

        static func format(_ value: Double) -> String { String(format: "%5.2f ms", value) }
    }
}
