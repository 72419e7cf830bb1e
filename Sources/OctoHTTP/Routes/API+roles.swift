import Foundation
import Hummingbird
import OctoAuth
import OctoCore
import OctoStore

extension API {
    /// Nobody hands out permissions they do not hold themselves.
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
            try GrantRule.check(Set(input.permissions ?? []), by: principal)
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.roles.create(input, by: actor) }, status: .created)
        }
        routes.patch("roles/:id") { request, context in
            let principal = try context.require(.users, .write)
            let id = try context.uuid()
            let input = try await request.decode(as: RoleInput.self, context: context)
            try GrantRule.check(Set(input.permissions ?? []), by: principal)
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
}
