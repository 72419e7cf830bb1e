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

    func addDeviceRoutes(to routes: inout RouteTable) {
        routes.get("devices", query: ["q", "status", "kind", "vendor", "model", "tag", "pop_id", "customer_id", "group_id"], paged: true,
                   sort: DeviceFilter.sortKeys) { request, context in
            try context.require(.devices, .read)
            let page = try request.page()
            let filter = try deviceFilter(request)
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.devices.list(filter, page: page) })
        }
        routes.get("devices/:id") { request, context in
            try context.require(.devices, .read)
            let id = try context.uuid()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.devices.get(id) })
        }
        routes.post("devices") { request, context in
            try context.require(.devices, .write)
            let input = try await request.decode(as: DeviceInput.self, context: context)
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.devices.create(input, by: actor) }, status: .created)
        }
        routes.patch("devices/:id") { request, context in
            try context.require(.devices, .write)
            let id = try context.uuid()
            let input = try await request.decode(as: DeviceInput.self, context: context)
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.devices.update(id, input, by: actor) })
        }
        routes.delete("devices/:id") { request, context in
            try context.require(.devices, .write)
            let id = try context.uuid()
            let actor = try context.actor()
            try await inTenant(request, context) { tx in try await tx.devices.delete(id, by: actor) }
            return NoContent()
        }
    }
}
