import Foundation
import Hummingbird
import OctoCore
import OctoStore

extension API {
    func addCustomerRoutes(to routes: inout RouteTable) {
        routes.get("customers", query: ["q", "pop_id"], paged: true) { request, context in
            try context.require(.customers, .read)
            let page = try request.page()
            let popId = try request.queryUUID("pop_id")
            return JSONResponse(try await inTenant(request, context) { tx in
                try await tx.customers.list(search: request.query("q"), popId: popId, page: page)
            })
        }
        routes.get("customers/:id") { request, context in
            try context.require(.customers, .read)
            let id = try context.uuid()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.customers.get(id) })
        }
        routes.post("customers") { request, context in
            try context.require(.customers, .write)
            let input = try await request.decode(as: CustomerInput.self, context: context)
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.customers.create(input, by: actor) }, status: .created)
        }
        routes.patch("customers/:id") { request, context in
            try context.require(.customers, .write)
            let id = try context.uuid()
            let input = try await request.decode(as: CustomerInput.self, context: context)
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.customers.update(id, input, by: actor) })
        }
        routes.delete("customers/:id") { request, context in
            try context.require(.customers, .write)
            let id = try context.uuid()
            let actor = try context.actor()
            try await inTenant(request, context) { tx in try await tx.customers.delete(id, by: actor) }
            return NoContent()
        }
    }
}
