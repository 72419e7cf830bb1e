import Foundation
import OctoCore
import Testing

@Suite struct PermissionTests {
    @Test func catalogKeysRoundTrip() {
        for permission in Permission.catalog {
            #expect(Permission(key: permission.key) == permission)
        }
        #expect(Permission.catalog.count == Set(Permission.catalog).count)
    }

    @Test(arguments: ["devices", "devices.fly", "nothing.read", "users.execute", "devices.read.extra", ""])
    func unknownKeysAreRefused(key: String) {
        #expect(Permission(key: key) == nil)
    }

    @Test func globalAdminHoldsEverythingAndProviderAdminAllButProviderWrites() {
        #expect(PredefinedRole.globalAdmin.permissions == Set(Permission.catalog))
        #expect(!PredefinedRole.providerAdmin.permissions.contains(Permission(.providers, .write)))
        #expect(PredefinedRole.providerAdmin.permissions.contains(Permission(.users, .write)))
    }

    @Test func viewerOnlyReads() {
        #expect(PredefinedRole.viewer.permissions.allSatisfy { $0.action == .read })
        #expect(!PredefinedRole.viewer.permissions.contains(Permission(.users, .read)))
        #expect(!PredefinedRole.viewer.permissions.contains(Permission(.audit, .read)))
    }

    @Test func nocCannotManageUsersAndTechnicianCannotProvision() {
        #expect(!PredefinedRole.noc.permissions.contains(Permission(.users, .write)))
        #expect(PredefinedRole.noc.permissions.contains(Permission(.devices, .execute)))
        #expect(!PredefinedRole.technician.permissions.contains(Permission(.provisioning, .write)))
        #expect(PredefinedRole.technician.permissions.contains(Permission(.tools, .execute)))
    }

    @Test func effectivePermissionsApplyGrantsThenRevocations() {
        let role: Set<Permission> = [Permission(.devices, .read), Permission(.devices, .write)]
        let effective = Principal.effectivePermissions(role: role, grants: [Permission(.tools, .execute)],
                                                       revocations: [Permission(.devices, .write)])
        #expect(effective == [Permission(.devices, .read), Permission(.tools, .execute)])
    }

    @Test func pageRequestBounds() throws {
        #expect(try PageRequest().limit == 50)
        #expect(throws: OctoError.self) { try PageRequest(limit: 0) }
        #expect(throws: OctoError.self) { try PageRequest(limit: 501) }
        #expect(throws: OctoError.self) { try PageRequest(offset: -1) }
    }

    @Test func nullableTellsAbsentFromNull() throws {
        let decoder = OctoJSON.decoder
        let absent = try decoder.decode(DeviceInput.self, from: Data(#"{"name":"a"}"#.utf8))
        let cleared = try decoder.decode(DeviceInput.self, from: Data(#"{"pop_id":null}"#.utf8))
        let set = try decoder.decode(DeviceInput.self, from: Data(#"{"pop_id":"7d9f5b8e-4b7a-4c1e-9a8b-2f1e3d4c5b6a"}"#.utf8))
        #expect(absent.popId == nil)
        #expect(cleared.popId == .null)
        #expect(set.popId?.wrapped != nil)
    }
}
