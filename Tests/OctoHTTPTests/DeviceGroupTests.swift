import Foundation
import HTTPTypes
import OctoCore
import OctoHTTP
import OctoStore
import OctoTestSupport
import Testing

/// Device tags, static and dynamic device groups, and sorted device lists, through the API on the
/// real PostgreSQL: RBAC, audit in the same transaction, tenant isolation.
@Suite struct DeviceGroupTests {
    static func ids(_ response: APIResponse) -> [String] {
        response.items.compactMap { $0.string("id") }
    }

    static func names(_ response: APIResponse) -> [String] {
        response.items.compactMap { $0.string("name") }
    }

    @Test func tagsStaticAndDynamicGroupsAndSort() async throws {
        try await APIHarness.with { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            try await harness.stack.makeUser("admin@alfa.test", role: .providerAdmin, provider: provider.id)
            try await harness.stack.makeUser("viewer@alfa.test", role: .viewer, provider: provider.id)
            let token = try await harness.login("admin@alfa.test")
            let viewer = try await harness.login("viewer@alfa.test")
            let pop = try #require(try await harness.call(.post, "/api/v1/pops", token: token, json: #"{"name": "Centro"}"#).string("id"))
            func device(_ name: String, _ extra: String) async throws -> String {
                let created = try await harness.call(.post, "/api/v1/devices", token: token, json: #"{"name": "\#(name)", \#(extra)}"#)
                #expect(created.status == .created, "\(created.json as Any)")
                return try #require(created.string("id"))
            }
            let a = try await device("ONT A", #""vendor": "Acme", "model": "X1", "kind": "ont", "pop_id": "\#(pop)", "tags": ["vip", "fiber", "vip"]"#)
            let b = try await device("ONT B", #""vendor": "acme", "model": "X2", "kind": "ont", "tags": ["fiber"]"#)
            let c = try await device("Router C", #""vendor": "Other", "kind": "router""#)

            // Tags: normalised, filterable, replaced by PATCH, validated.
            let read = try await harness.call(.get, "/api/v1/devices/\(a)", token: token)
            #expect(read["tags"] == .array([.string("fiber"), .string("vip")]))
            #expect(Self.ids(try await harness.call(.get, "/api/v1/devices?tag=fiber", token: token)).sorted() == [a, b].sorted())
            #expect(Self.ids(try await harness.call(.get, "/api/v1/devices?tag=vip", token: token)) == [a])
            let retag = try await harness.call(.patch, "/api/v1/devices/\(c)", token: token, json: #"{"tags": ["fiber"]}"#)
            #expect(retag["tags"] == .array([.string("fiber")]))
            let badTag = try await harness.call(.patch, "/api/v1/devices/\(c)", token: token, json: #"{"tags": ["two words"]}"#)
            #expect(badTag.status == .badRequest && badTag.errorField == "tags")
            let untag = try await harness.call(.patch, "/api/v1/devices/\(c)", token: token, json: #"{"tags": []}"#)
            #expect(untag["tags"] == .array([]))

            // Sort: whitelisted keys, descending with '-', unknown keys refused.
            #expect(Self.names(try await harness.call(.get, "/api/v1/devices?sort=-name", token: token)) == ["Router C", "ONT B", "ONT A"])
            #expect(Self.names(try await harness.call(.get, "/api/v1/devices?sort=kind&limit=2", token: token)).sorted() == ["ONT A", "ONT B"])
            #expect(Self.names(try await harness.call(.get, "/api/v1/devices?sort=-kind&limit=1", token: token)) == ["Router C"])
            let badSort = try await harness.call(.get, "/api/v1/devices?sort=password", token: token)
            #expect(badSort.status == .badRequest && badSort.errorField == "sort")
            // Oldest first is exactly the reverse of the default (newest first, id breaking ties).
            let oldest = try await harness.call(.get, "/api/v1/audit?sort=at&limit=500", token: token).items
            let newest = try await harness.call(.get, "/api/v1/audit?limit=500", token: token).items
            #expect(oldest.count >= 4 && oldest == newest.reversed())

            // A static group with members, changed by hand.
            let staticGroup = try await harness.call(.post, "/api/v1/device-groups", token: token,
                                                     json: #"{"name": "VIP", "description": "key accounts", "device_ids": ["\#(a.uppercased())"]}"#)
            #expect(staticGroup.status == .created, "\(staticGroup.json as Any)")
            #expect(staticGroup.string("kind") == "static")
            #expect(staticGroup["device_count"] == .number(1))
            let s = try #require(staticGroup.string("id"))
            let added = try await harness.call(.post, "/api/v1/device-groups/\(s)/members", token: token, json: #"{"add": ["\#(c)"], "remove": ["\#(a)"]}"#)
            #expect(added["device_count"] == .number(1))
            #expect(Self.ids(try await harness.call(.get, "/api/v1/device-groups/\(s)/devices", token: token)) == [c])
            #expect(Self.ids(try await harness.call(.get, "/api/v1/devices?group_id=\(s)", token: token)) == [c])
            let unknownDevice = try await harness.call(.post, "/api/v1/device-groups/\(s)/members", token: token, json: #"{"add": ["\#(UUID().lowercased)"]}"#)
            #expect(unknownDevice.status == .notFound)

            // A dynamic group: every Acme device, then only the fiber-tagged ones of the POP.
            let dynamic = try await harness.call(.post, "/api/v1/device-groups", token: token,
                                                 json: #"{"name": "Acme", "kind": "dynamic", "filter": {"vendor": "ACME"}}"#)
            #expect(dynamic.status == .created, "\(dynamic.json as Any)")
            #expect(dynamic["device_count"] == .number(2))
            let d = try #require(dynamic.string("id"))
            #expect(Self.ids(try await harness.call(.get, "/api/v1/device-groups/\(d)/devices?sort=name", token: token)) == [a, b])
            #expect(Self.ids(try await harness.call(.get, "/api/v1/device-groups/\(d)/devices?model=X2", token: token)) == [b])
            let narrowed = try await harness.call(.patch, "/api/v1/device-groups/\(d)", token: token,
                                                  json: #"{"filter": {"pop_id": "\#(pop)", "tag": "fiber", "kind": "ont"}}"#)
            #expect(narrowed["device_count"] == .number(1))
            #expect(Self.ids(try await harness.call(.get, "/api/v1/device-groups/\(d)/devices", token: token)) == [a])
            let noMembers = try await harness.call(.post, "/api/v1/device-groups/\(d)/members", token: token, json: #"{"add": ["\#(b)"]}"#)
            #expect(noMembers.status == .conflict)
            let emptyRule = try await harness.call(.post, "/api/v1/device-groups", token: token, json: #"{"name": "E", "kind": "dynamic", "filter": {}}"#)
            #expect(emptyRule.status == .badRequest && emptyRule.errorField == "filter")
            let duplicate = try await harness.call(.post, "/api/v1/device-groups", token: token, json: #"{"name": "VIP"}"#)
            #expect(duplicate.status == .conflict)
            let list = try await harness.call(.get, "/api/v1/device-groups", token: token)
            #expect(Self.names(list) == ["Acme", "VIP"] && list["total"] == .number(2))

            // RBAC: viewers read, do not change.
            #expect(try await harness.call(.get, "/api/v1/device-groups/\(d)", token: viewer).status == .ok)
            #expect(try await harness.call(.post, "/api/v1/device-groups", token: viewer, json: #"{"name": "V"}"#).status == .forbidden)
            #expect(try await harness.call(.delete, "/api/v1/device-groups/\(s)", token: viewer).status == .forbidden)

            // Delete: the group goes, the devices stay.
            #expect(try await harness.call(.delete, "/api/v1/device-groups/\(s)", token: token).status == .noContent)
            #expect(try await harness.call(.get, "/api/v1/device-groups/\(s)", token: token).status == .notFound)
            #expect(try await harness.call(.get, "/api/v1/devices/\(c)", token: token).status == .ok)

            // Every change was audited in its transaction.
            let actions = try await harness.stack.database.withTenant(provider.id) { tx in
                try await tx.auditLog.list(AuditFilter(action: "device_group."), page: try PageRequest(limit: 50)).items.map(\.action)
            }
            #expect(actions.sorted() == ["device_group.create", "device_group.create", "device_group.delete", "device_group.members",
                                         "device_group.update"])
        }
    }

    @Test func groupsAreInvisibleToOtherProviders() async throws {
        try await APIHarness.with { harness in
            let a = try await harness.stack.makeProvider("alfa")
            let b = try await harness.stack.makeProvider("beta")
            try await harness.stack.makeUser("admin@alfa.test", role: .providerAdmin, provider: a.id)
            try await harness.stack.makeUser("admin@beta.test", role: .providerAdmin, provider: b.id)
            let tokenA = try await harness.login("admin@alfa.test")
            let tokenB = try await harness.login("admin@beta.test")
            let deviceA = try #require(try await harness.call(.post, "/api/v1/devices", token: tokenA, json: #"{"name": "ONT", "vendor": "Acme"}"#).string("id"))
            let groupA = try #require(try await harness.call(.post, "/api/v1/device-groups", token: tokenA,
                                                             json: #"{"name": "G", "device_ids": ["\#(deviceA)"]}"#).string("id"))
            _ = try await harness.call(.post, "/api/v1/device-groups", token: tokenB, json: #"{"name": "Acme B", "kind": "dynamic", "filter": {"vendor": "Acme"}}"#)
            #expect(try await harness.call(.get, "/api/v1/device-groups/\(groupA)", token: tokenB).status == .notFound)
            #expect(try await harness.call(.get, "/api/v1/device-groups/\(groupA)/devices", token: tokenB).status == .notFound)
            #expect(try await harness.call(.patch, "/api/v1/device-groups/\(groupA)", token: tokenB, json: #"{"name": "x"}"#).status == .notFound)
            #expect(try await harness.call(.delete, "/api/v1/device-groups/\(groupA)", token: tokenB).status == .notFound)
            #expect(try await harness.call(.get, "/api/v1/devices?group_id=\(groupA)", token: tokenB).items.isEmpty)
            // B's group cannot take A's device, and B's dynamic rule never matches A's devices.
            let groupB = try #require(try await harness.call(.post, "/api/v1/device-groups", token: tokenB, json: #"{"name": "S"}"#).string("id"))
            #expect(try await harness.call(.post, "/api/v1/device-groups/\(groupB)/members", token: tokenB,
                                           json: #"{"add": ["\#(deviceA)"]}"#).status == .notFound)
            let listB = try await harness.call(.get, "/api/v1/device-groups", token: tokenB)
            #expect(listB.items.first { $0.string("name") == "Acme B" }?.string("kind") == "dynamic")
            #expect(listB.items.allSatisfy { item in
                guard case .object(let object) = item else { return false }
                return object["device_count"] == .number(0)
            })
        }
    }
}
