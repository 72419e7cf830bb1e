// alerts-bench: evaluation of a provider with BENCH_DEVICES (50,000) network devices × 10 rules — a
// full pass and incremental cycles (each after BENCH_ALERTS_INTERVAL seconds of polling), wall time
// and CPU (ours and PostgreSQL's), beside a baseline that only reads the same inputs with plain SQL —
// and the sample-to-notification latency through a webhook, with every series polled once a minute
// and the evaluation run as `serve` runs it: jobs on the queue, scheduled every BENCH_ALERTS_INTERVAL
// seconds and, unless OCTOISP_ALERTS_ON_INGEST=0, enqueued by the ingest's batch events.
//
// Needs OCTOISP_OWNER_DATABASE_URL, DATABASE_URL and OCTOISP_GLOBAL_DATABASE_URL (as written by
// scripts/postgres.sh); works in a fresh database it creates and drops. Tunables (environment):
// BENCH_DEVICES (50000), BENCH_CYCLES (3), BENCH_STREAMING_CYCLES (BENCH_CYCLES, at least 3; more to profile them),
// BENCH_ALERTS_INTERVAL (5), BENCH_LATENCY_DEVICES (200),
// OCTOISP_DB_STATEMENT_TIMEOUT (30 s, as `serve`).
import Alerts
import Foundation
import Hummingbird
import Logging
import Notifications
import OctoCore
import OctoJobs
import OctoMetrics
import OctoStore
import PostgresNIO
import Synchronization

let environment = ProcessInfo.processInfo.environment
func setting(_ name: String, _ fallback: Int) -> Int { environment[name].flatMap(Int.init) ?? fallback }
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
func url(_ name: String) throws -> DatabaseURL {
    guard let text = environment[name] else { throw BenchError("\(name) is not set; source the env file of scripts/postgres.sh") }
    return try DatabaseURL(text)
}
func seconds(_ duration: Duration) -> Double { Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18 }

/// CPU seconds (user + system) of this process.
func processCPU() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// The benchmark cluster's postmaster (other clusters may run on the machine); set once connected.
nonisolated(unsafe) var postmaster: Int?

/// CPU seconds of the benchmark cluster's `postgres` processes (the postmaster and its children),
/// including the backends that exited (the postmaster's reaped children).
func postgresCPU() -> Double {
    let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
    var total = 0.0
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where Int(entry) != nil {
        guard let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8), stat.contains("(postgres)"),
              let close = stat.lastIndex(of: ")") else { continue }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        if let postmaster, Int(entry) != postmaster, fields.count > 1, Int(fields[1]) != postmaster { continue }
        // After the command: state, ppid, …; utime and stime are fields 14 and 15 of stat, cutime and cstime 16 and 17.
        if fields.count > 15, let user = Double(fields[11]), let system = Double(fields[12]), let children = Double(fields[13]),
           let childrenSystem = Double(fields[14]) {
            total += (user + system + children + childrenSystem) / ticks
        }
    }
    return total
}

var logger = Logger(label: "alerts-bench")
// BENCH_DEBUG also shows warnings (failed jobs, retried batches).
logger.logLevel = environment["BENCH_DEBUG"] != nil ? .warning : .error
let deviceCount = setting("BENCH_DEVICES", 50_000)
let cycles = setting("BENCH_CYCLES", 3)
let streamingCycleCount = setting("BENCH_STREAMING_CYCLES", max(cycles, 3))
let interval = setting("BENCH_ALERTS_INTERVAL", 5)
let latencyDevices = setting("BENCH_LATENCY_DEVICES", 200)

