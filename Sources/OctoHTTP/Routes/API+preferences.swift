import Foundation
import Hummingbird
import OctoAuth
import OctoCore
import OctoStore

extension API {
    /// The signed-in person's own dashboard preferences: theme, language, density, time zone, default
    /// POP and set-up checklist progress. Kept where the person's user row is (their provider, or the
    /// global path for a Global Admin), never in the provider named by `X-Provider-Id`. People only:
    /// an API key has no dashboard.
    func addPreferenceRoutes(to routes: inout RouteTable) {
        routes.get("me/preferences") { request, context in
            let user = try preferenceUser(context)
            return JSONResponse(try await auth.inScope(user.providerID) { tx in try await tx.preferences.get(user: user.id) })
        }
        routes.patch("me/preferences") { request, context in
            let user = try preferenceUser(context)
            let input = try await request.decode(as: UserPreferencesInput.self, context: context)
            return JSONResponse(try await auth.inScope(user.providerID) { tx in try await tx.preferences.update(user: user.id, input) })
        }
    }

    /// The signed-in person (API keys have no preferences).
    func preferenceUser(_ context: APIContext) throws(OctoError) -> Principal {
        let principal = try context.authenticated()
        guard principal.kind == .user else { throw OctoError(.forbidden, "preferences belong to people, not API keys") }
        return principal
    }
}
