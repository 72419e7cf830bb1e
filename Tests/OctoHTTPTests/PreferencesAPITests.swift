import Foundation
import OctoCore
import OctoStore
import OctoTestSupport
import PostgresNIO
import Testing

/// A person's dashboard preferences through `/me/preferences` on real PostgreSQL: the round trip,
/// refused input that names the field and changes nothing, and preferences that stay the person's own.
@Suite(.serialized) struct PreferencesAPITests {
    @Test func preferencesRoundTripAndBadInputChangesNothing() async throws {
        try await APIHarness.with(configure: ContractTests.unlimited) { harness in
            let provider = try await harness.stack.makeProvider("prefs")
            try await harness.stack.makeUser("noc@prefs.test", role: .noc, provider: provider.id)
            let noc = try await harness.login("noc@prefs.test")
            let pop = try await harness.stack.database.withTenant(provider.id) { tx in try await tx.pops.create(PopInput(name: "Centro"), by: .system) }

            // The defaults before any change: the user's language, the browser's zone, no POP.
            let defaults = try await harness.call(.get, "/api/v1/me/preferences", token: noc)
            #expect(defaults.status == .ok)
            #expect(defaults["theme"] == .string("system") && defaults["density"] == .string("comfortable") && defaults["locale"] == .string("pt-BR"))
            #expect(defaults["time_zone"] == .null && defaults["default_pop_id"] == .null && defaults["updated_at"] == .null)

            let changed = try await harness.call(.patch, "/api/v1/me/preferences", token: noc, json: """
                {"theme": "dark", "locale": "en", "density": "compact", "time_zone": "America/Manaus",
                 "default_pop_id": "\(pop.id.lowercased)", "help_progress": {"provisioning": ["cpe-credential", "template", "template"]}}
                """)
            #expect(changed.status == .ok, "\(String(describing: changed.json))")
            let read = try await harness.call(.get, "/api/v1/me/preferences", token: noc)
            #expect(read["theme"] == .string("dark") && read["locale"] == .string("en") && read["density"] == .string("compact"))
            #expect(read["time_zone"] == .string("America/Manaus") && read["default_pop_id"] == .string(pop.id.lowercased))
            #expect(read["help_progress"] == .object(["provisioning": .array([.string("cpe-credential"), .string("template")])]), "duplicates dropped")
            #expect(read["updated_at"] != .null)
            // The language is the user's own, which e-mails follow too.
            #expect(try await harness.call(.get, "/api/v1/me", token: noc)["user"].flatMap { value -> JSONValue? in
                guard case .object(let user) = value else { return nil }
                return user["locale"]
            } == .string("en"))