// The statement timeout `serve` uses (OCTOISP_DB_STATEMENT_TIMEOUT, 30 s, 0 for none): a priming read
// that takes longer on a loaded machine fails here as it would in production.
let timeoutSeconds = setting("OCTOISP_DB_STATEMENT_TIMEOUT", 30)
let statementTimeout: Duration? = timeoutSeconds == 0 ? nil : .seconds(timeoutSeconds)
let owner = try url("OCTOISP_OWNER_DATABASE_URL")
let name = "octoisp_alerts_bench_\(ProcessInfo.processInfo.processIdentifier)"
func admin(_ sql: String) async throws {
    let connection = try await PostgresConnection.connect(configuration: owner.with(database: "postgres").connectionConfiguration(), id: 1, logger: logger)
    do {
        try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
    } catch {
        try? await connection.close().get()
        throw error
    }
    try await connection.close().get()
}
try await admin("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
try await admin("CREATE DATABASE \(name) OWNER octoisp_owner")
let ownerURL = owner.with(database: name)
try await Migrator(ownerURL: ownerURL, logger: logger).migrate()
let database = Database(configuration: .init(app: try url("DATABASE_URL").with(database: name),
                                             global: try url("OCTOISP_GLOBAL_DATABASE_URL").with(database: name),
                                             maximumConnections: 16, statementTimeout: statementTimeout), logger: logger)
let clock = SystemWallClock()
let databaseTask = Task { try await database.run() }
let ownerConnection = try await PostgresConnection.connect(configuration: ownerURL.connectionConfiguration(), id: 2, logger: logger)
for try await (backend) in try await ownerConnection.query("SELECT pg_backend_pid()", logger: logger).decode(Int32.self) {
    let stat = (try? String(contentsOfFile: "/proc/\(backend)/stat", encoding: .utf8)) ?? ""
    if let close = stat.lastIndex(of: ")") { postmaster = Int(stat[stat.index(after: close)...].split(separator: " ")[1]) }
}
/// Runs each `;`-terminated statement of `sql` in turn.
func execute(_ sql: String) async throws {
    for statement in sql.components(separatedBy: ";\n") where !statement.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
        try await ownerConnection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
    }
}

let metrics = ["cpu", "memory", "temperature", "rtt", "packetLoss"]
print("alerts-bench: \(deviceCount) devices × 10 rules, \(metrics.count) series and 4 interfaces per device, 10 minutes of samples")

// 1. The provider: devices in 50 POPs, their SNMP state and interfaces, written with plain SQL.
let provider = try await database.withGlobal { tx in try await tx.providers.create(ProviderInput(slug: "bench", name: "Bench"), by: .system) }
let setupStart = ContinuousClock.now
try await execute("""
    INSERT INTO pops (provider_id, name) SELECT '\(provider.id.lowercased)', 'POP ' || i FROM generate_series(1, 50) i;
    INSERT INTO devices (provider_id, name, kind, pop_id)
    SELECT '\(provider.id.lowercased)', 'dev-' || i, (ARRAY['olt', 'switch', 'router', 'router'])[1 + i % 4],
           (SELECT id FROM pops ORDER BY name OFFSET (i % 50) LIMIT 1)
    FROM generate_series(1, \(deviceCount)) i;
    INSERT INTO snmp_devices (provider_id, device_id, address, reachability, created_at, updated_at)
    SELECT provider_id, id, ('10.0.0.0'::inet + row_number() OVER (ORDER BY id)), 'up', now(), now() FROM devices;
    INSERT INTO snmp_interfaces (provider_id, device_id, if_index, name, admin_up, oper_status, updated_at)
    SELECT d.provider_id, d.id, i, 'ge-0/0/' || i, true, 1, now() FROM devices d, generate_series(1, 4) i;
    INSERT INTO metric_series (provider_id, device_id, metric, labels, kind, unit)
    SELECT d.provider_id, d.id, m, '{}'::jsonb, 'gauge', '' FROM devices d, unnest(ARRAY['\(metrics.joined(separator: "','"))']) m;
    ANALYZE;
    """)
let series: [(id: Int64, device: UUID, metric: String)] = try await database.withTenant(provider.id) { tx in
    var rows: [(Int64, UUID, String)] = []
    for try await (id, device, metric) in try await tx.query("SELECT id, device_id, metric FROM metric_series ORDER BY id").decode((Int64, UUID, String).self) {
        rows.append((id, device, metric))
    }
    return rows.map { (id: $0.0, device: $0.1, metric: $0.2) }
}
let deviceNames: [UUID: String] = try await database.withTenant(provider.id) { tx in
    var names: [UUID: String] = [:]
    for try await (id, name) in try await tx.query("SELECT id, name FROM devices").decode((UUID, String).self) { names[id] = name }
    return names
}

