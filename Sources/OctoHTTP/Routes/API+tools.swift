import Foundation
import Hummingbird
import NetTools
import OctoCore
import OctoStore
import ToolRuns

extension API {
    /// Network tool runs: start and cancel with `tools.execute`; history, a run and the CSV export with
    /// `tools.read`. Live output: WebSocket topic `tool-runs/<id>`. The ranges tools may target beyond
    /// the provider's devices: read with `tools.read`, changed by an admin (`settings.write`). The
    /// provider's limits: read with `tools.read`, changed by a Global Admin.
    func addToolRoutes(to routes: inout RouteTable) {
        let filterQuery = ["device_id", "pop_id", "customer_id", "tool", "status", "origin"]
        @Sendable func filter(_ request: Request) throws -> ToolRunFilter {
            ToolRunFilter(deviceId: try request.queryUUID("device_id"), popId: try request.queryUUID("pop_id"),
                          customerId: try request.queryUUID("customer_id"), tool: try request.queryEnum("tool", ToolKind.self),
                          status: try request.queryEnum("status", ToolRunStatus.self), origin: try request.queryEnum("origin", ToolOrigin.self))
        }
        routes.post("tool-runs") { request, context in
            try context.require(.tools, .execute)
            let input = try await request.decode(as: ToolRunInput.self, context: context)
            let actor = try context.actor()
            let provider = try await tenant(request, context)
            let run = try await toolRuns.create(input, provider: provider, database: database, by: actor)
            return JSONResponse(run, status: .created)
        }
        routes.get("tool-runs", query: filterQuery, paged: true) { request, context in
            try context.require(.tools, .read)
            let filter = try filter(request)
            let page = try request.page()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.toolRuns.list(filter, page: page) })
        }
        routes.get("tool-runs/export", query: filterQuery) { request, context in
            try context.require(.tools, .read)
            let filter = try filter(request)
            let runs = try await inTenant(request, context) { tx in
                try await tx.toolRuns.list(filter, page: try PageRequest(limit: 500, offset: 0)).items
            }
            let csv = ToolRunCSV.render(runs)
            return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8",
                                                   .contentDisposition: "attachment; filename=\"tool-runs.csv\""],
                            body: .init(byteBuffer: ByteBuffer(string: csv)))
        }
        routes.get("tool-runs/:id") { request, context in
            try context.require(.tools, .read)
            let id = try context.uuid()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.toolRuns.get(id) })
        }
        routes.post("tool-runs/:id/cancel", body: .none) { request, context in
            try context.require(.tools, .execute)
            let id = try context.uuid()
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.toolRuns.cancel(id, by: actor) })
        }
        routes.get("tool-target-ranges") { request, context in
            try context.require(.tools, .read)
            let ranges = try await inTenant(request, context) { tx in try await tx.toolTargetRanges.list() }
            return JSONResponse(Page(items: ranges, total: ranges.count, limit: max(ranges.count, 1), offset: 0))
        }
        routes.post("tool-target-ranges") { request, context in
            try context.require(.settings, .write)
            let input = try await request.decode(as: ToolTargetRangeInput.self, context: context)
            let actor = try context.actor()
            let deny = toolRuns.deny
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.toolTargetRanges.create(input, deny: deny, by: actor) },
                                status: .created)
        }
        routes.get("tool-limits") { request, context in
            try context.require(.tools, .read)
            let fallback = toolRuns.limits
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.toolRuns.limits(fallback: fallback) })
        }
        routes.put("tool-limits") { request, context in
            // A guard rail of the platform: only a Global Admin (acting in the provider) changes it.
            try requireGlobalAdmin(context)
            let input = try await request.decode(as: ToolLimitsInput.self, context: context)
            let actor = try context.actor()
            let fallback = toolRuns.limits
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.toolRuns.setLimits(input, fallback: fallback, by: actor) })
        }
        routes.delete("tool-target-ranges/:id") { request, context in
            try context.require(.settings, .write)
            let id = try context.uuid()
            let actor = try context.actor()
            try await inTenant(request, context) { tx in try await tx.toolTargetRanges.delete(id, by: actor) }
            return NoContent()
        }
    }
}
