// metrics-bench: ingest throughput against COPY, bytes per sample, and chart latency.
//
// Needs OCTOISP_OWNER_DATABASE_URL, DATABASE_URL and OCTOISP_GLOBAL_DATABASE_URL (as written by
// scripts/postgres.sh); works in a fresh database it creates and drops. Tunables (environment):
// BENCH_SERIES (20000), BENCH_ROUNDS (120: two full hours), BENCH_INTERVAL seconds between polls (60),
// BENCH_PRODUCERS (4), BENCH_CHART_SERIES (48), BENCH_CHART_DAYS (30), BENCH_LIVE=0 (no live events),
// BENCH_MAINTENANCE=0 (no compaction while ingesting).
import Foundation
import Logging
import NIOCore
import OctoCore
import OctoMetrics
import OctoStore
import PostgresNIO

let environment = ProcessInfo.processInfo.environment
func setting(_ name: String, _ fallback: Int) -> Int { environment[name].flatMap(Int.init) ?? fallback }
func url(_ name: String) throws -> DatabaseURL {
    guard let text = environment[name] else { throw BenchError("\(name) is not set; source the env file of scripts/postgres.sh") }
    return try DatabaseURL(text)
}
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

var logger = Logger(label: "metrics-bench")
logger.logLevel = .warning
let seriesCount = setting("BENCH_SERIES", 20_000)
let rounds = setting("BENCH_ROUNDS", 120)
let interval = setting("BENCH_INTERVAL", 60)
let producers = setting("BENCH_PRODUCERS", 4)
let chartSeries = setting("BENCH_CHART_SERIES", 48)
let chartDays = setting("BENCH_CHART_DAYS", 30)
let total = seriesCount * rounds

func admin(_ owner: DatabaseURL, _ sql: String) async throws {
    let connection = try await PostgresConnection.connect(configuration: owner.with(database: "postgres").connectionConfiguration(), id: 1, logger: logger)
    defer { connection.close().whenComplete { _ in } }
    try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
}

/// Runs `sql` on `connection` (a function, so the async overload is chosen over the future-returning one).
func execute(_ connection: PostgresConnection, _ sql: String) async throws {
    try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
}

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

func f(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }

func percentile(_ values: [Double], _ p: Double) -> Double { Percentile.nearestRank(values, p) ?? .nan }

