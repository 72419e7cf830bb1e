import Foundation
import Logging
import OctoCore
import OctoStore
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The platform task behind the metrics store, run on a schedule by one instance at a time (a
/// transaction-level advisory lock; other instances skip the round):
///
/// 1. creates the daily raw partitions of the retention window and two days ahead;
/// 2. compacts the stored ingest batches into hourly chunks (merging late samples, dropping duplicates),
///    updates the latest values and marks the touched series-hours dirty, with their 5-minute buckets;
/// 3. recomputes the rollups of dirty buckets and hours at every resolution, so late samples count;
///    steps 2 and 3 move about `compactionBatch` samples per transaction (whole ingest batches) and repeat while a
///    backlog remains, so each statement stays far inside the statement timeout however far
///    behind the round starts (a timed-out statement would roll back and leave the backlog to grow);
/// 4. applies retention: drops expired raw partitions and deletes expired rollup periods, on the first
///    round of each UTC day in a process (cutoffs move by whole days; the rollup delete scans its table).
public struct MetricsMaintenance: Service, Sendable {
    /// What one round did.
    public struct Report: Sendable, Hashable {
        /// Whether this instance held the lock (otherwise nothing ran).
        public var ran: Bool = false
        /// Raw partitions created.
        public var createdPartitions = 0
        /// Raw partitions dropped by retention.
        public var droppedPartitions = 0
        /// Samples moved from the ingest table into chunks.
        public var compactedSamples = 0
        /// Samples discarded because they were older than raw retention.
        public var expiredSamples = 0
        /// Rollup buckets written, per resolution.
        public var rolledUp: [MetricResolution: Int] = [:]
        /// Rollup buckets deleted by retention.
        public var deletedBuckets = 0
        /// Whether retention ran this round (the first round of a UTC day).
        public var appliedRetention = false
    }

    /// The UTC day (days since 1970) retention last ran for in this process.
    final class RetentionDay: Sendable {
        let day = Mutex<Int?>(nil)
    }

    /// Key of the advisory lock that makes a round single-run across instances.
    public static let lockKey: Int64 = 0x6F63_746F_6D74_7263 // "octomtrc"
    /// Days of raw partitions created ahead of today.
    public static let daysAhead = 2

    /// Samples moved from the ingest table per compaction transaction, by default.
    public static let defaultCompactionBatch = 200_000

    let database: Database
    let retention: MetricsRetention
    let interval: Duration
    let compactionBatch: Int
    let clock: any WallClock
    let logger: Logger
    let retentionDay = RetentionDay()

    /// Creates the task; ``run()`` runs a round every `interval`.
    public init(database: Database, retention: MetricsRetention = MetricsRetention(), interval: Duration = .seconds(60),
                compactionBatch: Int = MetricsMaintenance.defaultCompactionBatch, clock: any WallClock = SystemWallClock(), logger: Logger) {
        self.database = database
        self.retention = retention
        self.interval = interval
        self.compactionBatch = max(1, compactionBatch)
        self.clock = clock
        self.logger = logger
    }

    /// Runs rounds until graceful shutdown; a failed round is logged and retried at the next tick.
    public func run() async throws {
        await repeatUntilShutdown(every: interval, logger: logger, failure: "metrics maintenance failed") {
            let report = try await runOnce()
            if report.ran {
                logger.debug("metrics maintenance", metadata: [
                    "compacted": "\(report.compactedSamples)", "created_partitions": "\(report.createdPartitions)",
                    "dropped_partitions": "\(report.droppedPartitions)", "rollups": "\(report.rolledUp.values.reduce(0, +))",
                ])
            }
        }
    }

    /// One round at the clock's current time.
    public func runOnce() async throws -> Report {
        let now = clock.now
        var report = Report()
        // Partitions first, in their own short transaction (DDL takes locks on the parent).
        guard let created = try await locked({ tx in try await createPartitions(tx, now: now) }) else { return report }
        report.ran = true
        report.createdPartitions = created
        // Bounded rounds until the stored batches hold less than a compaction batch of samples.
        while let result = try await locked({ tx in
            let (compacted, expired) = try await compact(tx, now: now, limit: compactionBatch)
            let rolled = try await rollUp(tx)
            return (compacted, expired, rolled)
        }) {
            report.compactedSamples += result.0
            report.expiredSamples += result.1
            report.rolledUp.merge(result.2, uniquingKeysWith: +)
            if result.0 + result.1 < compactionBatch { break }
        }
        let today = Int((now.timeIntervalSince1970 / 86_400).rounded(.down))
        if retentionDay.day.withLock({ $0 }) != today, let result = try await locked({ tx in try await applyRetention(tx, now: now) }) {
            report.droppedPartitions = result.0
            report.deletedBuckets = result.1
            report.appliedRetention = true
            retentionDay.day.withLock { $0 = today }
        }
        return report
    }

    /// Runs `body` in a global transaction holding the maintenance lock; `nil` when another instance holds it.
    func locked<T: Sendable>(_ body: (Transaction) async throws -> T) async throws -> T? {
        try await database.withGlobal(logger: logger) { tx in
            let rows = try await tx.query("SELECT pg_try_advisory_xact_lock(\(Self.lockKey))")
            var acquired = false
            for try await (value) in rows.decode(Bool.self) { acquired = value }
            guard acquired else { return nil }
            return try await body(tx)
        }
    }

    /// Start of the UTC day `days` days from `now`.
    static func dayStart(_ now: Date, plus days: Int) -> Date {
        let seconds = (now.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400
        return Date(timeIntervalSince1970: seconds + Double(days) * 86_400)
    }

    /// The oldest instant raw data is kept for: the start of the oldest retained day.
    func rawStart(_ now: Date) -> Date { Self.dayStart(now, plus: -retention.rawDays) }

    func createPartitions(_ tx: Transaction, now: Date) async throws -> Int {
        let from = rawStart(now), to = Self.dayStart(now, plus: Self.daysAhead)
        let rows = try await tx.query("""
            SELECT count(*) FILTER (WHERE metrics_create_partition(d::date))
            FROM generate_series((\(from)::timestamptz AT TIME ZONE 'UTC')::date,
                                 (\(to)::timestamptz AT TIME ZONE 'UTC')::date, interval '1 day') AS d
            """)
        var created = 0
        for try await (count) in rows.decode(Int64.self) { created = Int(count) }
        return created
    }
}