// Ten minutes of one-minute samples for every series, healthy values, through the ingest pipeline.
let pipeline = MetricsIngestPipeline(database: database, configuration: .init(batchSize: 20_000, maxPendingSamples: 400_000, writers: 2, publishLive: false),
                                     clock: clock, logger: logger)
let writers = Task { await pipeline.writers() }
let now = clock.now
func healthy(_ metric: String, _ index: Int) -> Double {
    switch metric {
    case "cpu": Double(20 + index % 40)
    case "memory": Double(40 + index % 30)
    case "temperature": Double(40 + index % 15)
    case "rtt": Double(1 + index % 20)
    default: 0
    }
}
try await withThrowingTaskGroup(of: Void.self) { group in
    for minute in 0..<10 {
        let at = now.addingTimeInterval(-Double(minute) * 60 - 5)
        group.addTask {
            for slice in stride(from: 0, to: series.count, by: 20_000) {
                try await pipeline.submit(series[slice..<min(slice + 20_000, series.count)].enumerated().map { offset, item in
                    MetricSample(seriesId: item.id, at: at, value: healthy(item.metric, slice + offset))
                })
            }
        }
    }
    try await group.waitForAll()
}
// As in production, the maintenance role compacts what was ingested into chunks; statistics are fresh.
let maintenance = MetricsMaintenance(database: database, interval: .seconds(1), clock: clock, logger: logger)
while try await maintenance.runOnce().compactedSamples > 0 {}
try await execute("ANALYZE")
print(String(format: "setup: %d devices, %d series, %d samples in %.1f s", deviceCount, series.count, series.count * 10, seconds(ContinuousClock.now - setupStart)))

// 2. The rules: the built-ins plus memory, RTT p95, packet loss, no data and a temperature jump.
let rules: [AlertRuleInput] = [
    AlertRuleInput(name: "Device unreachable", severity: .critical, condition: .reachability(includeSNMPFailing: false), forSeconds: 0),
    AlertRuleInput(name: "SNMP failing", severity: .warning, condition: .reachability(includeSNMPFailing: true), forSeconds: 600),
    AlertRuleInput(name: "CPU above 90%", severity: .warning,
                   condition: .threshold(.init(metric: "cpu", aggregation: .last, windowSeconds: 300, op: .greater, value: 90, clear: 80)), forSeconds: 0),
    AlertRuleInput(name: "Memory above 95%", severity: .warning,
                   condition: .threshold(.init(metric: "memory", aggregation: .avg, windowSeconds: 300, op: .greater, value: 95, clear: 90)), forSeconds: 300),
    AlertRuleInput(name: "Temperature above 70 °C", severity: .warning,
                   condition: .threshold(.init(metric: "temperature", aggregation: .max, windowSeconds: 300, op: .greater, value: 70, clear: 65)), forSeconds: 300),
    AlertRuleInput(name: "RTT p95 above 100 ms", severity: .warning,
                   condition: .threshold(.init(metric: "rtt", aggregation: .p95, windowSeconds: 600, op: .greater, value: 100, clear: 80)), forSeconds: 300),
    AlertRuleInput(name: "Packet loss above 5%", severity: .critical,
                   condition: .threshold(.init(metric: "packetLoss", aggregation: .avg, windowSeconds: 300, op: .greater, value: 5, clear: 2)), forSeconds: 120),
    AlertRuleInput(name: "Interface down", severity: .warning, condition: .interfaceDown, forSeconds: 120),
    AlertRuleInput(name: "No CPU data", severity: .info, condition: .noData(metric: "cpu", windowSeconds: 600), forSeconds: 0),
    AlertRuleInput(name: "Temperature jump", severity: .warning, condition: .change(metric: "temperature", windowSeconds: 600, delta: 10), forSeconds: 0),
]
try await database.withTenant(provider.id) { tx in
    for rule in rules { _ = try await tx.alertRules.create(rule, by: .system) }
}

