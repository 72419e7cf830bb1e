import Alerts
import Foundation
import Hummingbird
import OctoAuth
import OctoCore
import OctoStore

extension API {
    /// Users of the request's provider; a Global Admin without `X-Provider-Id` manages Global Admins.
    func inUserScope<T: Sendable>(_ request: Request, _ context: APIContext, _ body: (Transaction) async throws -> T) async throws -> T {
        let principal = try context.authenticated()
        if principal.isGlobalAdmin && request.headers[.init("X-Provider-Id")!] == nil {
            return try await database.withGlobal(logger: context.logger, body)
        }
        return try await inTenant(request, context, body)
    }

    func addUserRoutes(to routes: inout RouteTable) {
        routes.get("users", query: ["q"], paged: true) { request, context in
            try context.require(.users, .read)
            let page = try request.page()
            return JSONResponse(try await inUserScope(request, context) { tx in try await tx.users.list(search: request.query("q"), page: page) })
        }
        routes.get("users/:id") { request, context in
            try context.require(.users, .read)
            let id = try context.uuid()
            return JSONResponse(try await inUserScope(request, context) { tx in try await tx.users.get(id) })
        }
        routes.post("users") { request, context in
            let principal = try context.require(.users, .write)
            let input = try await request.decode(as: UserInput.self, context: context)
            let actor = try context.actor()
            let prepared = try await auth.prepareNewUser(input)
            let user = try await inUserScope(request, context) { tx in
                try await GrantRule.check(input, by: principal, in: tx)
                let user = try await auth.createUser(prepared, in: tx, by: actor)
                // The e-mail goes out before the commit: when it cannot be sent, no user is created.
                if let channel = input.inviteViaChannelId { _ = try await sendInvitation(to: user, via: channel, request, in: tx, by: actor) }
                return user
            }
            return JSONResponse(user, status: .created)
        }
        routes.post("users/:id/invitation") { request, context in
            try context.require(.users, .write)
            let id = try context.uuid()
            let body = try await request.decode(as: InvitationRequest.self, context: context)
            let actor = try context.actor()
            return JSONResponse(try await inUserScope(request, context) { tx in
                try await sendInvitation(to: try await tx.users.get(id), via: body.viaChannelId, request, in: tx, by: actor)
            }, status: .created)
        }
        routes.patch("users/:id") { request, context in
            let principal = try context.require(.users, .write)
            let id = try context.uuid()
            let input = try await request.decode(as: UserInput.self, context: context)
            guard input.inviteViaChannelId == nil else {
                throw OctoError.invalid("invite_via_channel_id", "to send a new invitation, POST /users/{id}/invitation")
            }
            guard input.status != .invited else { throw OctoError.invalid("status", "a user becomes invited only by an invitation") }
            let actor = try context.actor()
            let change = try await auth.prepareChange(of: id, input, by: principal, client: client(request, context))
            return JSONResponse(try await inUserScope(request, context) { tx in
                try await GrantRule.check(input, by: principal, in: tx)
                return try await auth.updateUser(id, change, in: tx, by: actor, principal: principal)
            })
        }
        routes.delete("users/:id") { request, context in
            let principal = try context.require(.users, .write)
            let id = try context.uuid()
            guard id != principal.id else { throw OctoError(.conflict, "you cannot delete your own account") }
            let actor = try context.actor()
            try await inUserScope(request, context) { tx in try await auth.deleteUser(id, in: tx, by: actor, principal: principal) }
            return NoContent()
        }
    }
}

/// `POST /users/{id}/invitation`: which of the provider's e-mail channels sends it.
struct InvitationRequest: Decodable, Sendable {
    var viaChannelId: UUID
}

/// `POST /auth/invitation`: the link's token.
struct InvitationTokenRequest: Decodable, Sendable {
    var token: String
}

/// `POST /auth/invitation/accept`: the link's token and the chosen password.
struct InvitationAcceptRequest: Decodable, Sendable {
    var token: String
    var password: String
}

/// What an accepted invitation answers: the account to sign in with.
struct InvitationAccepted: Encodable, Sendable {
    var email: String
}

extension API {
    /// Issues a new invitation for the invited `user` and e-mails its link through the provider's
    /// e-mail channel `channel`, in `tx`; the link points at the dashboard the request came from
    /// unless a public URL is configured.
    func sendInvitation(to user: User, via channel: UUID, _ request: Request, in tx: Transaction, by actor: Actor) async throws -> UserInvitation {
        let issued = try await auth.invite(user.id, in: tx, by: actor)
        try await notifier.sendInvitation(IssuedInvitationMail(token: issued.token, invitationId: issued.invitation.id, expiresAt: issued.invitation.expiresAt),
                                          to: user, via: channel, dashboard: dashboardURL(request), in: tx)
        return issued.invitation
    }

    /// The dashboard's address as the browser that sent `request` sees it: its `Origin`, else its host.
    func dashboardURL(_ request: Request) -> URL {
        if let origin = request.headers[.origin], let url = URL(string: origin), url.scheme == "http" || url.scheme == "https", url.host != nil {
            return url
        }
        let host = request.head.authority ?? "\(configuration.host):\(configuration.port)"
        return URL(string: "http://\(host)") ?? URL(string: "http://127.0.0.1")!
    }

    func addInvitationRoutes(to routes: inout RouteTable) {
        routes.post("auth/invitation") { request, context in
            let body = try await request.decode(as: InvitationTokenRequest.self, context: context)
            return JSONResponse(try await auth.invitation(token: body.token)).noStored()
        }
        routes.post("auth/invitation/accept") { request, context in
            let body = try await request.decode(as: InvitationAcceptRequest.self, context: context)
            let email = try await auth.acceptInvitation(token: body.token, password: body.password, client: client(request, context))
            return JSONResponse(InvitationAccepted(email: email)).noStored()
        }
    }
}
