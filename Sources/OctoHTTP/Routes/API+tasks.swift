import ACS
import Foundation
import Hummingbird
import OctoCore
import OctoStore

extension API {
    /// Device tasks: queue (`devices.execute`), list and read (`devices.read`), cancel a queued one (`devices.execute`).
    func addDeviceTaskRoutes(to routes: inout RouteTable) {
        routes.post("devices/:id/tasks") { request, context in
            try context.require(.devices, .execute)
            let device = try context.uuid()
            let input = try await request.decode(as: DeviceTaskInput.self, context: context)
            let actor = try context.actor()
            let provider = try await tenant(request, context)
            let task = try await deviceTasks.create(input, device: device, provider: provider, database: database, by: actor)
            return JSONResponse(task.maskingSecrets(), status: .created)
        }
        routes.get("devices/:id/tasks", query: ["status"], paged: true) { request, context in
            try context.require(.devices, .read)
            let device = try context.uuid()
            let status = try request.queryEnum("status", DeviceTask.Status.self)
            let page = try request.page()
            return JSONResponse(try await inTenant(request, context) { tx in
                let page = try await tx.deviceTasks.list(device: device, status: status, page: page)
                return Page(items: page.items.map { $0.maskingSecrets() }, total: page.total, limit: page.limit, offset: page.offset)
            })
        }
        routes.get("devices/:id/tasks/:taskId") { request, context in
            try context.require(.devices, .read)
            let device = try context.uuid()
            let id = try context.uuid("taskId")
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.deviceTasks.get(id, device: device).maskingSecrets() })
        }
        routes.delete("devices/:id/tasks/:taskId") { request, context in
            try context.require(.devices, .execute)
            let device = try context.uuid()
            let id = try context.uuid("taskId")
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.deviceTasks.cancel(id, device: device, by: actor).maskingSecrets() })
        }
    }
}