// 3. Baseline: the same inputs read with plain SQL (device list, states, interfaces, the window's chunks).
let baselineCPU = (processCPU(), postgresCPU())
let baselineStart = ContinuousClock.now
try await database.withTenant(provider.id) { tx in
    var rows = 0
    for sql in ["SELECT d.id, d.name, d.kind, d.pop_id, d.parent_device_id, p.uplink_device_id FROM devices d LEFT JOIN pops p ON p.id = d.pop_id",
                "SELECT device_id, reachability FROM snmp_devices WHERE enabled", "SELECT device_id, reachability FROM snmp_devices WHERE enabled",
                "SELECT device_id, if_index, name, admin_up, oper_status FROM snmp_interfaces"] {
        for try await _ in try await tx.query(PostgresQuery(unsafeSQL: sql)) { rows += 1 }
    }
    // Each metric rule reads its metric's window once: 7 windows over 5 metrics.
    for metric in ["cpu", "memory", "temperature", "rtt", "packetLoss", "cpu", "temperature"] {
        for try await _ in try await tx.query("""
            SELECT series_id, at_ms, value FROM metric_ingest WHERE series_id IN (SELECT id FROM metric_series WHERE metric = \(metric))
            UNION ALL
            SELECT c.series_id, 0, length(c.samples)::float8 FROM metric_chunks c WHERE c.series_id IN (SELECT id FROM metric_series WHERE metric = \(metric))
              AND c.chunk_start >= \(now.addingTimeInterval(-3_600))
            """) { rows += 1 }
    }
    _ = rows
}
let baselineSeconds = seconds(ContinuousClock.now - baselineStart)
let baselineCost = (processCPU() - baselineCPU.0, postgresCPU() - baselineCPU.1)

// 4. Evaluation cycles, before and after in the same run. Before: windows aggregated in PostgreSQL
// (`OCTOISP_ALERTS_STREAMING=0`): a full pass, then incremental cycles, each after BENCH_ALERTS_INTERVAL
// seconds' worth of polling at one sample per series per minute (the series of interval/60 of the
// devices), then a second full pass. After: streaming windows — a full pass primes them, then the same
// cycles advance them with the samples committed since.
let legacy = AlertEvaluator(database: database, incremental: .init(streaming: false), logger: logger)
let legacyFull = AlertEvaluator(database: database, incremental: .init(fullEvery: 0, streaming: false), logger: logger)
let evaluator = AlertEvaluator(database: database, incremental: .init(fullEvery: 3_600), logger: logger)
let pollSlice = max(1, series.count * interval / 60)
let pollCursor = Mutex(0)
/// One poll's worth of healthy samples for the next `count` series (round robin), stamped now.
@Sendable func poll(_ count: Int, into pipeline: MetricsIngestPipeline = pipeline) async throws {
    let at = Date()
    let first = pollCursor.withLock { cursor in
        defer { cursor += count }
        return cursor
    }
    let batch = (first..<first + count).map { position in
        let index = position % series.count
        return MetricSample(seriesId: series[index].id, at: at, value: healthy(series[index].metric, index))
    }
    for slice in stride(from: 0, to: batch.count, by: 20_000) { try await pipeline.submit(Array(batch[slice..<min(slice + 20_000, batch.count)])) }
}
typealias Cost = (wall: Double, cpu: (Double, Double))
func measure(_ label: String, _ evaluator: AlertEvaluator) async throws -> Cost {
    let cpu = (processCPU(), postgresCPU())
    let start = ContinuousClock.now
    let summary = try await evaluator.evaluate(provider: provider.id)
    let wall = seconds(ContinuousClock.now - start)
    let used = (processCPU() - cpu.0, postgresCPU() - cpu.1)
    print(String(format: "%@: %d rules (%d full), %d observations, %@ changed series, %.2f s wall, %.2f s CPU (octoisp) + %.2f s CPU (PostgreSQL), transitions %@",
                 label, summary.rules, summary.fullRules, summary.observations, summary.changedSeries.map(String.init) ?? "all", wall, used.0, used.1,
                 "\(summary.transitions)"))
    return (wall, used)
}
func best(_ runs: [Cost]) -> Cost {
    runs.min { $0.cpu.0 + $0.cpu.1 < $1.cpu.0 + $1.cpu.1 } ?? runs[0]
}
func median(_ runs: [Cost]) -> Cost {
    runs.sorted { $0.cpu.0 + $0.cpu.1 < $1.cpu.0 + $1.cpu.1 }[runs.count / 2]
}
var legacyFullCycles: [Cost] = [try await measure("before: full pass 1", legacy)]
var legacyCycles: [Cost] = []
for cycle in 0..<cycles {
    try await poll(pollSlice)
    legacyCycles.append(try await measure("before: incremental cycle \(cycle + 1) (\(pollSlice) new samples)", legacy))
}
legacyFullCycles.append(try await measure("before: full pass 2", legacyFull))
let streamingPrime = try await measure("after: streaming prime (full pass)", evaluator)
// Cycles alternate between this evaluator and one that reads the device list each time (as before the
// list was kept between evaluations); both advance the same windows.
let listEachTime = AlertEvaluator(database: database, incremental: .init(fullEvery: 3_600), deviceCache: DeviceListCache(keeps: false), logger: logger)
var streamingCycles: [Cost] = []
var listEachTimeCycles: [Cost] = []
for cycle in 0..<streamingCycleCount {
    try await poll(pollSlice)
    listEachTimeCycles.append(try await measure("after, device list read each time: streaming cycle \(cycle + 1) (\(pollSlice) new samples)", listEachTime))
    try await poll(pollSlice)
    streamingCycles.append(try await measure("after: streaming cycle \(cycle + 1) (\(pollSlice) new samples)", evaluator))
}
let full = best(legacyFullCycles)
let incremental = best(legacyCycles)
let streamed = median(streamingCycles)
let streamedListEachTime = median(listEachTimeCycles)
let perMinute = 60.0 / Double(interval)
print(String(format: "baseline (the same inputs read with plain SQL): %.2f s wall, %.2f s CPU (client) + %.2f s CPU (PostgreSQL)",
             baselineSeconds, baselineCost.0, baselineCost.1))
