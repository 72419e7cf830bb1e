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
