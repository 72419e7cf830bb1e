import Foundation
import Hummingbird
import OctoCore
import OctoStore

extension API {
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