print(String(format: "before, full pass: %.2f s wall (%.1f× the baseline), %.2f s CPU octoisp + %.2f s PostgreSQL",
             full.wall, full.wall / baselineSeconds, full.cpu.0, full.cpu.1))
print(String(format: "before, incremental cycle (%d s of polling): %.2f s wall, %.2f s CPU octoisp + %.2f s PostgreSQL; per minute of polling %.2f s + %.2f s",
             interval, incremental.wall, incremental.cpu.0, incremental.cpu.1, incremental.cpu.0 * perMinute, incremental.cpu.1 * perMinute))
print(String(format: "after, streaming prime: %.2f s wall, %.2f s CPU octoisp + %.2f s PostgreSQL",
             streamingPrime.wall, streamingPrime.cpu.0, streamingPrime.cpu.1))
print(String(format: "after, device list read each time, streaming cycle (%d s of polling, median): %.2f s wall, %.2f s CPU octoisp + %.2f s PostgreSQL; per minute of polling %.2f s",
             interval, streamedListEachTime.wall, streamedListEachTime.cpu.0, streamedListEachTime.cpu.1,
             (streamedListEachTime.cpu.0 + streamedListEachTime.cpu.1) * perMinute))
print(String(format: "after, streaming cycle (%d s of polling, median): %.2f s wall, %.2f s CPU octoisp + %.2f s PostgreSQL; per minute of polling %.2f s + %.2f s = %.2f s (goal: ≤ 2 s CPU per one-minute cycle); %.1f× less CPU than before",
             interval, streamed.wall, streamed.cpu.0, streamed.cpu.1, streamed.cpu.0 * perMinute, streamed.cpu.1 * perMinute,
             (streamed.cpu.0 + streamed.cpu.1) * perMinute, (incremental.cpu.0 + incremental.cpu.1) / max(0.001, streamed.cpu.0 + streamed.cpu.1)))

