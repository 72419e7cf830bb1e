// reports-bench: a monthly SLA report and a monthly bandwidth report (PDF, plain CSV and pt-BR CSV)
// for one provider with BENCH_DEVICES devices (10,000) and BENCH_INTERFACES_PER_DEVICE interfaces each
// (5: 50,000 interfaces, 100,000 counter series), generated straight into a fresh database. Prints
// each report's wall time (twice: reads in turn and reads overlapped, with the time of each phase)
// and the process's peak resident memory, and a baseline measured in the same run: a bare scan of
// the same 5-minute rollup rows (count in PostgreSQL, no transfer).
//
// The 5-minute rollups cover the last BENCH_DATA_HOURS hours of the month (6 by default): a full
// month of 100,000 series is 864 million rows (tens of GB), more than a shared test machine holds.
// The report still covers the whole month; set BENCH_DATA_HOURS=720 on a machine that can hold it.
//
// Needs OCTOISP_OWNER_DATABASE_URL, DATABASE_URL and OCTOISP_GLOBAL_DATABASE_URL (scripts/postgres.sh).
import Foundation
import Logging
import OctoCore
import OctoStore
import PostgresNIO
import Reports
#if canImport(Glibc)
import Glibc
#endif

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
func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}
/// Writes a line at once (standard output is a file or a pipe when the bench runs in the background).
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
/// Peak resident set size of this process, MiB.
func peakMiB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}
/// Current resident set size, MiB (from /proc).
func currentMiB() -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
          let pages = text.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return 0 }
    return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
}

