import Foundation
import Hummingbird
import OctoAuth
import OctoCore
import OctoStore

struct LoginRequest: Decodable, Sendable {
    var email: String
    var password: String
    var totpCode: String?
}

struct RefreshRequest: Decodable, Sendable {
    var refreshToken: String
}

struct TOTPCodeRequest: Decodable, Sendable {
    var code: String
    /// The caller's current password.
    var password: String?
}

struct TOTPSetupResponse: Encodable, Sendable {
    var secret: String
    var otpauthUri: String
}

/// What `/me` returns: the user (or key), the provider and the effective permissions.
struct MeResponse: Encodable, Sendable {
    var kind: Principal.Kind
    var id: UUID
    var label: String
    var providerId: UUID?
    var role: String
    var globalAdmin: Bool
    var permissions: [Permission]
    var user: User?
}

extension API {
    func client(_ request: Request, _ context: APIContext) -> ClientInfo {
        ClientInfo(ip: context.clientIP, userAgent: request.headers[.userAgent], requestId: context.requestId)
    }

    func addAuthRoutes(to routes: inout RouteTable) {
        routes.post("auth/login") { request, context in
            let body = try await request.decode(as: LoginRequest.self, context: context)
            let pair = try await auth.login(email: body.email, password: body.password, totpCode: body.totpCode, client: client(request, context))
            return JSONResponse(pair).noStored()
        }
        routes.post("auth/refresh") { request, context in
            let body = try await request.decode(as: RefreshRequest.self, context: context)
            return JSONResponse(try await auth.refresh(body.refreshToken, client: client(request, context))).noStored()
        }
        routes.post("auth/logout") { request, context in
            let body = try await request.decode(as: RefreshRequest.self, context: context)
            try await auth.logout(body.refreshToken, client: client(request, context))
            return NoContent()
        }
        routes.post("auth/totp/setup", body: .none) { request, context in
            let principal = try context.authenticated()
            let setup = try await auth.beginTOTP(for: principal)
            return JSONResponse(TOTPSetupResponse(secret: setup.secret, otpauthUri: setup.uri)).noStored()
        }
        routes.post("auth/totp/enable") { request, context in
            let body = try await request.decode(as: TOTPCodeRequest.self, context: context)
            try await auth.confirmTOTP(for: try context.authenticated(), code: body.code, password: body.password, enable: true, client: client(request, context))
            return NoContent()
        }
        routes.post("auth/totp/disable") { request, context in
            let body = try await request.decode(as: TOTPCodeRequest.self, context: context)
            try await auth.confirmTOTP(for: try context.authenticated(), code: body.code, password: body.password, enable: false, client: client(request, context))
            return NoContent()
        }
        routes.get("me") { request, context in
            let principal = try context.authenticated()
            var user: User?
            if principal.kind == .user {
                user = try await auth.inScope(principal.providerID) { tx in try await tx.users.get(principal.id) }
            }
            return JSONResponse(MeResponse(kind: principal.kind, id: principal.id, label: principal.label,
                                           providerId: principal.providerID, role: principal.roleKey,
                                           globalAdmin: principal.isGlobalAdmin, permissions: principal.permissions.sorted(),
                                           user: user))
        }
    }
}
