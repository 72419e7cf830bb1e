import Foundation
import OctoCore
import OctoStore
import PostgresNIO

extension MetricsIngestPipeline {
    /// Writes one batch in one global transaction: a binary `COPY` into `metric_ingest`
    /// (``Transaction/copyBinary(into:columns:_:)``, which fails cleanly when the server closes the
    /// connection mid-COPY), then the live events. Every row's provider comes from the series registry
    /// (``resolve(_:)``), never from the caller. The COPY stream is built before the transaction starts,
    /// so the connection is leased (and in COPY mode) only while the bytes are sent.
    func write(_ batches: [[Row]]) async throws {
        let count = batches.reduce(0) { $0 + $1.count }
        var stream = BinaryCopyStream(capacity: 32 + count * Self.copyRowBytes)
        for rows in batches {
            for row in rows {
                stream.beginRow(fields: 4)
                stream.append(row.providerID)
                stream.append(row.seriesID)
                stream.append(row.atMilliseconds)
                stream.append(row.value)
            }
        }
        try await database.withGlobal(logger: logger) { tx in
            try await tx.copyBinary(into: "metric_ingest", columns: ["provider_id", "series_id", "at_ms", "value"], stream)
            if configuration.publishLive {
                try await publish(batches, in: tx)
            }
        }
    }

    /// Bytes of one row in the binary COPY stream: field count, then length and value of a uuid and three 8-byte values.
    static let copyRowBytes = 2 + (4 + 16) + 3 * (4 + 8)

    /// One event per provider of the batch on topic ``MetricsIngestPipeline/batchTopic``, saying how
    /// many samples of how many series arrived and the newest time: the realtime relay of each API
    /// process reads the values its clients subscribed to. One event per series would cost a NOTIFY
    /// per series, tens of thousands per batch.
    func publish(_ batches: [[Row]], in tx: Transaction) async throws {
        var perProvider: [UUID: (samples: Int, series: Set<Int64>, newest: Int64)] = [:]
        for rows in batches {
            for row in rows {
                var entry = perProvider[row.providerID] ?? (0, [], .min)
                entry.samples += 1
                entry.series.insert(row.seriesID)
                entry.newest = max(entry.newest, row.atMilliseconds)
                perProvider[row.providerID] = entry
            }
        }
        let payloads = try perProvider.map { provider, entry in
            try RealtimeEvent(providerId: provider, topic: Self.batchTopic, data: .object([
                "samples": .number(Double(entry.samples)),
                "series": .number(Double(entry.series.count)),
                "newest": .string(OctoJSON.formatDate(Date(timeIntervalSince1970: Double(entry.newest) / 1000))),
            ])).encoded()
        }
        try await tx.query("SELECT count(pg_notify(\(RealtimeEvent.channel), p)) FROM unnest(\(payloads)::text[]) AS p")
    }
}
