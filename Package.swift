// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let testSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "octoisp",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "octoisp", targets: ["octoisp"]),
        .executable(name: "octoisp-snmp", targets: ["octoisp-snmp"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        // Already in the graph through postgres-nio and hummingbird; named here for NIOSSL (STARTTLS, HTTPS).
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // Domain values, identifiers, the permission catalog, clocks and errors. No I/O.
        .target(
            name: "OctoCore",
            dependencies: [],
            swiftSettings: swiftSettings
        ),
        // PostgreSQL access: client, migrations, tenant transactions, repositories, audit, secrets.
        .target(
            name: "OctoStore",
            dependencies: [
                "OctoCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Migrations")],
            swiftSettings: swiftSettings
        ),
        // Identity: password hashing, JWT access tokens, refresh tokens, API keys, TOTP, throttling.
        .target(
            name: "OctoAuth",
            dependencies: [
                "OctoCore",
                "OctoStore",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // libcrypto from Debian's libssl-dev, for the ciphers swift-crypto does not offer (DES).
        .systemLibrary(
            name: "CLibCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        // cairo and pango from Debian (libcairo2, libpango-1.0-0, libpangocairo-1.0-0), for the PDF
        // reports: the functions the writer calls, opening the libraries on first use (dlopen), so a
        // process that draws no PDF never loads them (see loader.c).
        .target(name: "CPangoCairo"),
        // The Swift runtime's global-enqueue hook, reached through the linker (SNMPRuntime).
        .target(name: "CConcurrencyHook"),
        // SNMP: BER codec, PDUs, USM and the async UDP client. Depends on nothing of ours.
        .target(
            name: "SNMP",
            dependencies: [
                "CLibCrypto",
                "CConcurrencyHook",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The net-snmp style command-line tools on the SNMP client (`octoisp snmp`, `octoisp-snmp`).
        .target(
            name: "SNMPTools",
            dependencies: [
                "SNMP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // CWMP (TR-069) codec: SOAP envelopes, RPCs, faults and xsd types, plus the session state
        // machine. No I/O and no Foundation XML parser.
        .target(
            name: "CWMP",
            dependencies: [],
            swiftSettings: swiftSettings
        ),
        // Reaching CPEs behind NAT: the STUN codec with the TR-111 attributes, signed UDP connection
        // requests (TR-069 Annex G) and an XMPP client for Annex K connection requests. Depends on
        // CWMP only for its XML parser; no database.
        .target(
            name: "CPEReach",
            dependencies: [
                "CWMP",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The ACS: session coordination, automatic registration, the parameter-tree cache, device tasks,
        // connection requests and the file server's metadata.
        .target(
            name: "ACS",
            dependencies: [
                "CWMP",
                "CPEReach",
                "NetTools",
                "ToolRuns",
                "OctoCore",
                "OctoStore",
                "OctoJobs",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Provisioning/Mappings")],
            swiftSettings: swiftSettings
        ),
        // A simulated CPE fleet replaying real data models, for tests, demos and benchmarks.
        .target(
            name: "CPESimulator",
            dependencies: [
                "CWMP",
                "CPEReach",
                "NetTools",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // HTTP edge: the JSON API, the WebSocket hub, health and metrics.
        .target(
            name: "OctoHTTP",
            dependencies: [
                "NetTools",
                "ToolRuns",
                "OctoCore",
                "OctoStore",
                "OctoAuth",
                "OctoJobs",
                "OctoMetrics",
                "ACS",
                "CWMP",
                "Monitoring",
                "Alerts",
                "Reports",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            resources: [.copy("openapi.json")],
            swiftSettings: swiftSettings
        ),
        // Job queues: the contract, the PostgreSQL and Redis drivers, workers and recurring schedules.
        .target(
            name: "OctoJobs",
            dependencies: [
                "OctoCore",
                "OctoStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Metrics store: series registry, compact raw chunks, ingest pipeline, rollups, retention, queries.
        .target(
            name: "OctoMetrics",
            dependencies: [
                "OctoCore",
                "OctoStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Network tools: ICMP echo, continuous ping, traceroute/MTR, port and address scans, a DNS
        // wire client, the HTTP/HTTPS probe and the target guard. Sockets and NIO only; no database.
        .target(
            name: "NetTools",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // Tool runs: the history under RLS, the target policy, limits, and the job that executes a run.
        .target(
            name: "ToolRuns",
            dependencies: [
                "NetTools",
                "OctoCore",
                "OctoStore",
                "OctoJobs",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Network monitoring: vendor profiles and fingerprinting, SNMP collectors, discovery, the
        // device inventory and distributed polling through the job queue.
        .target(
            name: "Monitoring",
            dependencies: [
                "NetTools",
                "SNMP",
                "OctoCore",
                "OctoStore",
                "OctoJobs",
                "OctoMetrics",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Profiles"), .copy("Vendors")],
            swiftSettings: swiftSettings
        ),
        // Alerts: rules, the alert state machine, evaluation over metrics and device state, silences,
        // maintenance windows, topology suppression and incidents.
        .target(
            name: "Alerts",
            dependencies: [
                "OctoCore",
                "Notifications",
                "OctoStore",
                "OctoJobs",
                "OctoMetrics",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // Reports: SLA/availability, bandwidth (95th percentile), incidents and optical health over a
        // period in the provider's time zone; CSV (plain and pt-BR) and PDF (cairo + pango) writers;
        // the report job, the archive and the schedules that e-mail them.
        .target(
            name: "Reports",
            dependencies: [
                "CPangoCairo",
                "OctoCore",
                "OctoStore",
                "OctoJobs",
                "OctoMetrics",
                "Alerts",
                "Notifications",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Notification delivery: the message and its pt-BR/en rendering, an SMTP client, webhooks,
        // Telegram and Web Push (RFC 8291/8292), and the channel dispatcher. No database, no HTTP routes.
        .target(
            name: "Notifications",
            dependencies: [
                "OctoCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // `metrics-bench`: ingest throughput, bytes per sample and chart latency of the metrics store.
        .executableTarget(
            name: "metrics-bench",
            dependencies: [
                "OctoCore",
                "OctoStore",
                "OctoMetrics",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "bench/metrics/Sources",
            swiftSettings: swiftSettings
        ),
        // `alerts-bench`: evaluation CPU of 50,000 devices × 10 rules and sample-to-notification latency (bench/alerts).
        .executableTarget(
            name: "alerts-bench",
            dependencies: [
                "Alerts",
                "Notifications",
                "OctoCore",
                "OctoJobs",
                "OctoMetrics",
                "OctoStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "bench/alerts/Sources",
            swiftSettings: swiftSettings
        ),
        // Enqueue → run → ack throughput of both job-queue drivers (bench/jobs).
        .executableTarget(
            name: "octoisp-bench",
            dependencies: [
                "OctoCore",
                "OctoStore",
                "OctoJobs",
                "SNMP",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "bench/jobs/Sources",
            swiftSettings: swiftSettings
        ),
        // The ACS reboot storm against a bare Hummingbird route (bench/acs).
        .executableTarget(
            name: "acs-bench",
            dependencies: [
                "ACS",
                "CPESimulator",
                "CWMP",
                "OctoCore",
                "OctoStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "bench/acs/Sources",
            swiftSettings: swiftSettings
        ),
        // Network tools beside fping and nmap (bench/tools).
        .executableTarget(
            name: "tools-bench",
            dependencies: ["NetTools"],
            path: "bench/tools/Sources",
            swiftSettings: swiftSettings
        ),
        // One poller process polling 10,000 loopback devices through the job queue (bench/monitoring).
        .executableTarget(
            name: "monitoring-bench",
            dependencies: [
                "Monitoring",
                "OctoCore",
                "OctoStore",
                "OctoJobs",
                "OctoMetrics",
                "SNMP",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "bench/monitoring/Sources",
            swiftSettings: swiftSettings
        ),
        // A monthly SLA + bandwidth report for 10,000 devices and 50,000 interfaces (bench/reports).
        .executableTarget(
            name: "reports-bench",
            dependencies: [
                "Reports",
                "OctoMetrics",
                "OctoCore",
                "OctoJobs",
                "OctoStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "bench/reports/Sources",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "octoisp",
            dependencies: [
                "CPEReach",
                "NetTools",
                "ToolRuns",
                "OctoCore",
                "OctoStore",
                "OctoAuth",
                "OctoHTTP",
                "OctoJobs",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                "SNMP",
                "SNMPTools",
                "OctoMetrics",
                "CWMP",
                "ACS",
                "CPESimulator",
                "Monitoring",
                "Alerts",
                "Notifications",
                "Reports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings,
            // The static Swift runtime's link arguments export every symbol of the binary (65,000), which
            // the dynamic loader and the runtime's own dladdr at start-up then walk; nothing looks our
            // symbols up by name (crash backtraces read the file's symbol table).
            linkerSettings: [.unsafeFlags(["-Xlinker", "--no-export-dynamic"])]
        ),
        // The SNMP tools alone: a binary a quarter the size of `octoisp`, for one-shot queries.
        .executableTarget(
            name: "octoisp-snmp",
            dependencies: [
                "SNMP",
                "SNMPTools",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings,
            linkerSettings: [.unsafeFlags(["-Xlinker", "--no-export-dynamic"])]
        ),
        // Shared by the integration tests: per-test databases cloned from a migrated template.
        .target(
            name: "OctoTestSupport",
            dependencies: [
                "OctoCore",
                "OctoStore",
                "OctoAuth",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/OctoTestSupport",
            swiftSettings: swiftSettings
        ),
        // The operator's kit: Prometheus rules and Grafana dashboards against a live server, logs across
        // roles, packaging checks, backup and restore.
        .testTarget(
            name: "OpsTests",
            dependencies: ["OctoCore", "OctoStore", "Monitoring", "OctoTestSupport", .product(name: "PostgresNIO", package: "postgres-nio")],
            swiftSettings: testSettings
        ),
        .testTarget(
            name: "OctoCoreTests",
            dependencies: ["OctoCore"],
            swiftSettings: testSettings
        ),
        .testTarget(
            name: "OctoStoreTests",
            dependencies: ["OctoStore", "OctoAuth", "OctoTestSupport"],
            swiftSettings: testSettings
        ),
        .testTarget(
            name: "OctoHTTPTests",
            dependencies: [
                "OctoHTTP",
                "ToolRuns",
                "Alerts",
                "Notifications",
                "OctoJobs",
                "OctoTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: testSettings
        ),
        // Alerts: state machine and suppression as values; evaluation, incidents and the API against PostgreSQL.
        .testTarget(
            name: "AlertsTests",
            dependencies: [
                "Alerts",
                "Notifications",
                .product(name: "Hummingbird", package: "hummingbird"),
                "OctoHTTP",
                "OctoJobs",
                "OctoMetrics",
                "OctoTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: testSettings
        ),
        // A worker process the job-queue tests start and kill -9 mid-job.
        .executableTarget(
            name: "octoisp-jobs-fixture",
            dependencies: ["OctoCore", "OctoStore", "OctoJobs", .product(name: "Logging", package: "swift-log")],
            path: "Tests/JobsFixture",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OctoJobsTests",
            dependencies: ["OctoJobs", "OctoTestSupport", .product(name: "PostgresNIO", package: "postgres-nio")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OctoMetricsTests",
            dependencies: ["OctoMetrics", "OctoHTTP", "OctoTestSupport",
                           .product(name: "HummingbirdTesting", package: "hummingbird")],
            swiftSettings: testSettings
        ),
        .testTarget(
            name: "CWMPTests",
            dependencies: ["CWMP"],
            swiftSettings: testSettings
        ),
        .testTarget(
            name: "ACSTests",
            dependencies: [
                "ACS",
                "Monitoring",
                "ToolRuns",
                "CWMP",
                "CPEReach",
                "CPESimulator",
                "OctoHTTP",
                "OctoTestSupport",
                "OctoJobs",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: testSettings
        ),
        // Several processes of each role behind nginx (deploy/nginx): one killed mid-storm; rate limits shared through Redis.
        .testTarget(
            name: "ScaleOutTests",
            dependencies: [
                "ACS",
                "CWMP",
                "CPESimulator",
                "OctoCore",
                "OctoStore",
                "OctoJobs",
                "OctoTestSupport",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: testSettings
        ),
        // Fingerprints and collectors against snmpsimd serving the real-device recordings.
        .testTarget(
            name: "MonitoringTests",
            dependencies: ["Monitoring", "SNMP", "OctoTestSupport"],
            exclude: ["Recordings"],
            swiftSettings: testSettings
        ),
        // Inventory, discovery and distributed polling against PostgreSQL, the job queue and SNMP agents.
        .testTarget(
            name: "PollingTests",
            dependencies: ["Monitoring", "SNMP", "OctoJobs", "OctoMetrics", "OctoTestSupport", "OctoHTTP", "Alerts", "Notifications",
                           .product(name: "PostgresNIO", package: "postgres-nio"),
                           .product(name: "HummingbirdTesting", package: "hummingbird")],
            swiftSettings: testSettings
        ),
        // Provisioning: settings model, data-model mappings per fixture model, templates, apply, actions.
        .testTarget(
            name: "ProvisioningTests",
            dependencies: [
                "ACS",
                "CWMP",
                "CPESimulator",
                "OctoHTTP",
                "OctoTestSupport",
                "OctoJobs",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: testSettings
        ),
        // Notification channels against a real SMTP server (aiosmtpd) and local HTTP receivers.
        .testTarget(
            name: "NotificationsTests",
            dependencies: [
                "Notifications",
                "OctoCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: testSettings
        ),
        // Network tools against real peers: namespaces with netem, dnsmasq, nginx, loopback sockets.
        .testTarget(
            name: "NetToolsTests",
            dependencies: ["NetTools", "OctoTestSupport"],
            swiftSettings: testSettings
        ),
        // Reports: hand-computed fixtures, CSV dialects, PDFs read back with poppler, the archive under RLS.
        .testTarget(
            name: "ReportsTests",
            dependencies: [
                "Reports",
                "Alerts",
                "OctoMetrics",
                "OctoJobs",
                "OctoTestSupport",
                "Notifications",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: testSettings
        ),
        .testTarget(
            name: "SNMPTests",
            dependencies: ["SNMP", "OctoTestSupport"],
            swiftSettings: testSettings
        ),
    ]
)
