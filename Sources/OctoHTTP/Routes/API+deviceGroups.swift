import Foundation
import Hummingbird
import OctoCore
import OctoStore

extension API {
    /// Device groups: static (members by hand) or dynamic (a filter); read with `devices.read`, changed with
    /// `devices.write`. `GET /device-groups/{id}/devices` lists the members as `GET /devices` does.
    func addDeviceGroupRoutes(to routes: inout RouteTable) {
        routes.get("device-groups", query: ["q"], paged: true) { request, context in
            try context.require(.devices, .read)
            let page = try request.page()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.deviceGroups.list(search: request.query("q"), page: page) })
        }
        routes.post("device-groups") { request, context in
            try context.require(.devices, .write)
            let input = try await request.decode(as: DeviceGroupInput.self, context: context)
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.deviceGroups.create(input, by: actor) }, status: .created)
        }
        routes.get("device-groups/:id") { request, context in
            try context.require(.devices, .read)
            let id = try context.uuid()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.deviceGroups.get(id) })
        }
        routes.patch("device-groups/:id") { request, context in
            try context.require(.devices, .write)
            let id = try context.uuid()
            let input = try await request.decode(as: DeviceGroupInput.self, context: context)
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.deviceGroups.update(id, input, by: actor) })
        }
        routes.delete("device-groups/:id") { request, context in
            try context.require(.devices, .write)
            let id = try context.uuid()
            let actor = try context.actor()
            try await inTenant(request, context) { tx in try await tx.deviceGroups.delete(id, by: actor) }
            return NoContent()
        }
        routes.post("device-groups/:id/members") { request, context in
            try context.require(.devices, .write)
            let id = try context.uuid()
            let input = try await request.decode(as: DeviceGroupMembersInput.self, context: context)
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.deviceGroups.changeMembers(id, input, by: actor) })
        }
        routes.get("device-groups/:id/devices", query: ["q", "status", "kind", "vendor", "model", "tag", "pop_id", "customer_id"], paged: true,
                   sort: DeviceFilter.sortKeys) { request, context in
            try context.require(.devices, .read)
            let id = try context.uuid()
            let page = try request.page()
            var filter = try deviceFilter(request)
            filter.groupId = id
            return JSONResponse(try await inTenant(request, context) { tx in
                _ = try await tx.deviceGroups.get(id)
                return try await tx.devices.list(filter, page: page)
            })
        }
    }

    /// The filters of a device list from the query string.
    func deviceFilter(_ request: Request) throws(OctoError) -> DeviceFilter {
        DeviceFilter(query: request.query("q"), status: try request.queryEnum("status", Device.Status.self),
                     kind: try request.queryEnum("kind", Device.Kind.self), vendor: request.query("vendor"),
                     popId: try request.queryUUID("pop_id"), customerId: try request.queryUUID("customer_id"),
                     groupId: try request.queryUUID("group_id"),
                     sort: try ListSort.parse(request.query("sort"), allowed: DeviceFilter.sortKeys),
                     model: request.query("model"), tag: request.query("tag"))
    }
}