// 5. Sample-to-notification latency, as `serve` runs the alerts and worker roles: a job worker runs the
// evaluations and the webhook deliveries; the schedule enqueues an evaluation every `interval` seconds and
// the ingest trigger one within a second of a batch of samples (its events need the ingest to publish
// them, as `serve` does); CPU samples of 99 % for `latencyDevices` devices at random moments.
let received = Mutex<[String: Date]>([:])
let router = Router()
router.post("hook") { request, _ -> Response in
    let body = try await request.body.collect(upTo: 1 << 20)
    let arrived = Date()
    if environment["BENCH_DEBUG"] != nil { print("hook: \(String(decoding: body.readableBytesView, as: UTF8.self).prefix(300))") }
    if let payload = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any], let title = payload["title"] as? String,
       let device = title.split(separator: " ").first {
        received.withLock { if $0[String(device)] == nil { $0[String(device)] = arrived } }
    }
    return Response(status: .ok)
}
let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
let hookApp = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                          onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
let hookTask = Task { try await hookApp.runService() }
var port = 0
for await bound in ports { port = bound; break }
let secrets = try SecretBox(keyring: SecretBox.generateKeyring())
try await database.withTenant(provider.id) { tx in
    _ = try await tx.notificationChannels.create(NotificationChannelInput(
        name: "Webhook", minSeverity: .warning, channel: .webhook(WebhookConfiguration(url: URL(string: "http://127.0.0.1:\(port)/hook")!, key: "k")),
        pacing: NotificationPacing(groupBy: [.device], groupWaitSeconds: 0, groupIntervalSeconds: 1, repeatIntervalSeconds: 86_400)),
        secrets: secrets, by: .system)
}
let queue = PostgresJobQueue(database: database, clock: clock, logger: logger)
let notifier = AlertNotifier(database: database, queue: queue, secrets: secrets, logger: logger)
var handlers = JobHandlers()
handlers.registerAlerts(evaluator) { provider, alerts in try await notifier.enqueue(provider: provider, alerts: alerts) }
handlers.registerAlertDeliveries(notifier)
let onIngest = environment["OCTOISP_ALERTS_ON_INGEST"] != "0"
let livePipeline = MetricsIngestPipeline(database: database, configuration: .init(batchSize: 20_000, maxPendingSamples: 400_000, writers: 2),
                                         clock: clock, logger: logger)
let liveWriters = Task { await livePipeline.writers() }
let latencyCPU = (processCPU(), postgresCPU())
let latencyPhaseStart = ContinuousClock.now
let worker = JobWorker(queue: queue, handlers: handlers, configuration: .init(includeDedicated: false, concurrency: 8, pollInterval: .milliseconds(20)),
                       clock: clock, logger: logger)