func benchmark() async throws {
    var logger = Logger(label: "reports-bench")
    logger.logLevel = .warning
    let log = logger
    let devices = setting("BENCH_DEVICES", 10_000)
    let perDevice = setting("BENCH_INTERFACES_PER_DEVICE", 5)
    let dataHours = setting("BENCH_DATA_HOURS", 6)
    let owner = try url("OCTOISP_OWNER_DATABASE_URL")
    let name = "octoisp_reportbench_\(ProcessInfo.processInfo.processIdentifier)"
    let admin = try await PostgresConnection.connect(configuration: owner.with(database: "postgres").connectionConfiguration(), id: 1, logger: log)
    try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name) OWNER octoisp_owner"), logger: log)
    try await admin.closeGracefully()
    try await Migrator(ownerURL: owner.with(database: name), logger: log).migrate()
    let november = try ReportPeriod.month(2026, 11, timeZone: "America/Sao_Paulo")
    let clock = ManualWallClock(november.to.addingTimeInterval(7 * 3600))
    let database = Database(configuration: .init(app: try url("DATABASE_URL").with(database: name),
                                                 global: try url("OCTOISP_GLOBAL_DATABASE_URL").with(database: name),
                                                 maximumConnections: 8), clock: clock, logger: log)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await database.run() }
        let provider = try await database.withGlobal { tx in
            try await tx.providers.create(ProviderInput(slug: "bench", name: "Provedor Bench"), by: .system)
        }.id
        let seedStarted = ContinuousClock.now
        let start = november.from, end = november.to
        let dataFrom = end.addingTimeInterval(-Double(dataHours) * 3600)
        try await database.withTenant(provider) { tx in
            try await tx.query("""
                INSERT INTO pops (provider_id, name) SELECT \(provider), 'POP ' || lpad(n::text, 2, '0') FROM generate_series(1, 20) n
                """)
            try await tx.query("""
                INSERT INTO customers (provider_id, pop_id, name, sla_target_percent)
                SELECT \(provider), (SELECT id FROM pops ORDER BY name OFFSET (n % 20) LIMIT 1), 'Cliente ' || n, 99.5
                FROM generate_series(1, \(devices / 5)) n
                """)
            try await tx.query("""
                WITH c AS (SELECT id, pop_id, row_number() OVER (ORDER BY id) AS n FROM customers),
                created AS (
                    INSERT INTO devices (provider_id, pop_id, customer_id, name, kind)
                    SELECT \(provider), c.pop_id, c.id, 'RTR-' || d, 'router'
                    FROM generate_series(1, \(devices)) d JOIN c ON c.n = 1 + (d % \(max(devices / 5, 1)))
                    RETURNING id)
                INSERT INTO snmp_devices (provider_id, device_id, address, reachability, reachability_since, created_at, updated_at)
                SELECT \(provider), id, '127.0.0.1'::inet + (row_number() OVER ())::int, 'up', \(start.addingTimeInterval(-86_400)),
                       \(start.addingTimeInterval(-86_400)), \(start.addingTimeInterval(-86_400)) FROM created
                """)
            // Two outages per device in the month (history rows as the trigger writes them).
            try await tx.query("""
                INSERT INTO device_reachability_changes (provider_id, device_id, at, state)
                SELECT \(provider), d.id, \(start) + (k * interval '9 days') + ((abs(hashtext(d.id::text)) % 86400) * interval '1 second')
                       + CASE WHEN s = 'up' THEN ((abs(hashtext(d.id::text)) % 3600) * interval '1 second') ELSE interval '0' END, s
                FROM devices d, generate_series(1, 2) k, unnest(ARRAY['down', 'up']) s
                """)
            try await tx.query("""
                INSERT INTO metric_series (provider_id, device_id, metric, labels, unit, kind, counter_bits, max_rate)
                SELECT \(provider), d.id, m, jsonb_build_object('ifIndex', i::text), 'octets', 'counter', 64, 125000000
                FROM devices d, generate_series(1, \(perDevice)) i, unnest(ARRAY['ifInOctets', 'ifOutOctets']) m
                """)
            try await tx.query("""
                INSERT INTO snmp_interfaces (provider_id, device_id, if_index, name, speed_bps, in_series_id, out_series_id, updated_at)
                SELECT \(provider), s.device_id, (s.labels->>'ifIndex')::int, 'ge-0/0/' || (s.labels->>'ifIndex'), 1000000000, s.id, o.id, now()
                FROM metric_series s JOIN metric_series o ON o.device_id = s.device_id AND o.labels = s.labels AND o.metric = 'ifOutOctets'
                WHERE s.metric = 'ifInOctets'
                """)
        }
        // 5-minute rollups: a counter rising at a rate that varies per series and interval.
        let series = try await database.withTenant(provider) { tx in
            try await tx.query("SELECT id FROM metric_series ORDER BY id").reportRowsBench { try $0.decode(Int64.self) }
        }
        let buckets = dataHours * 12
        for batch in stride(from: 0, to: series.count, by: 5000) {
            let ids = Array(series[batch..<min(batch + 5000, series.count)])
            try await database.withTenant(provider) { tx in
                try await tx.query("""
                    INSERT INTO metric_rollups (provider_id, series_id, resolution, bucket, min, max, sum, count, last, last_at)
                    SELECT \(provider), s, 300, b, v, v, v, 1, v, b + interval '299 seconds'
                    FROM unnest(\(ids)::bigint[]) s, generate_series(0, \(buckets - 1)) k,
                         LATERAL (SELECT \(dataFrom) + k * interval '300 seconds' AS b,
                                  (k * (k + 1) / 2 + k * (s % 97)) * 375000.0 AS v) x
                    """)
            }
        }
        try await database.withGlobal { tx in _ = try await tx.query("ANALYZE") }
        say(String(format: "seeded %d devices, %d interfaces, %d rollup rows in %.1f s", devices, devices * perDevice,
                     series.count * buckets, seconds(ContinuousClock.now - seedStarted)))

        // Baseline: PostgreSQL scanning the same rows, nothing transferred.
        let baseStarted = ContinuousClock.now
        let scanned = try await database.withTenant(provider) { tx in
            try await tx.query("""
                SELECT count(*)::bigint FROM metric_rollups WHERE resolution = 300 AND bucket >= \(start.addingTimeInterval(-300)) AND bucket < \(end)
                """).reportRowsBench { try $0.decode(Int64.self) }[0]
        }
        let base = seconds(ContinuousClock.now - baseStarted)
        say(String(format: "baseline: PostgreSQL counts the %d rollup rows in %.2f s", scanned, base))
        let before = currentMiB()
        // Each report twice on the same data: the previous way (each batch read, then computed) and
        // the current one (the next batches read by parallel transactions while this one is computed), in alternating order so
        // neither always runs on the warmer cache. Each run prints its wall time per phase.
        var totals = (previous: 0.0, current: 0.0)
        for (index, kind) in [ReportKind.sla, .bandwidth].enumerated() {
            let request = ReportRequest(kind: kind, from: "2026-11-01", to: "2026-11-30", formats: [.pdf, .csv, .csvPtBR], top: 50)
            let order = index % 2 == 0 ? [false, true] : [true, false]
            for overlap in order {
                let timings = ReportTimings()
                // The current way is the report service's: overlapped, with its parallel readers.
                let options = ReportOptions(overlapReads: overlap, parallelReads: overlap ? (database, ReportService.readers) : nil, timings: timings)
                let started = ContinuousClock.now
                let files = try await database.withTenant(provider) { tx in
                    try await ReportGenerator.generate(request, period: november, tx: tx, options: options)
                }
                let elapsed = seconds(ContinuousClock.now - started)
                if overlap { totals.current += elapsed } else { totals.previous += elapsed }
                let sizes = files.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \(String(format: "%.1f", Double($0.value.count) / 1_048_576)) MiB" }
                say(String(format: "%@ report, %@ (month, %d devices, %d interfaces): %.2f s; %@", kind.rawValue,
                             overlap ? "reads overlapped and parallel" : "reads in turn", devices, devices * perDevice, elapsed, sizes.joined(separator: ", ")))
                for (phase, time) in timings.phases { say(String(format: "    %-55@ %7.2f s", phase as NSString, time)) }
            }
        }
        let peak = peakMiB()
        say(String(format: "SLA + bandwidth, reads in turn: %.2f s = %.1fx the bare scan", totals.previous, totals.previous / max(base, 0.001)))
        say(String(format: "SLA + bandwidth, reads overlapped and parallel: %.2f s (goal 10 s) = %.1fx the bare scan; %.2fx the time of reads in turn",
                     totals.current, totals.current / max(base, 0.001), totals.current / max(totals.previous, 0.001)))
        say(String(format: "peak RSS %.0f MiB (goal 300 MiB; %.0f MiB before the reports)", peak, before))
        group.cancelAll()
    }
    let cleanup = try await PostgresConnection.connect(configuration: owner.with(database: "postgres").connectionConfiguration(), id: 2, logger: log)
    try await cleanup.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: log)
    try await cleanup.closeGracefully()
}

extension PostgresRowSequence {
    func reportRowsBench<T>(_ transform: (PostgresRow) throws -> T) async throws -> [T] {
        var result: [T] = []
        for try await row in self { result.append(try transform(row)) }
        return result
    }
}

do {
    try await benchmark()
} catch {
    FileHandle.standardError.write(Data("reports-bench failed: \(error)\n".utf8))
    exit(1)
}
