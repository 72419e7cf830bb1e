// reports-bench: a monthly SLA report and a monthly bandwidth report (PDF, plain CSV and pt-BR CSV)
// for one provider with BENCH_DEVICES devices (10,000) and BENCH_INTERFACES_PER_DEVICE interfaces each
// (5: 50,000 interfaces, 100,000 counter series), generated straight into a fresh database. Prints
// each report's wall time (twice: reads in turn and reads overlapped, with the time of each phase)
// and the process's peak resident memory, and baselines measured in the same run: a bare scan of the
// 5-minute rollup rows (count in PostgreSQL) for the SLA side, and a bare read of the month's traffic
// days (every byte transferred, nothing computed) for the bandwidth report.
//
// Bandwidth data covers the whole month. The last BENCH_DATA_HOURS hours (6) are 5-minute rollups,
// marked as changed as the metrics maintenance marks them, and turned into traffic days by the hourly
// refresh (`ReportService.refreshTraffic`, timed). The days before are generated as traffic days
// directly: the same rollups for a month of 100,000 series would be 864 million rows (tens of GB),
// more than a shared test machine holds; the traffic days of that month are 300,000 rows.
//
// Needs OCTOISP_OWNER_DATABASE_URL, DATABASE_URL and OCTOISP_GLOBAL_DATABASE_URL (scripts/postgres.sh).
import Foundation
import Logging
import OctoCore
import OctoJobs
import OctoMetrics
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
            var rollups: [Int64: (provider: UUID, buckets: [MetricRollup])] = [:]
            for id in ids {
                rollups[id] = (provider, (0..<buckets).map { k in
                    let at = dataFrom.addingTimeInterval(Double(k) * 300)
                    let value = Double(k * (k + 1) / 2 + k * Int(id % 97)) * 375_000
                    return MetricRollup(at: at, count: 1, min: value, max: value, sum: value, last: value, lastAt: at.addingTimeInterval(299))
                })
            }
            _ = try await database.withTenant(provider) { tx in try await MetricRollupPeriods.write(tx, resolution: .fiveMinutes, rollups) }
        }
        say(String(format: "seeded %d devices, %d interfaces, %d rollup rows in %.1f s", devices, devices * perDevice,
                     series.count * buckets, seconds(ContinuousClock.now - seedStarted)))

        // The hours of those rollups, marked as the metrics maintenance marks them, then the hourly
        // refresh: the upkeep the platform pays for traffic days.
        try await database.withTenant(provider) { tx in
            try await tx.query("""
                INSERT INTO metric_rate_changes (provider_id, series_id, hour)
                SELECT \(provider), s, h FROM unnest(\(series)::bigint[]) s,
                    generate_series(date_trunc('hour', \(dataFrom)::timestamptz), \(dataFrom)::timestamptz + \(Double(buckets - 1) * 300) * interval '1 second',
                                    interval '1 hour') h
                ORDER BY s, h
                """)
        }
        let service = ReportService(database: database, queue: PostgresJobQueue(database: database, clock: clock), secrets: nil, logger: log)
        let refreshStarted = ContinuousClock.now
        let refreshed = try await service.refreshTraffic(provider: provider)
        say(String(format: "refresh: %d traffic days from %d rollup rows (%d series × %d hours) in %.2f s", refreshed, series.count * buckets,
                     series.count, dataHours, seconds(ContinuousClock.now - refreshStarted)))

        // The rest of the month as traffic days: per interface position and weekday or weekend, a day of
        // rates on a daily curve with noise, scaled per device.
        let daysStarted = ContinuousClock.now
        let deviceRows = try await database.withTenant(provider) { tx in
            try await tx.query("""
                SELECT i.device_id, array_agg(i.in_series_id ORDER BY i.if_index), array_agg(i.out_series_id ORDER BY i.if_index)
                FROM snmp_interfaces i GROUP BY i.device_id ORDER BY i.device_id
                """).reportRowsBench { try $0.decode((UUID, [Int64], [Int64]).self) }
        }
        let calendar = try ReportPeriod.calendar(november.timeZone)
        var generator = SystemRandomNumberGenerator()
        var dayStarts: [Date] = []
        var cursor = start
        while let next = calendar.date(byAdding: .day, value: 1, to: cursor), next <= dataFrom { dayStarts.append(cursor); cursor = next }
        let templates: [[(in: [TrafficStats.Sample], out: [TrafficStats.Sample])]] = (0..<2).map { weekend in
            (0..<perDevice).map { position in
                func day(_ base: Double, _ phase: Double) -> [TrafficStats.Sample] {
                    (0..<288).map { slot in
                        let curve = 1.2 + sin(Double(slot) / 288 * 2 * .pi - phase)
                        let rate = base * Double(position + 1) * curve * (weekend == 1 ? 0.5 : 1) * Double.random(in: 0.85...1.15, using: &generator)
                        return TrafficStats.Sample(at: start.addingTimeInterval(Double(slot + 1) * 300 - 1), seconds: 300, bitsPerSecond: rate)
                    }
                }
                return (day(4e6, .pi / 2), day(1e6, .pi / 3))
            }
        }
        let template = templates.map { positions in
            TrafficDay(start: start, end: start.addingTimeInterval(86_400),
                       interfaces: positions.enumerated().map { (in: Int64($0.offset * 2), out: Int64($0.offset * 2 + 1), samplesIn: $0.element.in, samplesOut: $0.element.out) })!
        }
        var daysWritten = 0
        for dayStart in dayStarts {
            let weekend = calendar.isDateInWeekend(dayStart) ? 1 : 0
            for batch in stride(from: 0, to: deviceRows.count, by: 1000) {
                var ids: [UUID] = [], sums: [ByteBuffer] = [], seriesBytes: [ByteBuffer] = []
                for (index, row) in deviceRows[batch..<min(batch + 1000, deviceRows.count)].enumerated() {
                    let scale = 0.5 + Double((batch + index) % 97) / 97
                    let model = template[weekend]
                    var day = TrafficDay(start: dayStart, slots: model.slots, sumsIn: model.sumsIn.map { $0 * scale }, sumsOut: model.sumsOut.map { $0 * scale },
                                         series: [])
                    for (position, entry) in model.series.enumerated() where position / 2 < row.1.count {
                        let id = position % 2 == 0 ? row.1[position / 2] : row.2[position / 2]
                        day.series.append(TrafficDay.Series(id: id, outbound: entry.outbound, intervals: entry.intervals, bits: entry.bits * scale,
                                                            seconds: entry.seconds, peak: entry.peak * scale, head: entry.head.map { $0 * scale }))
                    }
                    ids.append(row.0)
                    sums.append(ByteBuffer(bytes: day.encodedSums))
                    seriesBytes.append(ByteBuffer(bytes: day.encodedSeries))
                }
                let dayEnd = calendar.date(byAdding: .day, value: 1, to: dayStart)!
                try await database.withTenant(provider) { tx in
                    try await tx.query("""
                        INSERT INTO traffic_days (provider_id, device_id, day_start, day_end, time_zone, sums, series, computed_at)
                        SELECT \(provider), unnest(\(ids)::uuid[]), \(dayStart), \(dayEnd), \(november.timeZone),
                               unnest(\(sums)::bytea[]), unnest(\(seriesBytes)::bytea[]), \(clock.now)
                        """)
                }
                daysWritten += ids.count
            }
        }
        try await database.withGlobal { tx in _ = try await tx.query("ANALYZE") }
        say(String(format: "generated %d traffic days (%d local days before the rollups) in %.1f s", daysWritten, dayStarts.count,
                     seconds(ContinuousClock.now - daysStarted)))

        // Baseline: PostgreSQL scanning the same rows, nothing transferred.
        let baseStarted = ContinuousClock.now
        let scanned = try await database.withTenant(provider) { tx in
            try await tx.query("""
                SELECT coalesce(sum(length(buckets)), 0)::bigint FROM metric_rollup_periods
                WHERE resolution = 300 AND period_start > \(start.addingTimeInterval(-300 - 21_600)) AND period_start < \(end)
                """).reportRowsBench { try $0.decode(Int64.self) }[0]
        }
        let base = seconds(ContinuousClock.now - baseStarted)
        say(String(format: "baseline: PostgreSQL reads the %d bytes of 5-minute rollup periods in %.2f s", scanned, base))
        // Baseline of the bandwidth report: the month's traffic days read by the client, nothing computed.
        let readStarted = ContinuousClock.now
        let (trafficRows, trafficBytes) = try await database.withTenant(provider) { tx in
            var rows = 0, bytes = 0
            for try await (sums, series) in try await tx.query("""
                SELECT sums, series FROM traffic_days WHERE day_start >= \(start) AND day_start < \(end)
                """).decode((ByteBuffer, ByteBuffer).self) {
                rows += 1
                bytes += sums.readableBytes + series.readableBytes
            }
            return (rows, bytes)
        }
        let bareRead = seconds(ContinuousClock.now - readStarted)
        say(String(format: "baseline: the month's %d traffic days (%.0f MiB) read bare in %.2f s", trafficRows, Double(trafficBytes) / 1_048_576, bareRead))
        let before = currentMiB()
        say(String(format: "peak RSS before the reports %.0f MiB (seeding and baselines)", peakMiB()))
        // Each report twice on the same data: the previous way (each batch read, then computed) and
        // the current one (the next batches read by parallel transactions while this one is computed), in alternating order so
        // neither always runs on the warmer cache. Each run prints its wall time per phase.
        var totals = (previous: 0.0, current: 0.0)
        var bandwidthCurrent = 0.0
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
                if overlap && kind == .bandwidth { bandwidthCurrent = elapsed }
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
        say(String(format: "bandwidth report, reads overlapped and parallel: %.2f s = %.2fx the bare read of its traffic days", bandwidthCurrent,
                     bandwidthCurrent / max(bareRead, 0.001)))
        say(String(format: "peak RSS %.0f MiB (goal 300 MiB; %.0f MiB before the reports)", peak, before))
        group.cancelAll()
    }
    // The pool's connections belong to the app roles, which the owner may not terminate, and may
    // outlive the benchmark briefly: a database left behind goes with the throwaway cluster of run.sh.
    let cleanup = try await PostgresConnection.connect(configuration: owner.with(database: "postgres").connectionConfiguration(), id: 2, logger: log)
    do {
        try await cleanup.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: log)
    } catch {
        FileHandle.standardError.write(Data("note: \(name) not dropped (connections still open); run.sh removes the cluster\n".utf8))
    }
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
    FileHandle.standardError.write(Data("reports-bench failed: \(String(reflecting: error))\n".utf8))
    exit(1)
}