let workerTask = Task { try await worker.run() }
let schedulerTask = Task {
    try await JobScheduler(queue: queue, schedules: [AlertEvaluator.schedule(database: database, every: Int64(interval))], clock: clock,
                           logger: logger).run()
}
let triggerTask = Task {
    guard onIngest else { return }
    try await AlertIngestTrigger(url: try url("DATABASE_URL").with(database: name), database: database, queue: queue, logger: logger).run()
}
// Meanwhile every series is polled once a minute, as the pollers would, and the metrics role compacts
// what was ingested every minute.
let compactionTask = Task {
    while !Task.isCancelled {
        try? await Task.sleep(for: .seconds(60))
        if Task.isCancelled { break }
        do { _ = try await maintenance.runOnce() } catch { print("maintenance failed: \(error)") }
    }
}
// Meanwhile every series is polled once a minute, as the pollers would.
let pollingTask = Task {
    while !Task.isCancelled {
        let started = ContinuousClock.now
        do { try await poll(max(1, series.count / 60), into: livePipeline) } catch { print("polling failed: \(error)") }
        try? await Task.sleep(until: started + .seconds(1))
    }
}
let cpuSeries = series.filter { $0.metric == "cpu" }.shuffled().prefix(latencyDevices)
var sent: [String: Date] = [:]
let spread = Double(max(interval, 1) * 6)
print("latency: \(latencyDevices) devices cross CPU 90 % at random moments over \(Int(spread)) s; evaluation every \(interval) s\(onIngest ? " and on ingest" : "")")
let plan = cpuSeries.map { ($0, Double.random(in: 0..<spread)) }.sorted { $0.1 < $1.1 }
let latencyStart = Date()
for (item, offset) in plan {
    let due = latencyStart.addingTimeInterval(offset)
    if due > Date() { try await Task.sleep(for: .milliseconds(Int(due.timeIntervalSinceNow * 1000))) }
    // A sample of 99 %: the rule compares the newest sample.
    let at = Date()
    try await livePipeline.submit([MetricSample(seriesId: item.id, at: at.addingTimeInterval(-0.5), value: 99)])
    sent[deviceNames[item.device] ?? ""] = at
}
let deadline = Date().addingTimeInterval(Double(interval) * 4 + 30)
while received.withLock({ $0.count }) < sent.count, Date() < deadline { try await Task.sleep(for: .milliseconds(100)) }
let arrivals = received.withLock { $0 }
let latencies = sent.compactMap { device, at in arrivals[device].map { $0.timeIntervalSince(at) } }.sorted()
func percentile(_ p: Double) -> Double { Percentile.nearestRank(latencies, p / 100) ?? .nan }
print(String(format: "sample-to-notification (for = 0): %d of %d notified, p50 %.2f s, p99 %.2f s, max %.2f s (goal: p99 ≤ 5 s)",
             latencies.count, sent.count, percentile(50), percentile(99), latencies.last ?? .nan))
let latencyWall = seconds(ContinuousClock.now - latencyPhaseStart)
let latencyCost = (processCPU() - latencyCPU.0, postgresCPU() - latencyCPU.1)
print(String(format: "latency phase: %.1f s wall, CPU per minute %.2f s octoisp (polling, ingest, evaluations, deliveries) + %.2f s PostgreSQL",
             latencyWall, latencyCost.0 * 60 / latencyWall, latencyCost.1 * 60 / latencyWall))
// The parts: from the sample to the start of the evaluation that fired on it (the alert's `fired_at`:
// the wait for a trigger or the schedule, and for the evaluation in progress), and from there to the
// webhook (the evaluation, its commit, the notification job's claim and the delivery).
let firedAt: [String: Date] = try await database.withTenant(provider.id) { tx in
    var fired: [String: Date] = [:]
    for try await (device, at) in try await tx.query("""
        SELECT d.name, a.fired_at FROM alerts a JOIN devices d ON d.id = a.device_id JOIN alert_rules r ON r.id = a.rule_id
        WHERE r.name = 'CPU above 90%' AND a.fired_at IS NOT NULL
        """).decode((String, Date).self) { fired[device] = at }
    return fired
}
func parts(_ values: [Double]) -> String {
    let sorted = values.sorted()
    return String(format: "p50 %.2f s, p99 %.2f s", Percentile.nearestRank(sorted, 0.5) ?? .nan, Percentile.nearestRank(sorted, 0.99) ?? .nan)
}
let toEvaluation = sent.compactMap { device, at in firedAt[device].map { $0.timeIntervalSince(at) } }
let toWebhook = sent.keys.compactMap { device in firedAt[device].flatMap { fired in arrivals[device].map { $0.timeIntervalSince(fired) } } }
print("latency parts: sample → start of the evaluation that fired \(parts(toEvaluation)); that start → webhook \(parts(toWebhook)); "
      + "\(sent.keys.filter { firedAt[$0] != nil }.count) of \(sent.count) fired, \(sent.keys.filter { firedAt[$0] != nil && arrivals[$0] == nil }.count) of them not notified")

schedulerTask.cancel()
triggerTask.cancel()
pollingTask.cancel()
compactionTask.cancel()
workerTask.cancel()
hookTask.cancel()
pipeline.close()
livePipeline.close()
await writers.value
await liveWriters.value
try? await ownerConnection.close().get()
databaseTask.cancel()
_ = try? await databaseTask.value
// The cluster is thrown away by run.sh; dropping the database is a courtesy when run by hand.
try? await admin("DROP DATABASE IF EXISTS \(name)")
