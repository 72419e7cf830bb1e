import Foundation
import HTTPTypes
import OctoAuth
import OctoCore
import OctoStore
import OctoTestSupport
import Testing

/// Provider A's users and keys probe provider B's rows through the API: every attempt is refused as
/// if the row did not exist, and B's rows stay unchanged.
@Suite struct IsolationTests {
    struct World: Sendable {
        var a: Provider
        var b: Provider
        var popB: UUID
        var customerB: UUID
        var deviceB: UUID
        var userB: UUID
        var auditRowsB: Int
    }

    static func build(_ harness: APIHarness) async throws -> World {
        let stack = harness.stack
        let a = try await stack.makeProvider("alfa")
        let b = try await stack.makeProvider("beta")
        try await stack.makeUser("admin@alfa.test", role: .providerAdmin, provider: a.id)
        let userB = try await stack.makeUser("admin@beta.test", role: .providerAdmin, provider: b.id)
        let (pop, customer, device) = try await stack.database.withTenant(b.id) { tx in
            let pop = try await tx.pops.create(PopInput(name: "Beta POP"), by: .system)
            let customer = try await tx.customers.create(CustomerInput(name: "Beta Customer", popId: .value(pop.id)), by: .system)
            let device = try await tx.devices.create(DeviceInput(name: "Beta ONT", kind: .ont, popId: .value(pop.id),
                                                                 customerId: .value(customer.id), serialNumber: "BETA0001"), by: .system)
            return (pop.id, customer.id, device.id)
        }
        let auditRows = try await stack.database.withTenant(b.id) { tx in try await tx.auditLog.list(AuditFilter(), page: PageRequest()).total }
        return World(a: a, b: b, popB: pop, customerB: customer, deviceB: device, userB: userB.id, auditRowsB: auditRows)
    }

    static func credentials(_ harness: APIHarness, _ world: World) async throws -> [(String, String)] {
        let token = try await harness.login("admin@alfa.test")
        let key = try await harness.stack.database.withTenant(world.a.id) { tx in
            try await harness.stack.auth.createApiKey(ApiKeyInput(name: "alfa-erp", roleKey: "provider_admin"), in: tx, by: .system).secret
        }
        return [("user", token), ("api key", key)]
    }

    @Test func otherProvidersRowsCannotBeReadChangedOrDeleted() async throws {
        try await APIHarness.with { harness in
            let world = try await Self.build(harness)
            for (kind, token) in try await Self.credentials(harness, world) {
                let targets = [("pops", world.popB), ("customers", world.customerB), ("devices", world.deviceB), ("users", world.userB)]
                for (collection, id) in targets {
                    let path = "/api/v1/\(collection)/\(id.lowercased)"
                    let read = try await harness.call(.get, path, token: token)
                    #expect(read.status == .notFound, "\(kind) read \(collection): \(read.status)")
                    let update = try await harness.call(.patch, path, token: token, json: #"{"name": "hijacked"}"#)
                    #expect(update.status == .notFound, "\(kind) update \(collection): \(update.status)")
                    let delete = try await harness.call(.delete, path, token: token)
                    #expect(delete.status == .notFound, "\(kind) delete \(collection): \(delete.status)")
                    // Same answer as for an id that exists nowhere: no hint.
                    let nowhere = try await harness.call(.get, "/api/v1/\(collection)/\(UUID().lowercased)", token: token)
                    #expect(nowhere.json?.string("error") == read.json?.string("error"))
                    #expect(nowhere.errorCode == read.errorCode)
                }
                for collection in ["pops", "customers", "devices", "users", "audit"] {
                    let list = try await harness.call(.get, "/api/v1/\(collection)?limit=500", token: token)
                    #expect(list.status == .ok)
                    let leaked = list.items.filter { $0.string("provider_id")?.lowercased() == world.b.id.lowercased }
                    #expect(leaked.isEmpty, "\(kind) listed \(leaked.count) of beta's \(collection)")
                }
                // Naming provider B in X-Provider-Id does not switch a provider user's tenant.
                let switched = try await harness.call(.get, "/api/v1/devices/\(world.deviceB.lowercased)", token: token, provider: world.b.id)
                #expect(switched.status == .notFound)
                // Pointing a new row of A at B's POP is refused without creating anything.
                let planted = try await harness.call(.post, "/api/v1/devices", token: token, json: #"{"name": "x", "pop_id": "\#(world.popB.lowercased)"}"#)
                #expect(planted.status == .badRequest)
                #expect(planted.errorField == "pop_id")
            }
            // Beta's rows are untouched.
            let (device, customer, pop, audit) = try await harness.stack.database.withTenant(world.b.id) { tx in
                (try await tx.devices.get(world.deviceB), try await tx.customers.get(world.customerB), try await tx.pops.get(world.popB),
                 try await tx.auditLog.list(AuditFilter(), page: PageRequest()).total)
            }
            #expect(device.name == "Beta ONT")
            #expect(customer.name == "Beta Customer")
            #expect(pop.name == "Beta POP")
            #expect(audit == world.auditRowsB)
            let alphaDevices = try await harness.stack.database.withTenant(world.a.id) { tx in try await tx.devices.list(DeviceFilter(), page: PageRequest()).total }
            #expect(alphaDevices == 0)
        }
    }

    @Test func globalAdminActsInTheProviderNamedByTheHeader() async throws {
        try await APIHarness.with { harness in
            let world = try await Self.build(harness)
            try await harness.stack.makeUser("root@octoisp.test", role: .globalAdmin, provider: nil)
            let token = try await harness.login("root@octoisp.test")
            let missing = try await harness.call(.get, "/api/v1/devices", token: token)
            #expect(missing.status == .badRequest)
            #expect(missing.errorField == "X-Provider-Id")
            let inB = try await harness.call(.get, "/api/v1/devices", token: token, provider: world.b.id)
            #expect(inB.items.count == 1)
            let inA = try await harness.call(.get, "/api/v1/devices", token: token, provider: world.a.id)
            #expect(inA.items.isEmpty)
            let unknown = try await harness.call(.get, "/api/v1/devices", token: token, provider: UUID())
            #expect(unknown.status == .notFound)
            // Providers are a Global Admin's to create; the action lands in the platform audit chain.
            let created = try await harness.call(.post, "/api/v1/providers", token: token, json: #"{"slug": "gama-net", "name": "Gama Net"}"#)
            #expect(created.status == .created)
            let platform = try await harness.call(.get, "/api/v1/audit?action=provider.create", token: token)
            #expect(platform.items.contains { $0.string("target_id") == created.string("id")?.lowercased() })
        }
    }
}