let owner = try url("OCTOISP_OWNER_DATABASE_URL")
let name = "octoisp_bench_\(ProcessInfo.processInfo.processIdentifier)"
try await admin(owner, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
try await admin(owner, "CREATE DATABASE \(name) OWNER octoisp_owner")
let ownerURL = owner.with(database: name)
try await Migrator(ownerURL: ownerURL, logger: logger).migrate()
let database = Database(configuration: .init(app: try url("DATABASE_URL").with(database: name),
                                             global: try url("OCTOISP_GLOBAL_DATABASE_URL").with(database: name),
                                             maximumConnections: 16), logger: logger)
let clock = SystemWallClock()
let databaseTask = Task { try await database.run() }

print("metrics-bench: \(seriesCount) series × \(rounds) polls every \(interval) s = \(total) samples, \(producers) producers")

// Registry: one provider, interfaces of 100 devices.
let provider = try await database.withGlobal { tx in try await tx.providers.create(ProviderInput(slug: "bench", name: "Bench"), by: .system) }
let ids: [Int64] = try await database.withTenant(provider.id) { tx in
    var devices: [UUID] = []
    for index in 0..<100 { devices.append(try await tx.devices.create(DeviceInput(name: "device-\(index)"), by: .system).id) }
    let rows = try await tx.query("""
        INSERT INTO metric_series (provider_id, device_id, metric, labels, kind, unit)
        SELECT \(provider.id), (\(devices))[1 + (i / 2) % 100], CASE WHEN i % 2 = 0 THEN 'ifHCInOctets' ELSE 'ifHCOutOctets' END,
               jsonb_build_object('ifIndex', (i / 2)::text), 'counter', 'octets'
        FROM generate_series(0, \(seriesCount - 1)) AS i
        RETURNING id
        """)
    var ids: [Int64] = []
    for try await (id) in rows.decode(Int64.self) { ids.append(id) }
    return ids.sorted()
}
let start = Date(timeIntervalSince1970: ((clock.now.timeIntervalSince1970 - Double(rounds * interval)) / 3600).rounded(.down) * 3600)

/// The samples of poll `round`: every series once, counters growing ~1 MB/s with some noise.
func poll(_ round: Int, _ slice: Range<Int>) -> [MetricSample] {
    let at = start.addingTimeInterval(Double(round * interval))
    return slice.map { index in
        MetricSample(seriesId: ids[index], at: at, value: Double(round * interval) * 1_000_000 + Double((index * 7919 + round * 104_729) % 1_000_000))
    }
}
let chunk = 5_000
let work: [(Int, Range<Int>)] = (0..<rounds).flatMap { round in
    stride(from: 0, to: seriesCount, by: chunk).map { (round, $0..<min($0 + chunk, seriesCount)) }
}

// 1. Baselines: the same rows, the same text COPY and batch size, first into an unindexed plain table,
// then into a row table with a `tx` default and index, where the pipeline wrote one row per sample
// until migration 0154 (it now stores a row per batch).
let ownerConnection = try await PostgresConnection.connect(configuration: ownerURL.connectionConfiguration(), id: 2, logger: logger)
try await execute(ownerConnection, "CREATE TABLE bench_plain (provider_id uuid, series_id bigint, at_ms bigint, value double precision)")
try await execute(ownerConnection, """
    CREATE TABLE bench_ingest (provider_id uuid NOT NULL, series_id bigint NOT NULL, at_ms bigint NOT NULL, value double precision NOT NULL,
                               tx bigint NOT NULL DEFAULT pg_current_xact_id()::text::bigint)
    """)
try await execute(ownerConnection, "CREATE INDEX ON bench_ingest (tx)")
try await execute(ownerConnection, "GRANT ALL ON bench_plain, bench_ingest TO octoisp_global")
let providerText = Array(provider.id.uuidString.lowercased().utf8)
let globalURL = try url("OCTOISP_GLOBAL_DATABASE_URL").with(database: name)

/// `provider<TAB>series<TAB>at_ms<TAB>value<LF>`, the text COPY format of the baseline tables.
func appendRow(_ sample: MetricSample, to buffer: inout ByteBuffer) {
    buffer.writeBytes(providerText)
    buffer.writeString("\t\(sample.seriesId)\t\(sample.atMilliseconds)\t")
    if sample.value == sample.value.rounded(), abs(sample.value) < 9e15 {
        buffer.writeString(String(Int64(sample.value)))
    } else {
        buffer.writeString(sample.value.description)
    }
    buffer.writeString("\n")
}

/// Copies every sample into `table` with `producers` connections; returns the seconds it took.
func copyBaseline(into table: String) async throws -> Double {
    let started = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for producer in 0..<producers {
            group.addTask {
                let connection = try await PostgresConnection.connect(configuration: globalURL.connectionConfiguration(), id: 10 + producer, logger: logger)
                var batch: [MetricSample] = []
                for index in stride(from: producer, to: work.count, by: producers) {
                    batch += poll(work[index].0, work[index].1)
                    if batch.count >= 20_000 || index + producers >= work.count {
                        try await connection.query("BEGIN", logger: logger)
                        try await connection.copyFrom(table: table, columns: ["provider_id", "series_id", "at_ms", "value"], logger: logger) { writer in
                            var buffer = ByteBufferAllocator().buffer(capacity: 1 << 20)
                            for sample in batch {
                                appendRow(sample, to: &buffer)
                                if buffer.readableBytes >= 1 << 20 { try await writer.write(buffer); buffer.clear() }
                            }
                            if buffer.readableBytes > 0 { try await writer.write(buffer) }
                        }
                        try await connection.query("COMMIT", logger: logger)
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                try await connection.close().get()
            }
        }
        try await group.waitForAll()
    }
    return milliseconds(ContinuousClock.now - started) / 1000
}
let baselineSeconds = try await copyBaseline(into: "bench_plain")
let baselineRate = Double(total) / baselineSeconds
let likeSeconds = try await copyBaseline(into: "bench_ingest")
let likeRate = Double(total) / likeSeconds
try await execute(ownerConnection, "DROP TABLE bench_ingest")

// 2. The pipeline, with the maintenance task (compaction and rollups) running every second.
let maintenance = MetricsMaintenance(database: database, interval: .seconds(1), clock: clock, logger: logger)
_ = try await maintenance.runOnce() // partitions
// BENCH_MAINTENANCE=0 leaves compaction and rollups until after ingest, to time the insert path alone.
let concurrentMaintenance = environment["BENCH_MAINTENANCE"] != "0"
let maintenanceTask = Task { if concurrentMaintenance { try await maintenance.run() } }
let pipeline = MetricsIngestPipeline(database: database, configuration: .init(batchSize: 20_000, maxPendingSamples: 200_000, writers: 2,
                                                                              publishLive: environment["BENCH_LIVE"] != "0"),
                                     clock: clock, logger: logger)
let writers = Task { await pipeline.writers() }
let ingestStart = ContinuousClock.now
try await withThrowingTaskGroup(of: Void.self) { group in
    for producer in 0..<producers {
        group.addTask {
            for index in stride(from: producer, to: work.count, by: producers) {
                try await pipeline.submit(poll(work[index].0, work[index].1))
            }
        }
    }
    try await group.waitForAll()
}
let ingestSeconds = milliseconds(ContinuousClock.now - ingestStart) / 1000
let ingestRate = Double(total) / ingestSeconds
pipeline.close()
await writers.value
maintenanceTask.cancel()
_ = try? await maintenanceTask.value

// 3. Bytes per sample once everything is compacted.
let drainStart = ContinuousClock.now
while try await maintenance.runOnce().compactedSamples > 0 {}
let drainSeconds = milliseconds(ContinuousClock.now - drainStart) / 1000
try await execute(ownerConnection, "VACUUM ANALYZE")
func size(_ sql: String) async throws -> Double {
    var value = 0.0
    for try await (bytes) in try await ownerConnection.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode(Int64.self) { value = Double(bytes) }
    return value
}
let chunkBytes = try await size("""
    SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0)::bigint FROM pg_inherits WHERE inhparent = 'metric_chunks'::regclass
    """)
let plainBytes = try await size("SELECT pg_total_relation_size('bench_plain')")
let rollupBytes = try await size("SELECT pg_total_relation_size('metric_rollup_periods')")
let stored = try await size("SELECT coalesce(sum(points), 0)::bigint FROM metric_chunks")
// Compaction every second rewrote the open hour's chunks during ingest; in production hours are
// closed once and autovacuum reuses that space. VACUUM FULL shows the size of the live rows alone.
try await execute(ownerConnection, "VACUUM FULL metric_chunks")
let compactChunkBytes = try await size("""
    SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0)::bigint FROM pg_inherits WHERE inhparent = 'metric_chunks'::regclass
    """)
try await execute(ownerConnection, "VACUUM FULL metric_rollup_periods")
let compactRollupBytes = try await size("SELECT pg_total_relation_size('metric_rollup_periods')")
// Each resolution's share: its rows' bytes, with their share of the table's pages and index.
var rollupShares: [String] = []
for resolution in MetricResolution.rollups {
    let part = try await size("""
        SELECT (pg_total_relation_size('metric_rollup_periods')::float8
                * coalesce(sum(pg_column_size(r.*)) FILTER (WHERE resolution = \(resolution.seconds)), 0)
                / greatest(sum(pg_column_size(r.*)), 1))::bigint
        FROM metric_rollup_periods r
        """)
    rollupShares.append("\(resolution.name) \(f(part / stored, 2))")
}

// 4. Chart latency: `chartSeries` counters with `chartDays` days of 5-minute polls, rolled up.
let chartIDs = Array(ids.prefix(chartSeries))
let chartStart = Date(timeIntervalSince1970: ((clock.now.timeIntervalSince1970 - Double(chartDays) * 86_400) / 86_400).rounded(.down) * 86_400 + 86_400)
let chartPoints = Int(clock.now.timeIntervalSince(chartStart) / 300) - 1
let history = MetricsIngestPipeline(database: database, configuration: .init(batchSize: 50_000, maxPendingSamples: 400_000, publishLive: false),
                                    clock: clock, logger: logger)
let historyWriters = Task { await history.writers() }
for first in stride(from: 0, to: chartPoints, by: 1_000) {
    var samples: [MetricSample] = []
    for point in first..<min(first + 1_000, chartPoints) {
        for id in chartIDs {
            samples.append(MetricSample(seriesId: id, at: chartStart.addingTimeInterval(Double(point) * 300), value: Double(point) * 300 * 1_000_000))
        }
    }
    try await history.submit(samples)
}
history.close()
await historyWriters.value
let rollupStart = ContinuousClock.now
_ = try await maintenance.runOnce()
let rollupSeconds = milliseconds(ContinuousClock.now - rollupStart) / 1000
try await execute(ownerConnection, "VACUUM ANALYZE")
let store = MetricsStore(database: database, clock: clock)
let to = clock.now, from = to.addingTimeInterval(-Double(chartDays) * 86_400)
func chart(_ ids: [Int64], step: Int) async throws -> (Double, Double, Int) {
    var timings: [Double] = []
    var points = 0
    for _ in 0..<30 {
        let began = ContinuousClock.now
        let result = try await database.withTenant(provider.id) { tx in
            try await store.reader(tx).query(.init(seriesIds: ids, from: from, to: to, step: step))
        }
        timings.append(milliseconds(ContinuousClock.now - began))
        points = result.series.reduce(0) { $0 + $1.points.count }
    }
    return (percentile(timings, 0.5), percentile(timings, 0.95), points)
}
let one = try await chart([chartIDs[0]], step: 3600)
let many = try await chart(chartIDs, step: 3600)
let oneFine = try await chart([chartIDs[0]], step: 300)
let manyFine = try await chart(chartIDs, step: 300)

try await ownerConnection.close().get()
databaseTask.cancel()
try await admin(owner, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")

print("""

ingest (\(producers) producers, batches of 20 000 samples, one transaction each)
  plain text COPY into an unindexed table: \(f(baselineRate, 0)) samples/s (\(f(baselineSeconds, 2)) s)
  metrics pipeline (a row of arrays per batch\(environment["BENCH_LIVE"] != "0" ? " + live events" : "")), \(concurrentMaintenance ? "maintenance every 1 s" : "no maintenance meanwhile"): \(f(ingestRate, 0)) samples/s (\(f(ingestSeconds, 2)) s)
  text COPY into a row table with a tx default and index (the ingest layout before 0154): \(f(likeRate, 0)) samples/s (\(f(likeSeconds, 2)) s)
  ratio pipeline / plain COPY: \(f(ingestRate / baselineRate, 2))
  ratio pipeline / COPY into the row table with a tx index: \(f(ingestRate / likeRate, 2))
  ratio COPY into the row table with a tx index / plain COPY: \(f(likeRate / baselineRate, 2))
  compaction backlog after ingest: \(f(drainSeconds, 2)) s
storage (\(Int(stored)) samples, one poll every \(interval) s)
  raw chunks after VACUUM: \(f(chunkBytes / stored, 2)) bytes/sample (\(f(chunkBytes / 1_048_576)) MiB)
  raw chunks after VACUUM FULL (live rows only): \(f(compactChunkBytes / stored, 2)) bytes/sample (\(f(compactChunkBytes / 1_048_576)) MiB)
  plain table, one row per sample, no index: \(f(plainBytes / Double(total), 2)) bytes/sample
  rollups, all resolutions: \(f(rollupBytes / 1_048_576)) MiB, \(f(compactRollupBytes / 1_048_576)) MiB after VACUUM FULL
  rollups per raw sample by resolution (share of the table by row bytes): \(rollupShares.joined(separator: ", "))
  raw chunks and every rollup after VACUUM FULL: \(f((compactChunkBytes + compactRollupBytes) / stored, 2)) bytes per raw sample (goal <= 20)
chart latency (\(chartDays) days of 5-minute polls, \(chartSeries) series; rollups built in \(f(rollupSeconds, 1)) s)
  1 series, step 1 h (\(one.2) points): median \(f(one.0, 2)) ms, p95 \(f(one.1, 2)) ms
  \(chartSeries) series, step 1 h (\(many.2) points): median \(f(many.0, 2)) ms, p95 \(f(many.1, 2)) ms
  1 series, step 5 min (\(oneFine.2) points): median \(f(oneFine.0, 2)) ms, p95 \(f(oneFine.1, 2)) ms
  \(chartSeries) series, step 5 min (\(manyFine.2) points): median \(f(manyFine.0, 2)) ms, p95 \(f(manyFine.1, 2)) ms
""")
