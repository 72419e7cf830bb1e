import ACS
import Foundation
import Hummingbird
import OctoCore
import OctoStore

extension API {
    /// CPE credentials (what CPEs authenticate to the ACS with) and connection-request credentials (what the
    /// ACS answers a CPE's challenge with): read with `settings.read`, changed with `settings.write`, audited,
    /// passwords write-only. The `octoisp acs` commands write the same rows.
    func addACSCredentialRoutes(to routes: inout RouteTable) {
        routes.get("acs/credentials", query: ["device_id"], paged: true) { request, context in
            try context.require(.settings, .read)
            let device = try request.queryUUID("device_id")
            let page = try request.page()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.cwmpCredentials.list(deviceId: device, page: page) })
        }
        routes.post("acs/credentials") { request, context in
            try context.require(.settings, .write)
            let input = try await request.decode(as: CWMPCredentialInput.self, context: context)
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.cwmpCredentials.create(input, realm: cwmpRealm, by: actor) },
                                status: .created)
        }
        routes.get("acs/credentials/:id") { request, context in
            try context.require(.settings, .read)
            let id = try context.uuid()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.cwmpCredentials.info(id) })
        }
        routes.patch("acs/credentials/:id") { request, context in
            try context.require(.settings, .write)
            let id = try context.uuid()
            let input = try await request.decode(as: CWMPCredentialInput.self, context: context)
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.cwmpCredentials.update(id, input, realm: cwmpRealm, by: actor) })
        }
        routes.delete("acs/credentials/:id") { request, context in
            try context.require(.settings, .write)
            let id = try context.uuid()
            let actor = try context.actor()
            try await inTenant(request, context) { tx in try await tx.cwmpCredentials.delete(id, by: actor) }
            return NoContent()
        }

        routes.get("acs/connection-request-credentials", paged: true) { request, context in
            try context.require(.settings, .read)
            let page = try request.page()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.connectionRequestCredentials.list(page: page) })
        }
        routes.get("acs/connection-request-credentials/:target") { request, context in
            try context.require(.settings, .read)
            let device = try connectionRequestTarget(context)
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.connectionRequestCredentials.info(device: device) })
        }
        routes.put("acs/connection-request-credentials/:target") { request, context in
            try context.require(.settings, .write)
            let device = try connectionRequestTarget(context)
            let input = try await request.decode(as: ConnectionRequestCredentialInput.self, context: context)
            guard let secrets else { throw OctoError(.unavailable, "OCTOISP_SECRET_KEY is not configured") }
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in
                if let device { _ = try await tx.devices.get(device) }
                try await tx.connectionRequestCredentials.set(username: input.username, password: input.password, device: device, secrets: secrets, by: actor)
                return try await tx.connectionRequestCredentials.info(device: device)
            })
        }
        routes.delete("acs/connection-request-credentials/:target") { request, context in
            try context.require(.settings, .write)
            let device = try connectionRequestTarget(context)
            let actor = try context.actor()
            try await inTenant(request, context) { tx in try await tx.connectionRequestCredentials.delete(device: device, by: actor) }
            return NoContent()
        }
    }

    /// Limits on devices the ACS registers on its own (read with `settings.read`, changed with
    /// `settings.write`) and the devices waiting for approval (listed with `devices.read`, approved with
    /// `devices.write`), audited.
    func addRegistrationPolicyRoutes(to routes: inout RouteTable) {
        routes.get("acs/registration-policy") { request, context in
            try context.require(.settings, .read)
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.registrationPolicy.get() })
        }
        routes.put("acs/registration-policy") { request, context in
            try context.require(.settings, .write)
            let input = try await request.decode(as: RegistrationPolicy.self, context: context)
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.registrationPolicy.set(input, by: actor) })
        }
        routes.get("acs/pending-devices", paged: true) { request, context in
            try context.require(.devices, .read)
            let page = try request.page()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.registrationPolicy.pending(page: page) })
        }
        routes.post("acs/pending-devices/:id/approve", body: .none) { request, context in
            try context.require(.devices, .write)
            let id = try context.uuid()
            let actor = try context.actor()
            try await inTenant(request, context) { tx in try await tx.registrationPolicy.approve(id, by: actor) }
            return NoContent()
        }
    }

    /// The provider's XMPP account for Annex K connection requests: read with `settings.read`, changed
    /// with `settings.write`, audited, the password write-only and sealed at rest.
    func addXMPPAccountRoutes(to routes: inout RouteTable) {
        routes.get("acs/xmpp-account") { request, context in
            try context.require(.settings, .read)
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.xmppAccount.info() })
        }
        routes.put("acs/xmpp-account") { request, context in
            try context.require(.settings, .write)
            let input = try await request.decode(as: XMPPAccountInput.self, context: context)
            guard let secrets else { throw OctoError(.unavailable, "OCTOISP_SECRET_KEY is not configured") }
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in
                try await tx.xmppAccount.set(input, secrets: secrets, by: actor)
                return try await tx.xmppAccount.info()
            })
        }
        routes.delete("acs/xmpp-account") { request, context in
            try context.require(.settings, .write)
            let actor = try context.actor()
            try await inTenant(request, context) { tx in try await tx.xmppAccount.delete(by: actor) }
            return NoContent()
        }
    }

    /// `default` (`nil`) or a device id.
    func connectionRequestTarget(_ context: APIContext) throws(OctoError) -> UUID? {
        guard let text = context.parameters.get("target") else { throw .invalid("target", "default or a device id") }
        if text == "default" { return nil }
        guard let id = UUID(uuidString: text) else { throw .invalid("target", "target must be 'default' or a device id") }
        return id
    }
}
