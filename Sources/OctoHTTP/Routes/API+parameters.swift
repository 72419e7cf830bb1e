import ACS
import Foundation
import Hummingbird
import OctoCore
import OctoStore

extension API {
    /// A device's cached TR-069 parameter tree and its value history (`devices.read`); secret values masked.
    func addDeviceParameterRoutes(to routes: inout RouteTable) {
        routes.get("devices/:id/parameters", query: ["prefix", "q", "writable"], paged: true) { request, context in
            try context.require(.devices, .read)
            let device = try context.uuid()
            let filter = DeviceParameterFilter(prefix: request.query("prefix"), query: request.query("q"), writable: try request.queryBool("writable"))
            let page = try request.page()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.deviceParameters.list(device: device, filter, page: page) })
        }
        routes.get("devices/:id/parameters/history", query: ["name", "prefix"], paged: true) { request, context in
            try context.require(.devices, .read)
            let device = try context.uuid()
            let page = try request.page()
            let name = request.query("name")
            let prefix = request.query("prefix")
            return JSONResponse(try await inTenant(request, context) { tx in
                try await tx.deviceParameters.history(device: device, name: name, prefix: prefix, page: page)
            })
        }
    }
}
