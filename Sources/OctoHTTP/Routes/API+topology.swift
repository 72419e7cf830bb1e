import Foundation
import Hummingbird
import Monitoring
import OctoCore
import OctoStore

extension API {
    /// Topology and routing signals the pollers read (`monitoring.read`): a device's LLDP/CDP
    /// neighbours and BGP peers, and a POP's nodes and links.
    func addTopologyRoutes(to routes: inout RouteTable) {
        routes.get("devices/:id/neighbors", paged: true) { request, context in
            try context.require(.monitoring, .read)
            let device = try context.uuid()
            let page = try request.page()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.topology.neighbors(device: device, page: page) })
        }
        routes.get("devices/:id/bgp-peers", paged: true) { request, context in
            try context.require(.monitoring, .read)
            let device = try context.uuid()
            let page = try request.page()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.topology.bgpPeers(device: device, page: page) })
        }
        routes.get("pops/:id/topology") { request, context in
            try context.require(.monitoring, .read)
            let pop = try context.uuid()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.topology.topology(pop: pop) })
        }
    }
}
