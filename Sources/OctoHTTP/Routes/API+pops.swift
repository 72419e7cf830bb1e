import Foundation
import Hummingbird
import OctoCore
import OctoStore

extension API {
    func addPopRoutes(to routes: inout RouteTable) {
        routes.get("pops", query: ["q"], paged: true) { request, context in
            try context.require(.pops, .read)
            let page = try request.page()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.pops.list(search: request.query("q"), page: page) })
        }
        routes.get("pops/:id") { request, context in
            try context.require(.pops, .read)
            let id = try context.uuid()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.pops.get(id) })
        }
        routes.post("pops") { request, context in
            try context.require(.pops, .write)
            let input = try await request.decode(as: PopInput.self, context: context)
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.pops.create(input, by: actor) }, status: .created)
        }
        routes.patch("pops/:id") { request, context in
            try context.require(.pops, .write)
            let id = try context.uuid()
            let input = try await request.decode(as: PopInput.self, context: context)
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.pops.update(id, input, by: actor) })
        }
        routes.delete("pops/:id") { request, context in
            try context.require(.pops, .write)
            let id = try context.uuid()
            let actor = try context.actor()
            try await inTenant(request, context) { tx in try await tx.pops.delete(id, by: actor) }
            return NoContent()
        }
    }
}