            // A partial change keeps the rest; a module listed replaces only its own steps; an empty list clears it.
            let partial = try await harness.call(.patch, "/api/v1/me/preferences", token: noc,
                                                 json: #"{"theme": "light", "help_progress": {"devices": ["device"]}}"#)
            #expect(partial["theme"] == .string("light") && partial["density"] == .string("compact"))
            #expect(partial["help_progress"] == .object(["provisioning": .array([.string("cpe-credential"), .string("template")]),
                                                         "devices": .array([.string("device")])]))
            // A backward link that browsers still list is a zone too.
            #expect(try await harness.call(.patch, "/api/v1/me/preferences", token: noc, json: #"{"time_zone": "Asia/Calcutta"}"#)["time_zone"] == .string("Asia/Calcutta"))
            let cleared = try await harness.call(.patch, "/api/v1/me/preferences", token: noc,
                                                 json: #"{"time_zone": null, "default_pop_id": null, "help_progress": {"provisioning": []}}"#)
            #expect(cleared["time_zone"] == .null && cleared["default_pop_id"] == .null)
            #expect(cleared["help_progress"] == .object(["devices": .array([.string("device")])]))

            // Refused input names the field and changes nothing.
            let before = try await harness.call(.get, "/api/v1/me/preferences", token: noc).json
            let tooMany = "{" + (0..<33).map { #""m\#($0)": ["a"]"# }.joined(separator: ", ") + "}"
            let longList = "[" + (0..<33).map { #""s\#($0)""# }.joined(separator: ", ") + "]"
            let bad: [(String, String)] = [
                (#"{"theme": "blue"}"#, "theme"),
                (#"{"locale": "fr"}"#, "locale"),
                (#"{"density": "tiny"}"#, "density"),
                (#"{"time_zone": "Mars/Olympus", "theme": "dark"}"#, "time_zone"),
                (#"{"time_zone": "EST"}"#, "time_zone"),
                (#"{"time_zone": "GMT+3"}"#, "time_zone"),
                (#"{"time_zone": "America/Nowhere"}"#, "time_zone"),
                (#"{"default_pop_id": "\#(UUID().lowercased)", "theme": "dark"}"#, "default_pop_id"),
                (#"{"default_pop_id": "centro"}"#, "default_pop_id"),
                (#"{"help_progress": \#(tooMany)}"#, "help_progress"),
                (#"{"help_progress": {"devices": \#(longList)}}"#, "help_progress.devices"),
                (#"{"help_progress": {"devices": ["Not An Id"]}}"#, "help_progress.devices"),
                (#"{"help_progress": {"Bad Module": ["a"]}}"#, "help_progress"),
                (#"{"theme": "dark", "colour": "red"}"#, "colour"),
            ]
            for (body, field) in bad {
                let refused = try await harness.call(.patch, "/api/v1/me/preferences", token: noc, json: body)
                #expect(refused.status == .badRequest && refused.errorField == field, "\(body): \(refused.status) \(String(describing: refused.json))")
            }
            #expect(try await harness.call(.get, "/api/v1/me/preferences", token: noc).json == before, "refused input changed nothing")
        }
    }

    @Test func preferencesAreTheirOwnersAlone() async throws {
        try await APIHarness.with(configure: ContractTests.unlimited) { harness in
            let alfa = try await harness.stack.makeProvider("alfa")
            let beta = try await harness.stack.makeProvider("beta")
            try await harness.stack.makeUser("admin@alfa.test", role: .providerAdmin, provider: alfa.id)
            try await harness.stack.makeUser("viewer@alfa.test", role: .viewer, provider: alfa.id)
            try await harness.stack.makeUser("noc@beta.test", role: .noc, provider: beta.id)
            try await harness.stack.makeUser("root@octoisp.test", role: .globalAdmin, provider: nil)
            let admin = try await harness.login("admin@alfa.test")
            let viewer = try await harness.login("viewer@alfa.test")
            let betaNOC = try await harness.login("noc@beta.test")
            let root = try await harness.login("root@octoisp.test")
            let alfaPop = try await harness.stack.database.withTenant(alfa.id) { tx in try await tx.pops.create(PopInput(name: "Alfa Centro"), by: .system) }

            let set = try await harness.call(.patch, "/api/v1/me/preferences", token: admin,
                                             json: #"{"theme": "dark", "default_pop_id": "\#(alfaPop.id.lowercased)", "help_progress": {"admin": ["user"]}}"#)
            #expect(set.status == .ok)
            // A colleague in the same provider, a user of another provider and a Global Admin acting in
            // the provider each see their own defaults, not the admin's.
            for token in [viewer, betaNOC] {
                let other = try await harness.call(.get, "/api/v1/me/preferences", token: token)
                #expect(other["theme"] == .string("system") && other["default_pop_id"] == .null && other["help_progress"] == .object([:]))
            }
            let rootOwn = try await harness.call(.get, "/api/v1/me/preferences", token: root, provider: alfa.id)
            #expect(rootOwn.status == .ok && rootOwn["theme"] == .string("system"))
            // The viewer may keep preferences (a read-only role still has a dashboard).
            #expect(try await harness.call(.patch, "/api/v1/me/preferences", token: viewer, json: #"{"density": "compact"}"#).status == .ok)
            // Another provider's POP is not one the user can see.
            let foreign = try await harness.call(.patch, "/api/v1/me/preferences", token: betaNOC, json: #"{"default_pop_id": "\#(alfaPop.id.lowercased)"}"#)
            #expect(foreign.status == .badRequest && foreign.errorField == "default_pop_id")
            // A Global Admin's preferences live on the global path, whichever provider they act in.
            let rootSet = try await harness.call(.patch, "/api/v1/me/preferences", token: root, provider: beta.id, json: #"{"theme": "light"}"#)
            #expect(rootSet.status == .ok, "\(String(describing: rootSet.json))")
            #expect(try await harness.call(.get, "/api/v1/me/preferences", token: root)["theme"] == .string("light"))
            #expect(try await harness.call(.get, "/api/v1/me/preferences", token: admin)["theme"] == .string("dark"), "unchanged by the others")
            // Under RLS a provider's transaction reaches only its own users' rows.
            let visible = try await harness.stack.database.withTenant(beta.id) { tx in
                var count = -1
                for try await n in try await tx.query("SELECT count(*)::int FROM user_preferences").decode(Int.self) { count = n }
                return count
            }
            #expect(visible == 0)
            // An API key has no dashboard.
            let key = try await harness.call(.post, "/api/v1/api-keys", token: admin, json: #"{"name": "ERP", "role_key": "viewer"}"#)
            let secret = try #require(key.string("key"))
            #expect(try await harness.call(.get, "/api/v1/me/preferences", token: secret).status == .forbidden)
            // Deleting the POP clears it from the preferences.
            try await harness.stack.database.withTenant(alfa.id) { tx in try await tx.query("DELETE FROM pops WHERE id = \(alfaPop.id)") }
            #expect(try await harness.call(.get, "/api/v1/me/preferences", token: admin)["default_pop_id"] == .null)
        }
    }
}
