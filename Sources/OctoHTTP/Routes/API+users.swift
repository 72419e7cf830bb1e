import Foundation
import Hummingbird
import OctoAuth
import OctoCore
import OctoStore

struct CreatedApiKey: Encodable, Sendable {
    var apiKey: ApiKey
    /// The full key; shown once.
    var key: String
}

extension API {
    /// Users of the request's provider; a Global Admin without `X-Provider-Id` manages Global Admins.
    func inUserScope<T: Sendable>(_ request: Request, _ context: APIContext, _ body: (Transaction) async throws -> T) async throws -> T {
        let principal = try context.authenticated()
        if principal.isGlobalAdmin && request.headers[.init("X-Provider-Id")!] == nil {
            return try await database.withGlobal(logger: context.logger, body)
        }
        return try await inTenant(request, context, body)
    }

    func addUserRoutes(to routes: inout RouteTable) {
        routes.get("users", query: ["q"], paged: true) { request, context in
            try context.require(.users, .read)
            let page = try request.page()
            return JSONResponse(try await inUserScope(request, context) { tx in try await tx.users.list(search: request.query("q"), page: page) })
        }
        routes.get("users/:id") { request, context in
            try context.require(.users, .read)
            let id = try context.uuid()
            return JSONResponse(try await inUserScope(request, context) { tx in try await tx.users.get(id) })
        }
        routes.post("users") { request, context in
            let principal = try context.require(.users, .write)
            let input = try await request.decode(as: UserInput.self, context: context)
            let actor = try context.actor()
            let user = try await inUserScope(request, context) { tx in
                try await guardRoleAssignment(input, by: principal, in: tx)
                return try await auth.createUser(input, in: tx, by: actor)
            }
            return JSONResponse(user, status: .created)
        }
        routes.patch("users/:id") { request, context in
            let principal = try context.require(.users, .write)
            let id = try context.uuid()
            let input = try await request.decode(as: UserInput.self, context: context)
            let actor = try context.actor()
            return JSONResponse(try await inUserScope(request, context) { tx in
                try await guardRoleAssignment(input, by: principal, in: tx)
                return try await auth.updateUser(id, input, in: tx, by: actor)
            })
        }
        routes.delete("users/:id") { request, context in
            let principal = try context.require(.users, .write)
            let id = try context.uuid()
            guard id != principal.id else { throw OctoError(.conflict, "you cannot delete your own account") }
            let actor = try context.actor()
            try await inUserScope(request, context) { tx in try await tx.users.delete(id, by: actor) }
            return NoContent()
        }
    }

    /// Nobody hands out permissions they do not hold themselves.
    func guardRoleAssignment(_ input: UserInput, by principal: Principal, in tx: Transaction) async throws {
        var wanted = Set(input.grants ?? [])
        if let id = input.roleId { wanted.formUnion(try await tx.roles.get(id).permissions) }
        if let key = input.roleKey { wanted.formUnion(try await tx.roles.get(key: key).permissions) }
        let missing = wanted.subtracting(principal.permissions)
        guard missing.isEmpty else {
            throw OctoError(.forbidden, "cannot grant permissions you do not hold: \(missing.sorted().map(\.key).joined(separator: ", "))")
        }
    }

    func addRoleRoutes(to routes: inout RouteTable) {
        routes.get("roles", paged: true) { request, context in
            try context.require(.users, .read)
            let page = try request.page()
            return JSONResponse(try await inUserScope(request, context) { tx in Page(slicing: try await tx.roles.list(), page) })
        }
        routes.get("roles/:id") { request, context in
            try context.require(.users, .read)
            let id = try context.uuid()
            return JSONResponse(try await inUserScope(request, context) { tx in try await tx.roles.get(id) })
        }
        routes.post("roles") { request, context in
            let principal = try context.require(.users, .write)
            let input = try await request.decode(as: RoleInput.self, context: context)
            try guardPermissions(input.permissions, by: principal)
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.roles.create(input, by: actor) }, status: .created)
        }
        routes.patch("roles/:id") { request, context in
            let principal = try context.require(.users, .write)
            let id = try context.uuid()
            let input = try await request.decode(as: RoleInput.self, context: context)
            try guardPermissions(input.permissions, by: principal)
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.roles.update(id, input, by: actor) })
        }
        routes.delete("roles/:id") { request, context in
            try context.require(.users, .write)
            let id = try context.uuid()
            let actor = try context.actor()
            try await inTenant(request, context) { tx in try await tx.roles.delete(id, by: actor) }
            return NoContent()
        }
    }

    func guardPermissions(_ permissions: [Permission]?, by principal: Principal) throws(OctoError) {
        let missing = Set(permissions ?? []).subtracting(principal.permissions)
        guard missing.isEmpty else {
            throw OctoError(.forbidden, "cannot grant permissions you do not hold: \(missing.sorted().map(\.key).joined(separator: ", "))")
        }
    }

    func addApiKeyRoutes(to routes: inout RouteTable) {
        routes.get("api-keys", paged: true) { request, context in
            try context.require(.settings, .read)
            let page = try request.page()
            return JSONResponse(try await inTenant(request, context) { tx in Page(slicing: try await tx.apiKeys.list(), page) })
        }
        routes.post("api-keys") { request, context in
            let principal = try context.require(.settings, .write)
            let input = try await request.decode(as: ApiKeyInput.self, context: context)
            let actor = try context.actor()
            let created = try await inTenant(request, context) { tx in
                let role = try await tx.roles.get(key: input.roleKey ?? PredefinedRole.viewer.key)
                try guardPermissions(role.permissions, by: principal)
                return try await auth.createApiKey(input, in: tx, by: actor)
            }
            return JSONResponse(CreatedApiKey(apiKey: created.key, key: created.secret), status: .created)
        }
        routes.delete("api-keys/:id") { request, context in
            try context.require(.settings, .write)
            let id = try context.uuid()
            let actor = try context.actor()
            try await inTenant(request, context) { tx in try await tx.apiKeys.revoke(id, by: actor) }
            return NoContent()
        }
    }

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
