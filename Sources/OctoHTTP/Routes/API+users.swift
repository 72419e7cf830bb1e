import Foundation
import Hummingbird
import OctoAuth
import OctoCore
import OctoStore

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
            let prepared = try await auth.prepareNewUser(input)
            let user = try await inUserScope(request, context) { tx in
                try await GrantRule.check(input, by: principal, in: tx)
                return try await auth.createUser(prepared, in: tx, by: actor)
            }
            return JSONResponse(user, status: .created)
        }
        routes.patch("users/:id") { request, context in
            let principal = try context.require(.users, .write)
            let id = try context.uuid()
            let input = try await request.decode(as: UserInput.self, context: context)
            let actor = try context.actor()
            let change = try await auth.prepareChange(of: id, input, by: principal, client: client(request, context))
            return JSONResponse(try await inUserScope(request, context) { tx in
                try await GrantRule.check(input, by: principal, in: tx)
                return try await auth.updateUser(id, change, in: tx, by: actor, principal: principal)
            })
        }
        routes.delete("users/:id") { request, context in
            let principal = try context.require(.users, .write)
            let id = try context.uuid()
            guard id != principal.id else { throw OctoError(.conflict, "you cannot delete your own account") }
            let actor = try context.actor()
            try await inUserScope(request, context) { tx in try await auth.deleteUser(id, in: tx, by: actor, principal: principal) }
            return NoContent()
        }
    }
}
