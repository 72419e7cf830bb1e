import Alerts
import Foundation
import Hummingbird
import OctoCore
import OctoStore

extension API {
    /// Notifications for people: the provider's VAPID public key the browser subscribes with, the
    /// signed-in user's own push subscriptions — each a `webpush` channel the user owns — and e-mail
    /// subscriptions through one of the provider's e-mail channels, each with its opt-ins (severity,
    /// POP, quiet hours). Needs `alerts.read`: whoever may see alerts may be told of them.
    func addPushRoutes(to routes: inout RouteTable) {
        routes.get("push/vapid-public-key") { request, context in
            try context.require(.alerts, .read)
            return JSONResponse(VAPIDPublicKey(publicKey: try await inTenant(request, context) { tx in
                try await tx.notificationChannels.vapidPublicKey(secrets: secrets)
            }))
        }
        routes.get("me/push-subscriptions") { request, context in
            let user = try pushUser(context)
            let items = try await inTenant(request, context) { tx in try await tx.notificationChannels.pushSubscriptions(of: user.id) }
            return JSONResponse(Page(items: items, total: items.count, limit: max(items.count, 1), offset: 0))
        }
        routes.post("me/push-subscriptions") { request, context in
            let user = try pushUser(context)
            let input = try await request.decode(as: PushSubscriptionInput.self, context: context)
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in
                try await tx.notificationChannels.subscribePush(input, user: user.id, email: user.label, policy: configuration.pushEndpoints,
                                                               secrets: secrets, by: actor)
            }, status: .created)
        }
        routes.patch("me/push-subscriptions/:id") { request, context in
            let user = try pushUser(context)
            let id = try context.uuid()
            let input = try await request.decode(as: PushSubscriptionInput.self, context: context)
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in
                try await tx.notificationChannels.updatePush(id, input, user: user.id, secrets: secrets, by: actor)
            })
        }
        routes.delete("me/push-subscriptions/:id") { request, context in
            let user = try pushUser(context)
            let id = try context.uuid()
            let actor = try context.actor()
            try await inTenant(request, context) { tx in try await tx.notificationChannels.unsubscribePush(id, user: user.id, by: actor) }
            return NoContent()
        }
        // A test message to one of the person's own browsers (no alerts.write needed: it reaches only them).
        routes.post("me/push-subscriptions/:id/test", body: .none) { request, context in
            let user = try pushUser(context)
            let id = try context.uuid()
            let provider = try await tenant(request, context)
            try await database.withTenant(provider, logger: context.logger) { tx in try await tx.notificationChannels.ownedPush(id, user: user.id) }
            return JSONResponse(try await notifier.test(channel: id, provider: provider))
        }
        // A person's own alert e-mails, through one of the provider's e-mail channels.
        routes.get("me/email-subscriptions") { request, context in
            let user = try pushUser(context)
            let items = try await inTenant(request, context) { tx in try await tx.notificationChannels.emailSubscriptions(of: user.id) }
            return JSONResponse(Page(items: items, total: items.count, limit: max(items.count, 1), offset: 0))
        }
        routes.post("me/email-subscriptions") { request, context in
            let user = try pushUser(context)
            let input = try await request.decode(as: EmailSubscriptionInput.self, context: context)
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in
                try await tx.notificationChannels.subscribeEmail(input, user: user.id, by: actor)
            }, status: .created)
        }
        routes.patch("me/email-subscriptions/:id") { request, context in
            let user = try pushUser(context)
            let id = try context.uuid()
            let input = try await request.decode(as: EmailSubscriptionInput.self, context: context)
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in
                try await tx.notificationChannels.updateEmail(id, input, user: user.id, by: actor)
            })
        }
        routes.delete("me/email-subscriptions/:id") { request, context in
            let user = try pushUser(context)
            let id = try context.uuid()
            let actor = try context.actor()
            try await inTenant(request, context) { tx in try await tx.notificationChannels.unsubscribeEmail(id, user: user.id, by: actor) }
            return NoContent()
        }
    }

    /// The signed-in person (API keys have no browser to push to).
    func pushUser(_ context: APIContext) throws(OctoError) -> Principal {
        let principal = try context.require(.alerts, .read)
        guard principal.kind == .user else { throw OctoError(.forbidden, "subscriptions belong to people, not API keys") }
        return principal
    }
}

/// `GET /push/vapid-public-key`: the `applicationServerKey` for `PushManager.subscribe`.
struct VAPIDPublicKey: Codable, Sendable {
    /// base64url of the uncompressed P-256 point.
    var publicKey: String
}
