import Foundation
import OctoCore
import PostgresNIO

extension Transaction {
    /// Counts for the NOC's first screen.
    public var dashboard: DashboardRepository { DashboardRepository(tx: self) }
}

/// What `GET /dashboard/summary` shows: devices by POP, status and kind; ONUs out of range; device
/// tasks pending and failed; and, filled in by the caller from its job queue, dead jobs.
public struct DashboardSummary: Encodable, Sendable {
    /// Counts by status and kind.
    public struct Counts: Encodable, Sendable {
        /// All devices counted.
        public var total = 0
        /// By ``Device/Status``.
        public var byStatus: [String: Int] = [:]
        /// By ``Device/Kind``.
        public var byKind: [String: Int] = [:]

        mutating func add(status: String, kind: String, count: Int) {
            total += count
            byStatus[status, default: 0] += count
            byKind[kind, default: 0] += count
        }
    }
    /// One POP's devices; `pop_id` absent for devices without a POP.
    public struct PopCounts: Encodable, Sendable {
        /// The POP.
        public var popId: UUID?
        /// Its name.
        public var name: String?
        /// Its devices.
        public var devices: Counts
    }
    /// ONUs with a polled optical reading, and those outside ``OpticalThresholds/onu``.
    public struct Onus: Encodable, Sendable {
        /// ONUs in the optics inventory.
        public var total = 0
        /// Received power outside the window.
        public var outOfRange = 0
    }
    /// Device tasks.
    public struct Tasks: Encodable, Sendable {
        /// Queued or running.
        public var pending = 0
        /// Faulted or expired in the last 24 hours.
        public var failedLast24h = 0
    }
    /// Jobs.
    public struct Jobs: Encodable, Sendable {
        /// Dead letters; absent when the process has no job queue.
        public var dead: Int?
    }

    /// Every device of the provider.
    public var devices = Counts()
    /// Per POP, by name (devices without a POP last).
    public var pops: [PopCounts] = []
    /// ONUs.
    public var onus = Onus()
    /// Device tasks.
    public var tasks = Tasks()
    /// Jobs.
    public var jobs = Jobs()
    /// When it was read.
    public var generatedAt: Date
}

/// Reads ``DashboardSummary`` in two statements under the tenant policy.
public struct DashboardRepository: Sendable {
    let tx: Transaction

    /// The summary as of `now` (which bounds "the last 24 hours"); `jobs.dead` is left to the caller.
    public func summary(now: Date) async throws -> DashboardSummary {
        var summary = DashboardSummary(generatedAt: now)
        var pops: [UUID?: DashboardSummary.PopCounts] = [:]
        // Count first, then name the (few) POPs: the join touches one row per group, not per device.
        let rows = try await tx.query("""
            WITH c AS (SELECT pop_id, status, kind, count(*)::int8 AS n FROM devices GROUP BY pop_id, status, kind)
            SELECT c.pop_id, p.name, c.status, c.kind, c.n FROM c LEFT JOIN pops p ON p.id = c.pop_id
            """)
        for try await (pop, name, status, kind, count) in rows.decode((UUID?, String?, String, String, Int64).self) {
            summary.devices.add(status: status, kind: kind, count: Int(count))
            pops[pop, default: .init(popId: pop, name: name, devices: .init())].devices.add(status: status, kind: kind, count: Int(count))
        }
        summary.pops = pops.values.sorted { a, b in
            if (a.popId == nil) != (b.popId == nil) { return b.popId == nil }
            return (a.name ?? "", a.popId?.lowercased ?? "") < (b.name ?? "", b.popId?.lowercased ?? "")
        }
        let since = now.addingTimeInterval(-86_400)
        let scalars = try await tx.query("""
            SELECT o.total, o.out, t.pending, t.failed FROM
                (SELECT count(*)::int8 AS total,
                        (count(*) FILTER (WHERE rx_dbm < \(OpticalThresholds.onu.rxMin) OR rx_dbm > \(OpticalThresholds.onu.rxMax)))::int8 AS out
                 FROM snmp_optics WHERE scope = 'onu') o,
                (SELECT (SELECT count(*) FROM acs_tasks WHERE status IN ('queued', 'running'))::int8 AS pending,
                        (SELECT count(*) FROM acs_tasks WHERE status IN ('fault', 'expired') AND finished_at >= \(since))::int8 AS failed) t
            """)
        for try await (total, out, pending, failed) in scalars.decode((Int64, Int64, Int64, Int64).self) {
            summary.onus = .init(total: Int(total), outOfRange: Int(out))
            summary.tasks = .init(pending: Int(pending), failedLast24h: Int(failed))
        }
        return summary
    }
}
