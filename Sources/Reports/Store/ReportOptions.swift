import Foundation
import OctoStore

/// How a report is generated: whether the next batch of rows is read while the current one is
/// computed, how many detail rows a PDF lists, and where the wall time goes (for the benchmark).
/// The figures and the CSVs do not depend on these.
public struct ReportOptions: Sendable {
    /// Rows of a PDF's per-device detail tables (the SLA report's devices and outages) when there are
    /// more: the lowest availabilities and the longest outages. The CSV always has every device.
    public var pdfDetailRows = 500
    /// Read the next batch (rollups, reachability history) from PostgreSQL while the current one is
    /// computed in Swift, so the database and the process work at the same time.
    public var overlapReads = true
    /// Further read transactions for the bandwidth report's rollup batches: with a database, up to
    /// `readers` batches are read at once, each in its own short read-only tenant transaction (on the
    /// replica of `OCTOISP_READ_DATABASE_URL` when one is configured, as the report's own; so by several
    /// PostgreSQL backends, on several cores), while the report's own transaction computes. The rollups
    /// of a closed period do not change, and the report's transaction reads each statement in its own
    /// snapshot (read committed) anyway, so the figures are the same. Without one, reads use the
    /// report's transaction.
    public var parallelReads: (database: Database, readers: Int)?
    /// Interfaces per rollup read of the bandwidth report (two series each).
    var rollupBatch = 500
    /// Interfaces (whole devices) per traffic-day read of the bandwidth report: a month of one
    /// interface's days is about 45 KiB, and up to `readers` + 1 batches are held at once.
    var trafficBatch = 250
    /// Wall time per phase, when set.
    public var timings: ReportTimings?

    /// The defaults.
    public init(overlapReads: Bool = true, pdfDetailRows: Int = 500, parallelReads: (database: Database, readers: Int)? = nil,
                timings: ReportTimings? = nil) {
        self.overlapReads = overlapReads
        self.pdfDetailRows = pdfDetailRows
        self.parallelReads = parallelReads
        self.timings = timings
    }
}

/// Wall time per phase of a report generation, in the order the phases first ran.
public final class ReportTimings: @unchecked Sendable {
    private let lock = NSLock()
    private var order: [String] = []
    private var seconds: [String: Double] = [:]

    /// An empty record.
    public init() {}

    /// Adds `duration` to `phase`.
    public func add(_ phase: String, _ duration: Duration) {
        let value = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        lock.withLock {
            if seconds[phase] == nil { order.append(phase) }
            seconds[phase, default: 0] += value
        }
    }

    /// The phases and their seconds.
    public var phases: [(phase: String, seconds: Double)] {
        lock.withLock { order.map { ($0, seconds[$0] ?? 0) } }
    }
}

extension Optional where Wrapped == ReportTimings {
    /// Runs `body`, adding its wall time to `phase`.
    func measure<T>(_ phase: String, _ body: () async throws -> T) async rethrows -> T {
        guard let timings = self else { return try await body() }
        let started = ContinuousClock.now
        defer { timings.add(phase, ContinuousClock.now - started) }
        return try await body()
    }

    /// Runs `body`, adding its wall time to `phase` (synchronous work).
    func time<T>(_ phase: String, _ body: () throws -> T) rethrows -> T {
        guard let timings = self else { return try body() }
        let started = ContinuousClock.now
        defer { timings.add(phase, ContinuousClock.now - started) }
        return try body()
    }
}
