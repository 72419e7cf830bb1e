import Foundation
import Hummingbird
import Monitoring
import OctoCore
import OctoJobs
import OctoStore

extension API {
    /// The optics inventory (`monitoring.read`): per ONU and OLT port with thresholds status; and the
    /// dashboard summary (`devices.read`).
    func addOpticsAndDashboardRoutes(to routes: inout RouteTable) {
        routes.get("devices/:id/optics", query: ["status"], paged: true) { request, context in
            try context.require(.monitoring, .read)
            let device = try context.uuid()
            let status = try request.queryEnum("status", OpticsStatusFilter.self)
            let page = try request.page()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.snmpOptics.list(device: device, status: status, page: page) })
        }
        routes.get("pops/:id/optics", query: ["status"], paged: true) { request, context in
            try context.require(.monitoring, .read)
            let pop = try context.uuid()
            let status = try request.queryEnum("status", OpticsStatusFilter.self)
            let page = try request.page()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.snmpOptics.list(pop: pop, status: status, page: page) })
        }
        routes.get("dashboard/summary") { request, context in
            try context.require(.devices, .read)
            let provider = try await tenant(request, context)
            // Counts that may lag a moment: read-only, on the replica when one is configured.
            var summary = try await database.withTenantReading(provider, logger: context.logger) { tx in try await tx.dashboard.summary(now: tx.clock.now) }
            if let jobs {
                summary.jobs.dead = try await jobs.jobs(provider: provider, filter: JobFilter(state: .dead), page: try PageRequest(limit: 1)).total
            }
            return JSONResponse(summary)
        }
    }
}
