import Foundation
import Hummingbird
import OctoCore
import OctoStore

extension API {
    /// Providers: Global Admins manage all of them on the global path; other users see their own.
    func addProviderRoutes(to routes: inout RouteTable) {
        routes.get("providers", query: ["q"], paged: true) { request, context in
            let principal = try context.require(.providers, .read)
            let page = try request.page()
            if principal.isGlobalAdmin {
                return JSONResponse(try await database.withGlobal(logger: context.logger) { tx in
                    try await tx.providers.list(search: request.query("q"), page: page)
                })
            }
            return JSONResponse(try await inTenant(request, context) { tx in
                try await tx.providers.list(search: request.query("q"), page: page)
            })
        }
        routes.get("providers/:id") { request, context in
            let principal = try context.require(.providers, .read)
            let id = try context.uuid()
            if principal.isGlobalAdmin {
                return JSONResponse(try await database.withGlobal { tx in try await tx.providers.get(id) })
            }
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.providers.get(id) })
        }
        routes.post("providers") { request, context in
            try requireGlobalAdmin(context)
            let input = try await request.decode(as: ProviderInput.self, context: context)
            let actor = try context.actor()
            let provider = try await database.withGlobal(logger: context.logger) { tx in try await tx.providers.create(input, by: actor) }
            return JSONResponse(provider, status: .created)
        }
        routes.patch("providers/:id") { request, context in
            try requireGlobalAdmin(context)
            let id = try context.uuid()
            let input = try await request.decode(as: ProviderPatch.self, context: context)
            let actor = try context.actor()
            return JSONResponse(try await database.withGlobal(logger: context.logger) { tx in try await tx.providers.update(id, input, by: actor) })
        }
        routes.delete("providers/:id") { request, context in
            try requireGlobalAdmin(context)
            let id = try context.uuid()
            let actor = try context.actor()
            return JSONResponse(try await database.withGlobal(logger: context.logger) { tx in try await tx.providers.suspend(id, by: actor) })
        }
    }

    func requireGlobalAdmin(_ context: APIContext) throws(OctoError) {
        let principal = try context.require(.providers, .write)
        guard principal.isGlobalAdmin else { throw OctoError(.forbidden, "only Global Admins manage providers") }
    }
}
