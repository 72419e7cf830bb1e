import Foundation
import Hummingbird
import OctoCore
import OctoMetrics
import OctoStore

extension API {
    /// `GET /metrics/query`, `/metrics/latest`, `/metrics/p95` and `GET|POST /metrics/series`
    /// (permission monitoring.read, monitoring.write to register series).
    func addMetricsRoutes(to routes: inout RouteTable) {
        routes.get("metrics/series", query: ["device_id", "metric"], paged: true) { request, context in
            try context.require(.monitoring, .read)
            let store = try metricsStore()
            guard let device = try request.queryUUID("device_id") else { throw OctoError.invalid("device_id", "device_id is required") }
            let metric = request.query("metric")
            let page = try request.page()
            _ = store
            return JSONResponse(try await inTenant(request, context) { tx in
                Page(slicing: try await tx.metricSeries.list(deviceId: device, metric: metric), page)
            })
        }
        routes.post("metrics/series") { request, context in
            try context.require(.monitoring, .write)
            let input = try await request.decode(as: MetricSeriesInput.self, context: context)
            _ = try metricsStore()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.metricSeries.register(input) }, status: .created)
        }
        routes.get("metrics/query", query: ["from", "to", "step", "resolution", "series", "device_id", "metric"]) { request, context in
            try context.require(.monitoring, .read)
            let store = try metricsStore()
            let (from, to) = try range(request, store)
            let step = try request.queryInt("step") ?? max(300, Int(to.timeIntervalSince(from) / 720))
            let resolution = try request.queryEnum("resolution", ResolutionName.self).map(\.resolution)
            return JSONResponse(try await inTenantReading(request, context) { tx in
                let ids = try await seriesIDs(request, tx)
                return try await store.reader(tx).query(.init(seriesIds: ids, from: from, to: to, step: step, resolution: resolution))
            })
        }
        routes.get("metrics/latest", query: ["series", "device_id", "metric"]) { request, context in
            try context.require(.monitoring, .read)
            let store = try metricsStore()
            return JSONResponse(try await inTenantReading(request, context) { tx in
                try await store.reader(tx).latest(try await seriesIDs(request, tx))
            })
        }
        routes.get("metrics/p95", query: ["from", "to", "in", "out"]) { request, context in
            try context.require(.monitoring, .read)
            let store = try metricsStore()
            let (from, to) = try range(request, store)
            guard let inbound = request.query("in").flatMap({ Int64($0) }) else { throw OctoError.invalid("in", "in must be a series id") }
            guard let outbound = request.query("out").flatMap({ Int64($0) }) else { throw OctoError.invalid("out", "out must be a series id") }
            return JSONResponse(try await inTenantReading(request, context) { tx in
                try await store.reader(tx).percentile95(in: inbound, out: outbound, from: from, to: to)
            })
        }
    }

    /// Resolution names accepted by `resolution=`.
    enum ResolutionName: String, CaseIterable {
        case raw, fiveMinutes = "5m", hour = "1h", day = "1d", week = "7d", thirtyDays = "30d"
        var resolution: MetricResolution {
            switch self {
            case .raw: .raw
            case .fiveMinutes: .fiveMinutes
            case .hour: .hour
            case .day: .day
            case .week: .week
            case .thirtyDays: .thirtyDays
            }
        }
    }

    func metricsStore() throws(OctoError) -> MetricsStore {
        guard let metrics = metricsStoreValue else { throw OctoError(.unavailable, "the metrics store is not configured") }
        return metrics
    }

    /// `from` (default: a day before `to`) and `to` (default: now).
    func range(_ request: Request, _ store: MetricsStore) throws(OctoError) -> (Date, Date) {
        let to = try request.queryDate("to") ?? store.clock.now
        let from = try request.queryDate("from") ?? to.addingTimeInterval(-86_400)
        guard from < to else { throw OctoError.invalid("from", "from must be before to") }
        return (from, to)
    }

    /// `series=1,2,3`, or `device_id` with optional `metric`; at most 500 series.
    func seriesIDs(_ request: Request, _ tx: Transaction) async throws -> [Int64] {
        if let list = request.query("series") {
            let ids = list.split(separator: ",").map { Int64($0.trimmingCharacters(in: .whitespaces)) }
            guard !ids.isEmpty, ids.allSatisfy({ $0 != nil }) else { throw OctoError.invalid("series", "series must be comma-separated ids") }
            guard ids.count <= 500 else { throw OctoError.invalid("series", "at most 500 series per request") }
            return ids.compactMap { $0 }
        }
        guard let device = try request.queryUUID("device_id") else {
            throw OctoError.invalid("series", "give series ids or a device_id")
        }
        return try await tx.metricSeries.list(deviceId: device, metric: request.query("metric")).prefix(500).map(\.id)
    }
}
