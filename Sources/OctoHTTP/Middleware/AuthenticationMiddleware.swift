import Hummingbird
import OctoAuth
import Logging
import OctoCore

/// Resolves `Authorization: Bearer <jwt>`, `Authorization: ApiKey <key>` or `X-API-Key: <key>` into
/// the context's principal. Bad credentials are refused at once; no credentials leave the principal
/// empty for handlers to refuse (public endpoints need none).
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let auth: AuthService

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        var context = context
        // `/metrics` checks its own static token, not a user's.
        if request.uri.path == "/metrics" { return try await next(request, context) }
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { throw OctoError(.unauthenticated, "malformed Authorization header") }
            switch parts[0].lowercased() {
            case "bearer": context.principal = try await auth.principal(accessToken: String(parts[1]))
            case "apikey": context.principal = try await auth.principal(apiKey: String(parts[1]))
            default: throw OctoError(.unauthenticated, "unsupported authorization scheme")
            }
        } else if let key = request.headers[.init("X-API-Key")!] {
            context.principal = try await auth.principal(apiKey: key)
        }
        if let principal = context.principal {
            context.logger[metadataKey: "principal.id"] = .string(principal.id.lowercased)
            if let provider = principal.providerID { context.logger[metadataKey: "provider.id"] = .string(provider.lowercased) }
        }
        return try await next(request, context)
    }
}
