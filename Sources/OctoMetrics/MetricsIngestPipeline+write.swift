import Foundation
import OctoCore
import OctoStore
import PostgresNIO

extension MetricsIngestPipeline {
    /// Writes one batch in one global transaction: each provider's samples as one row of three
    /// binary-encoded arrays in `metric_ingest_batches` (migration 0154), then the live events. Every
    /// row's provider comes from the series registry (``resolve(_:)``), never from the caller.
    ///
    /// Not `COPY`: postgres-nio traps (precondition failure) when the server closes the connection
    /// in the middle of a COPY, which a PostgreSQL restart does; an insert fails cleanly and is retried.
    /// A batch row costs the server less than a COPY of its samples would: one tuple and one index entry.
    func write(_ batches: [[Row]]) async throws {
        let parts = Self.parts(batches)
        try await database.withGlobal(logger: logger) { tx in
            for (provider, part) in parts {
                try await tx.query("""
                    INSERT INTO metric_ingest_batches (provider_id, series_ids, at_ms, vals)
                    VALUES (\(provider), \(part.series)::bigint[], \(part.times)::bigint[], \(part.values)::float8[])
                    """)
            }
            if configuration.publishLive {
                try await publish(parts, in: tx)
            }
        }
    }

    /// The batch split by provider, each part in arrival order: one stored batch row and one live
    /// event each.
    static func parts(_ batches: [[Row]]) -> [UUID: Part] {
        var parts: [UUID: Part] = [:]
        for rows in batches {
            for row in rows {
                // Appended in place: a copy taken out of the dictionary and stored back would copy the
                // provider's arrays for every row (quadratic in the batch).
                parts[row.providerID, default: Part()].append(row)
            }
        }
        return parts
    }

    /// One event per provider of the batch on topic ``MetricsIngestPipeline/batchTopic``, saying how
    /// many samples of how many series arrived and the newest time: the realtime relay of each API
    /// process reads the values its clients subscribed to. One event per series would cost a NOTIFY
    /// per series, tens of thousands per batch.
    func publish(_ parts: [UUID: Part], in tx: Transaction) async throws {
        let payloads = try parts.map { provider, part in
            try RealtimeEvent(providerId: provider, topic: Self.batchTopic, data: .object([
                "samples": .number(Double(part.series.count)),
                "series": .number(Double(part.distinctSeries)),
                "newest": .string(OctoJSON.formatDate(Date(timeIntervalSince1970: Double(part.newest) / 1000))),
            ])).encoded()
        }
        try await tx.query("SELECT count(pg_notify(\(RealtimeEvent.channel), p)) FROM unnest(\(payloads)::text[]) AS p")
    }
}

/// One provider's samples of a batch, as the three arrays of its `metric_ingest_batches` row.
struct Part {
    var series: [Int64] = []
    var times: [Int64] = []
    var values: [Double] = []

    mutating func append(_ row: MetricsIngestPipeline.Row) {
        series.append(row.seriesID)
        times.append(row.atMilliseconds)
        values.append(row.value)
    }

    /// How many different series the part holds, for the live event.
    var distinctSeries: Int { Set(series).count }

    /// The newest sample's time in milliseconds, for the live event.
    var newest: Int64 { times.max() ?? .min }
}
