import Foundation
import Logging
import OctoCore
import OctoStore
import PostgresNIO

/// The series registry of the transaction's provider (row-level security applies).
public struct MetricSeriesStore: Sendable {
    let tx: Transaction

    /// Registers a series, or returns the existing one with the same device, metric and labels
    /// (updating its unit, kind, counter width and maximum rate).
    public func register(_ input: MetricSeriesInput) async throws -> MetricSeries {
        try input.validate()
        guard let providerID = tx.providerID else { throw OctoError(.internal, "registering a series needs a provider") }
        let labels = try Self.encode(input.labels)
        let rows = try await tx.query("""
            INSERT INTO metric_series (provider_id, device_id, metric, labels, unit, kind, counter_bits, max_rate)
            VALUES (\(providerID), \(input.deviceId), \(input.metric), \(labels)::jsonb, \(input.unit),
                    \(input.kind.rawValue), \(Int16(input.counterBits)), \(input.maxRate))
            ON CONFLICT (provider_id, device_id, metric, labels) DO UPDATE
                SET unit = excluded.unit, kind = excluded.kind, counter_bits = excluded.counter_bits,
                    max_rate = excluded.max_rate
            RETURNING \(unescaped: Self.columns)
            """)
        guard let series = try await Self.decode(rows).first else { throw OctoError(.internal, "series was not stored") }
        return series
    }

    /// The series with `id`, or `notFound` (also for another provider's id).
    public func get(_ id: Int64) async throws -> MetricSeries {
        guard let series = try await list(ids: [id]).first else { throw OctoError.notFound("series") }
        return series
    }

    /// The series among `ids` that this provider owns, in id order.
    public func list(ids: [Int64]) async throws -> [MetricSeries] {
        try await Self.decode(tx.query("""
            SELECT \(unescaped: Self.columns) FROM metric_series WHERE id = ANY(\(ids)) ORDER BY id
            """))
    }

    /// The series of `deviceId`, optionally only those of `metric`, in id order.
    public func list(deviceId: UUID, metric: String? = nil) async throws -> [MetricSeries] {
        try await Self.decode(tx.query("""
            SELECT \(unescaped: Self.columns) FROM metric_series
            WHERE device_id = \(deviceId) AND (\(metric)::text IS NULL OR metric = \(metric))
            ORDER BY id
            """))
    }

    static let columns = "id, provider_id, device_id, metric, labels::text, unit, kind, counter_bits, max_rate"

    static func decode(_ rows: PostgresRowSequence) async throws -> [MetricSeries] {
        var result: [MetricSeries] = []
        for try await (id, provider, device, metric, labels, unit, kind, bits, maxRate)
            in rows.decode((Int64, UUID, UUID, String, String, String, String, Int16, Double?).self) {
            result.append(MetricSeries(id: id, providerId: provider, deviceId: device, metric: metric,
                                       labels: (try? JSONDecoder().decode([String: String].self, from: Data(labels.utf8))) ?? [:],
                                       unit: unit, kind: MetricKind(rawValue: kind) ?? .gauge, counterBits: Int(bits), maxRate: maxRate))
        }
        return result
    }

    static func encode(_ labels: [String: String]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(labels), as: UTF8.self)
    }
}

extension Transaction {
    /// The metrics series registry in this transaction.
    public var metricSeries: MetricSeriesStore { MetricSeriesStore(tx: self) }
}
