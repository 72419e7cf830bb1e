import Alerts
import Foundation
import Hummingbird
import OctoCore
import OctoStore

extension API {
    /// Notification channels (`alerts.read` / `alerts.write`; secrets write-only, sealed) and the
    /// delivery log of an alert.
    func addNotificationRoutes(to routes: inout RouteTable) {
        routes.get("notification-channels", paged: true) { request, context in
            try context.require(.alerts, .read)
            let page = try request.page()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.notificationChannels.list(page: page) })
        }
        routes.post("notification-channels") { request, context in
            try context.require(.alerts, .write)
            let input = try await request.decode(as: NotificationChannelInput.self, context: context)
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in
                try await tx.notificationChannels.create(input, secrets: secrets, by: actor)
            }, status: .created)
        }
        routes.get("notification-channels/:id") { request, context in
            try context.require(.alerts, .read)
            let id = try context.uuid()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.notificationChannels.get(id) })
        }
        routes.patch("notification-channels/:id") { request, context in
            try context.require(.alerts, .write)
            let id = try context.uuid()
            let input = try await request.decode(as: NotificationChannelInput.self, context: context)
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in
                try await tx.notificationChannels.update(id, input, secrets: secrets, by: actor)
            })
        }
        routes.delete("notification-channels/:id") { request, context in
            try context.require(.alerts, .write)
            let id = try context.uuid()
            let actor = try context.actor()
            try await inTenant(request, context) { tx in try await tx.notificationChannels.delete(id, by: actor) }
            return NoContent()
        }
        routes.post("notification-channels/:id/test", body: .none) { request, context in
            try context.require(.alerts, .write)
            let id = try context.uuid()
            let provider = try await tenant(request, context)
            return JSONResponse(try await notifier.test(channel: id, provider: provider))
        }
        routes.get("alerts/:id/notifications") { request, context in
            try context.require(.alerts, .read)
            let id = try context.uuid()
            return JSONResponse(try await inTenant(request, context) { tx in
                _ = try await tx.alerts.get(id)
                let deliveries = try await tx.notificationChannels.deliveries(alert: id)
                return Page(items: deliveries, total: deliveries.count, limit: max(deliveries.count, 1), offset: 0)
            })
        }
    }
}
