import Foundation
import NetTools
import Hummingbird
import Monitoring
import OctoCore
import OctoJobs
import OctoStore

extension API {
    /// SNMP monitoring: credentials and discovery ranges (`monitoring.read` / `monitoring.write`, "run now"
    /// `monitoring.execute`), devices added by hand, a device's SNMP state and interfaces, its polling settings.
    func addMonitoringRoutes(to routes: inout RouteTable) {
        routes.get("snmp/credentials", paged: true) { request, context in
            try context.require(.monitoring, .read)
            let page = try request.page()
            return JSONResponse(try await inTenant(request, context) { tx in Page(slicing: try await tx.snmpCredentials.list(), page) })
        }
        routes.post("snmp/credentials") { request, context in
            try context.require(.monitoring, .write)
            let input = try await request.decode(as: SNMPCredentialInput.self, context: context)
            guard let secrets else { throw OctoError(.unavailable, "OCTOISP_SECRET_KEY is not configured") }
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in
                try await tx.snmpCredentials.create(input, secrets: secrets, by: actor)
            }, status: .created)
        }
        routes.get("snmp/credentials/:id") { request, context in
            try context.require(.monitoring, .read)
            let id = try context.uuid()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.snmpCredentials.get(id) })
        }
        routes.patch("snmp/credentials/:id") { request, context in
            try context.require(.monitoring, .write)
            let id = try context.uuid()
            let input = try await request.decode(as: SNMPCredentialInput.self, context: context)
            guard let secrets else { throw OctoError(.unavailable, "OCTOISP_SECRET_KEY is not configured") }
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in
                try await tx.snmpCredentials.update(id, input, secrets: secrets, by: actor)
            })
        }
        routes.delete("snmp/credentials/:id") { request, context in
            try context.require(.monitoring, .write)
            let id = try context.uuid()
            let actor = try context.actor()
            try await inTenant(request, context) { tx in try await tx.snmpCredentials.delete(id, by: actor) }
            return NoContent()
        }
        routes.get("snmp/discovery-ranges", paged: true) { request, context in
            try context.require(.monitoring, .read)
            let page = try request.page()
            return JSONResponse(try await inTenant(request, context) { tx in Page(slicing: try await tx.snmpDiscoveryRanges.list(), page) })
        }
        routes.post("snmp/discovery-ranges") { request, context in
            try context.require(.monitoring, .write)
            let input = try await request.decode(as: DiscoveryRangeInput.self, context: context)
            if let cidr = input.cidr, let network = IPNetwork(cidr),
               let denied = configuration.outboundDeny.deny.first(where: { $0.overlaps(network) }) {
                throw OctoError.invalid("cidr", "\(cidr) overlaps the denied range \(denied) (OCTOISP_OUTBOUND_DENY)")
            }
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in
                try await tx.snmpDiscoveryRanges.create(input, by: actor)
            }, status: .created)
        }
        routes.delete("snmp/discovery-ranges/:id") { request, context in
            try context.require(.monitoring, .write)
            let id = try context.uuid()
            let actor = try context.actor()
            try await inTenant(request, context) { tx in try await tx.snmpDiscoveryRanges.delete(id, by: actor) }
            return NoContent()
        }
        routes.post("snmp/discovery-ranges/:id/run", body: .none) { request, context in
            try context.require(.monitoring, .execute)
            guard let jobs else { throw OctoError(.unavailable, "no job queue is configured") }
            let id = try context.uuid()
            let actor = try context.actor()
            let provider = try await tenant(request, context)
            let range = try await database.withTenant(provider, logger: context.logger) { tx in
                let range = try await tx.snmpDiscoveryRanges.get(id)
                try await tx.audit("snmp_discovery_range.run", by: actor, target: ("snmp_discovery_range", id.lowercased))
                return range
            }
            let job = try await jobs.enqueue(SNMPDiscoveryJob(rangeId: range.id), provider: provider, queue: SNMPQueues.shared,
                                             maxAttempts: 2, dedupKey: "snmp.discover:\(range.id.lowercased)",
                                             orderingKey: "discover:\(range.id.lowercased)")
            return JSONResponse(DiscoveryRunAccepted(jobId: job.id, rangeId: range.id), status: .accepted)
        }
        routes.post("snmp/devices") { request, context in
            try context.require(.monitoring, .write)
            let input = try await request.decode(as: SNMPDeviceInput.self, context: context)
            if let address = input.address, let denied = configuration.outboundDeny.deniedRange(of: address) {
                throw OctoError.invalid("address", "\(address) is in the denied range \(denied) (OCTOISP_OUTBOUND_DENY)")
            }
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.snmpDevices.create(input, by: actor) },
                                status: .created)
        }
        routes.get("snmp/devices", query: ["pop_id"], paged: true) { request, context in
            try context.require(.monitoring, .read)
            let pop = try request.queryUUID("pop_id")
            let page = try request.page()
            return JSONResponse(try await inTenant(request, context) { tx in
                Page(items: try await tx.snmpDevices.list(pop: pop, limit: page.limit, offset: page.offset),
                     total: try await tx.snmpDevices.count(pop: pop), limit: page.limit, offset: page.offset)
            })
        }
        routes.get("devices/:id/snmp") { request, context in
            try context.require(.monitoring, .read)
            let id = try context.uuid()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.snmpDevices.get(id) })
        }
        routes.patch("devices/:id/snmp") { request, context in
            try context.require(.monitoring, .write)
            let id = try context.uuid()
            let settings = try await request.decode(as: SNMPDeviceSettings.self, context: context)
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.snmpDevices.update(id, settings, by: actor) })
        }
        routes.get("devices/:id/interfaces", paged: true) { request, context in
            try context.require(.monitoring, .read)
            let id = try context.uuid()
            let page = try request.page()
            return JSONResponse(try await inTenant(request, context) { tx in Page(slicing: try await tx.snmpDevices.interfaces(id), page) })
        }
    }
}

/// The answer to "run now": the discovery job that will sweep the range.
struct DiscoveryRunAccepted: Codable, Sendable {
    var jobId: UUID
    var rangeId: UUID
}
