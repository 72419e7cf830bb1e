import Foundation
import Hummingbird
import OctoAuth
import OctoCore
import OctoStore

/// `GET /audit/verification`: whether the caller's chain is whole.
struct AuditChainStatus: Encodable, Sendable {
    /// The first link that does not hold.
    struct Broken: Encodable, Sendable {
        var id: Int64
        var seq: Int64
        var kind: AuditVerification.Break.Kind
        var reason: String
    }
    var intact: Bool
    /// Entries recomputed.
    var checked: Int
    var broken: Broken?

    init(_ verification: AuditVerification) {
        intact = verification.isIntact
        checked = verification.rows
        broken = verification.breaks.first.map { Broken(id: $0.id, seq: $0.seq, kind: $0.kind, reason: $0.reason) }
    }
}

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
        routes.get("audit/verification") { request, context in
            let principal = try context.require(.audit, .read)
            if principal.isGlobalAdmin && request.headers[.init("X-Provider-Id")!] == nil {
                return JSONResponse(AuditChainStatus(try await database.withGlobal(logger: context.logger) { tx in try await tx.verifyAuditLog(.platform) }))
            }
            // Under RLS the transaction sees only the provider's own chain.
            return JSONResponse(AuditChainStatus(try await inTenant(request, context) { tx in try await tx.verifyAuditLog() }))
        }
    }
}
