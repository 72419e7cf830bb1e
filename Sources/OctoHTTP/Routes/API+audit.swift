import Foundation
import Hummingbird
import OctoAuth
import OctoCore
import OctoStore

extension API {
    func addAuditRoutes(to routes: inout RouteTable) {
        routes.get("audit", query: ["action", "actor_id", "target_id", "since", "until"], paged: true, sort: AuditFilter.sortKeys) { request, context in
            let principal = try context.require(.audit, .read)
            let page = try request.page()
            let filter = AuditFilter(action: request.query("action"), actorId: try request.queryUUID("actor_id"),
                                     targetId: request.query("target_id").map { UUID(uuidString: $0)?.lowercased ?? $0 },
                                     since: try request.queryDate("since"), until: try request.queryDate("until"),
                                     sort: try ListSort.parse(request.query("sort"), allowed: AuditFilter.sortKeys))
            if principal.isGlobalAdmin && request.headers[.init("X-Provider-Id")!] == nil {
                // The platform chain: actions of Global Admins outside any provider.
                return JSONResponse(try await database.withGlobal(logger: context.logger) { tx in try await tx.auditLog.list(filter, page: page) })
            }
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.auditLog.list(filter, page: page) })
        }
    }
}
