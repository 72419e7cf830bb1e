import Foundation
import NIOCore
import OctoCore
import OctoStore
import PostgresNIO

extension MetricsIngestPipeline {
    /// Writes one batch in one global transaction: COPY into `metric_ingest`, then the live events.
    /// COPY FROM is refused under row-level security, so this runs on the global path; every row's
    /// provider comes from the series registry (``resolve(_:)``), never from the caller.
    func write(_ batches: [[Row]]) async throws {
        try await database.withGlobal(logger: logger) { tx in
            try await tx.copyFrom(table: "metric_ingest", columns: ["provider_id", "series_id", "at_ms", "value"]) { writer in
                var buffer = ByteBufferAllocator().buffer(capacity: 1 << 20)
                var providerText: [UUID: [UInt8]] = [:]
                for rows in batches {
                    for row in rows {
                        let provider: [UInt8]
                        if let known = providerText[row.providerID] {
                            provider = known
                        } else {
                            provider = Array(row.providerID.uuidString.lowercased().utf8)
                            providerText[row.providerID] = provider
                        }
                        MetricsCopyText.append(provider: provider, series: row.seriesID, atMilliseconds: row.atMilliseconds,
                                               value: row.value, to: &buffer)
                        if buffer.readableBytes >= 1 << 20 {
                            try await writer.write(buffer)
                            buffer.clear()
                        }
                    }
                }
                if buffer.readableBytes > 0 { try await writer.write(buffer) }
            }
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

/// The text COPY format of `metric_ingest` rows, shared with the benchmark's baseline.
public enum MetricsCopyText {
    /// Appends `provider<TAB>series<TAB>at_ms<TAB>value<LF>`.
    @inlinable
    public static func append(provider: [UInt8], series: Int64, atMilliseconds: Int64, value: Double, to buffer: inout ByteBuffer) {
        buffer.writeBytes(provider)
        buffer.writeInteger(UInt8(ascii: "\t"))
        appendDecimal(series, to: &buffer)
        buffer.writeInteger(UInt8(ascii: "\t"))
        appendDecimal(atMilliseconds, to: &buffer)
        buffer.writeInteger(UInt8(ascii: "\t"))
        if value == value.rounded(), abs(value) < 9e15 {
            appendDecimal(Int64(value), to: &buffer)
        } else {
            buffer.writeString(value.description)
        }
        buffer.writeInteger(UInt8(ascii: "\n"))
    }

    /// Appends the decimal digits of `value`.
    @inlinable
    public static func appendDecimal(_ value: Int64, to buffer: inout ByteBuffer) {
        if value < 0 { buffer.writeInteger(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var count = 0
            repeat {
                digits[19 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(digits)[(20 - count)...]))
        }
    }
}
