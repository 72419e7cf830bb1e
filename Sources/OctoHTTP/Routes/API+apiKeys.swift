import Foundation
import Hummingbird
import OctoAuth
import OctoCore
import OctoStore

struct CreatedApiKey: Encodable, Sendable {
    var apiKey: ApiKey
    /// The full key; shown once.
    var key: String
}

extension API {
    func addApiKeyRoutes(to routes: inout RouteTable) {
        routes.get("api-keys", paged: true) { request, context in
            try context.require(.settings, .read)
            let page = try request.page()
            return JSONResponse(try await inTenant(request, context) { tx in Page(slicing: try await tx.apiKeys.list(), page) })
        }
        routes.post("api-keys") { request, context in
            let principal = try context.require(.settings, .write)
            let input = try await request.decode(as: ApiKeyInput.self, context: context)
            let actor = try context.actor()
            let created = try await inTenant(request, context) { tx in
                let role = try await tx.roles.get(key: input.roleKey ?? PredefinedRole.viewer.key)
                try GrantRule.check(Set(role.permissions), by: principal)
                return try await auth.createApiKey(input, in: tx, by: actor)
            }
            return JSONResponse(CreatedApiKey(apiKey: created.key, key: created.secret), status: .created).noStored()
        }
        routes.delete("api-keys/:id") { request, context in
            try context.require(.settings, .write)
            let id = try context.uuid()
            let actor = try context.actor()
            try await inTenant(request, context) { tx in try await tx.apiKeys.revoke(id, by: actor) }
            return NoContent()
        }
    }
}
