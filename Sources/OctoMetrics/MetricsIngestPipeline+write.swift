import Foundation
import OctoCore
import OctoStore
import PostgresNIO

extension MetricsIngestPipeline {
    /// Writes one batch in one global transaction: a multi-row insert from four binary-encoded arrays
    /// (`unnest`), then the live events. Every row's provider comes from the series registry
    /// (``resolve(_:)``), never from the caller.
    ///
    /// Not `COPY`: postgres-nio traps (precondition failure) when the server closes the connection
    /// in the middle of a COPY, which a PostgreSQL restart does; an insert fails cleanly and is retried.
    func write(_ batches: [[Row]]) async throws {
        let count = batches.reduce(0) { $0 + $1.count }
        var providers: [UUID] = [], series: [Int64] = [], times: [Int64] = [], values: [Double] = []
        providers.reserveCapacity(count)
        series.reserveCapacity(count)
        times.reserveCapacity(count)
        values.reserveCapacity(count)
        for rows in batches {
            for row in rows {
                providers.append(row.providerID)
                series.append(row.seriesID)
                times.append(row.atMilliseconds)
                values.append(row.value)
            }
        }
        try await database.withGlobal(logger: logger) { tx in
            try await tx.query("""
                INSERT INTO metric_ingest (provider_id, series_id, at_ms, value)
                SELECT * FROM unnest(\(providers)::uuid[], \(series)::bigint[], \(times)::bigint[], \(values)::float8[])
                """)
            if configuration.publishLive {
                try await publish(batches, in: tx)
            }
        }
    }

    /// One event per series of the batch, with its newest sample, on topic `metrics/<series id>`.
    func publish(_ batches: [[Row]], in tx: Transaction) async throws {
        var newest: [Int64: Row] = [:]
        for rows in batches {
            for row in rows where (newest[row.seriesID]?.atMilliseconds ?? .min) < row.atMilliseconds {
                newest[row.seriesID] = row
            }
        }
        let payloads = try newest.values.map { row in
            try RealtimeEvent(providerId: row.providerID, topic: "metrics/\(row.seriesID)", data: .object([
                "series_id": .number(Double(row.seriesID)),
                "at": .string(OctoJSON.formatDate(Date(timeIntervalSince1970: Double(row.atMilliseconds) / 1000))),
                "value": .number(row.value),
            ])).encoded()
        }
        try await tx.query("SELECT count(pg_notify(\(RealtimeEvent.channel), p)) FROM unnest(\(payloads)::text[]) AS p")
    }
}
