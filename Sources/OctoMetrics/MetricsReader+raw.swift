import Foundation
import OctoStore
import PostgresNIO

extension MetricsReader {
    /// One raw sample: milliseconds since 1970 and the value.
    struct RawSample {
        var at: Int64
        var value: Double
    }

    /// The window [`from`, `to`) as the bounds [low, high) of the whole milliseconds in it, compared as
    /// PostgreSQL compares a sample's time with a timestamp (microseconds since 2000, truncated): a sample
    /// at `at` ms lies in the window when at × 1000 µs ≥ `from` and < `to`. The streaming alert evaluator
    /// uses the same bounds, so a sample on a window's edge counts alike in a full and a streaming pass.
    public static func millisecondBounds(from: Date, to: Date) -> (low: Int64, high: Int64) {
        let epoch = Date(timeIntervalSince1970: 946_684_800)
        func micros(_ date: Date) -> Int64 { Int64(date.timeIntervalSince(epoch) * 1_000_000) + 946_684_800_000_000 }
        let fromMicros = micros(from), toMicros = micros(to)
        // The first millisecond at or after `from` (rounding up), and likewise for `to`, which is excluded.
        return (fromMicros >= 0 ? (fromMicros + 999) / 1000 : fromMicros / 1000, toMicros >= 0 ? (toMicros + 999) / 1000 : toMicros / 1000)
    }

    /// The raw samples of `ids` in [`from`, `to`), compacted (decoded from their chunks) and not yet
    /// compacted, oldest first. On a millisecond held twice the compacted sample wins, then the earliest
    /// writer transaction, then the lowest value: what compaction keeps.
    func rawSamples(ids: [Int64], from: Date, to: Date) async throws -> [Int64: [RawSample]] {
        guard !ids.isEmpty else { return [:] }
        let (fromMs, toMs) = Self.millisecondBounds(from: from, to: to)
        var held: [Int64: [Int64: Double]] = [:]
        let chunks = try await tx.query("""
            SELECT series_id, (extract(epoch FROM chunk_start) * 1000)::bigint, samples FROM metric_chunks
            WHERE series_id = ANY(\(ids)) AND chunk_start > \(from) - interval '1 hour' AND chunk_start < \(to)
            """)
        for try await (id, startMs, bytes) in chunks.decode((Int64, Int64, ByteBuffer).self) {
            let samples = try bytes.withUnsafeReadableBytes { try MetricCodec.decodeSamples($0) }
            var own = held[id] ?? [:]
            for (offset, value) in zip(samples.offsets, samples.values) {
                let at = startMs + offset
                if at >= fromMs && at < toMs { own[at] = value }
            }
            held[id] = own
        }
        let ingested = try await tx.query("""
            SELECT series_id, at_ms, value FROM metric_ingest
            WHERE series_id = ANY(\(ids)) AND at_ms >= \(fromMs) AND at_ms < \(toMs) ORDER BY tx, value
            """)
        for try await (id, at, value) in ingested.decode((Int64, Int64, Double).self) where held[id]?[at] == nil {
            held[id, default: [:]][at] = value
        }
        return held.mapValues { samples in samples.map { RawSample(at: $0.key, value: $0.value) }.sorted { $0.at < $1.at } }
    }

    /// Aggregates of time-ordered `samples` per step (aligned to the origin).
    static func binned(_ samples: [RawSample], step: Int) -> [Point] {
        var points: [Point] = []
        let stepMs = Int64(step) * 1000, originMs = Int64(MetricResolution.origin.timeIntervalSince1970) * 1000
        var current: Int64?
        for sample in samples {
            let offset = sample.at - originMs
            let bin = originMs + (offset >= 0 ? offset / stepMs : -((-offset + stepMs - 1) / stepMs)) * stepMs
            let at = Date(timeIntervalSince1970: Double(sample.at) / 1000)
            if bin == current, var point = points.popLast() {
                point.count += 1
                point.min = Swift.min(point.min, sample.value)
                point.max = Swift.max(point.max, sample.value)
                point.sum += sample.value
                point.last = sample.value
                point.lastAt = at
                point.avg = point.sum / Double(point.count)
                points.append(point)
            } else {
                current = bin
                points.append(Point(at: Date(timeIntervalSince1970: Double(bin) / 1000), min: sample.value, max: sample.value, avg: sample.value,
                                    sum: sample.value, count: 1, last: sample.value, lastAt: at, rate: nil))
            }
        }
        return points
    }
}
