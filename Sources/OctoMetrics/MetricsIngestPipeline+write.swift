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
                try await publish(batches, in: tx)
            }
        }
    }

    /// The batch split by provider, in arrival order: one stored batch row each.
    static func parts(_ batches: [[Row]]) -> [(UUID, Part)] {
        var order: [UUID] = []
        var parts: [UUID: Part] = [:]
        for rows in batches {
            for row in rows {
                if parts[row.providerID] == nil { order.append(row.providerID) }
                // Appended in place: a copy taken out of the dictionary would copy the arrays per row.
                parts[row.providerID, default: Part()].append(row)
            }
        }
        return order.map { ($0, parts[$0]!) }
    }

    /// One event per provider of the batch on topic ``MetricsIngestPipeline/batchTopic``, saying how
    /// many samples of how many series arrived and the newest time: the realtime relay of each API
    /// process reads the values its clients subscribed to. One event per series would cost a NOTIFY
    /// per series, tens of thousands per batch.
    func publish(_ batches: [[Row]], in tx: Transaction) async throws {
        let payloads = try Self.tallies(batches).map { provider, entry in
            try RealtimeEvent(providerId: provider, topic: Self.batchTopic, data: .object([
                "samples": .number(Double(entry.samples)),
                "series": .number(Double(entry.series.count)),
                "newest": .string(OctoJSON.formatDate(Date(timeIntervalSince1970: Double(entry.newest) / 1000))),
            ])).encoded()
        }
        try await tx.query("SELECT count(pg_notify(\(RealtimeEvent.channel), p)) FROM unnest(\(payloads)::text[]) AS p")
    }

    /// What the batch brought per provider.
    static func tallies(_ batches: [[Row]]) -> [UUID: Tally] {
        var perProvider: [UUID: Tally] = [:]
        for rows in batches {
            for row in rows {
                // Counted in place: a copy taken out of the dictionary and stored back would copy the
                // provider's set of series for every row (quadratic in the batch).
                perProvider[row.providerID, default: Tally()].add(row)
            }
        }
        return perProvider
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
}

/// What one batch brought for one provider: samples, distinct series and the newest time.
struct Tally {
    var samples = 0
    var series = Set<Int64>()
    var newest = Int64.min

    mutating func add(_ row: MetricsIngestPipeline.Row) {
        samples += 1
        series.insert(row.seriesID)
        newest = max(newest, row.atMilliseconds)
    }
}
