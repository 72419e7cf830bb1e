import Foundation
import OctoStore
import PostgresNIO

extension AlertCondition {
    /// Whether the condition reads metric samples (and so can be evaluated incrementally).
    var readsMetrics: Bool {
        switch self {
        case .threshold, .noData, .change: true
        case .reachability, .interfaceDown, .notInforming: false
        }
    }

    /// Whether a streaming evaluation keeps the condition's windows in memory (rates read the chart
    /// reader's counter logic from PostgreSQL).
    var streams: Bool {
        switch self {
        case .threshold(let threshold): threshold.aggregation != .rate
        case .noData, .change: true
        case .reachability, .interfaceDown, .notInforming: false
        }
    }
}

/// When a provider's rules were last evaluated, and last evaluated over every series.
struct EvaluationCursor {
    var evaluatedAt: Date
    var fullAt: Date

    static func read(in tx: Transaction) async throws -> EvaluationCursor? {
        try await tx.query("SELECT evaluated_at, full_at FROM alert_evaluations").alertRows {
            EvaluationCursor(evaluatedAt: try $0.value("evaluated_at"), fullAt: try $0.value("full_at"))
        }.first
    }

    static func write(evaluatedAt: Date, full: Bool, in tx: Transaction) async throws {
        try await tx.query("""
            INSERT INTO alert_evaluations (provider_id, evaluated_at, full_at) VALUES ((SELECT app_provider_id()), \(evaluatedAt), \(evaluatedAt))
            ON CONFLICT (provider_id) DO UPDATE SET evaluated_at = excluded.evaluated_at,
                full_at = CASE WHEN \(full) THEN excluded.full_at ELSE alert_evaluations.full_at END
            """)
    }
}

/// The series of the tenant that received samples stamped after a moment: those still waiting in
/// `metric_ingest` and those whose newest compacted sample (`metric_latest`) is newer.
struct ChangedSeries {
    var ids: Set<Int64>

    static func read(since: Date, in tx: Transaction) async throws -> ChangedSeries {
        let sinceMs = Int64((since.timeIntervalSince1970 * 1000).rounded(.down))
        let ids = try await tx.query("""
            SELECT series_id FROM metric_latest WHERE at > \(since)
            UNION
            SELECT series_id FROM metric_ingest WHERE at_ms > \(sinceMs)
            """).alertRows { try $0.value("series_id", as: Int64.self) }
        return ChangedSeries(ids: Set(ids))
    }

    /// Series of `metric` with no sample at or after `since`: what a no-data rule may fire on. Two
    /// steps, so neither plan depends on estimates of `metric_ingest` (its size swings between
    /// compactions): the series whose newest compacted sample is older, then those of them with a newer
    /// sample not compacted yet are dropped (a hashed array filter over one scan).
    static func silent(metric: String, since: Date, in tx: Transaction) async throws -> [Int64] {
        let sinceMs = Int64((since.timeIntervalSince1970 * 1000).rounded(.down))
        let candidates = try await tx.query("""
            SELECT s.id FROM metric_series s LEFT JOIN metric_latest l ON l.series_id = s.id
            WHERE s.metric = \(metric) AND (l.at IS NULL OR l.at < \(since))
            """).alertRows { try $0.value("id", as: Int64.self) }
        guard !candidates.isEmpty else { return [] }
        let heard = Set(try await tx.query("""
            SELECT DISTINCT series_id FROM metric_ingest WHERE at_ms >= \(sinceMs) AND series_id = ANY(\(candidates))
            """).alertRows { try $0.value("series_id", as: Int64.self) })
        return candidates.filter { !heard.contains($0) }
    }
}

extension AlertEvaluator {
    /// The series with an open alert of `rule` (their targets are `series:<id>`).
    func alertingSeries(of rule: AlertRule, in tx: Transaction) async throws -> [Int64] {
        try await tx.query("""
            SELECT substr(target, 8)::bigint AS id FROM alerts WHERE rule_id = \(rule.id) AND state <> 'resolved' AND target LIKE 'series:%'
            """).alertRows { try $0.value("id", as: Int64.self) }
    }
}
