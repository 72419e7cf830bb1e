import Foundation
import OctoCore
import OctoStore
import PostgresNIO

/// One LLDP/CDP neighbour of a device as the last poll saw it, with the known device and interface it
/// was matched to.
public struct NeighborEntry: Codable, Sendable, Hashable {
    /// The device that reported the neighbour.
    public var deviceId: UUID
    /// `lldp` or `cdp`.
    public var `protocol`: String
    /// The row index in the device's table.
    public var item: String
    /// The local interface.
    public var localIfIndex: Int?
    /// The local port's name.
    public var localPort: String?
    /// The neighbour's chassis id (`aa:bb:cc:dd:ee:ff` for MACs).
    public var remoteChassisId: String?
    /// The neighbour's port id.
    public var remotePortId: String?
    /// The neighbour's port description.
    public var remotePortDescr: String?
    /// The neighbour's system name.
    public var remoteSysName: String?
    /// The neighbour's system description.
    public var remoteSysDescr: String?
    /// The neighbour's platform (CDP).
    public var remotePlatform: String?
    /// The neighbour's management address.
    public var remoteAddress: String?
    /// The known device the neighbour is.
    public var remoteDeviceId: UUID?
    /// Its name.
    public var remoteDeviceName: String?
    /// Its interface the link reaches.
    public var remoteIfIndex: Int?
    /// That interface's name.
    public var remotePort: String?
    /// When the poll that read it ran.
    public var updatedAt: Date
}

/// One BGP session of a device as the last poll saw it.
public struct BGPPeerEntry: Codable, Sendable, Hashable {
    /// The router.
    public var deviceId: UUID
    /// The peer's address.
    public var peerAddress: String
    /// The session's local address.
    public var localAddress: String?
    /// The peer's AS.
    public var remoteAs: Int64?
    /// `idle`, `connect`, `active`, `openSent`, `openConfirm`, `established` or `unknown`.
    public var state: String
    /// Administratively started.
    public var adminUp: Bool?
    /// Seconds in the current state.
    public var establishedSeconds: Int64?
    /// Prefixes received, when a MIB tells it.
    public var prefixesReceived: Int64?
    /// The MIBs the row came from (`bgp4`, `bgp4+cisco`, `huawei` …).
    public var source: String
    /// The known device at the peer's address.
    public var remoteDeviceId: UUID?
    /// When the poll that read it ran.
    public var updatedAt: Date
}

/// A POP's topology: its devices (and the neighbours they see that are not known devices) and the links
/// LLDP/CDP found between them.
public struct Topology: Codable, Sendable, Hashable {
    /// A device or an unknown neighbour.
    public struct Node: Codable, Sendable, Hashable {
        /// The device id, or `neighbor:<name or chassis id>` for a neighbour that is no known device.
        public var id: String
        /// The device, when known.
        public var deviceId: UUID?
        /// Name (device name, or the neighbour's sysName / chassis id).
        public var name: String
        /// Device kind (`router`, `switch` …), when known.
        public var kind: String?
        /// Vendor, when known (for neighbours, nil).
        public var vendor: String?
        /// Model, when known.
        public var model: String?
        /// `up`, `down`, `snmp_failing` or `unknown` for SNMP devices.
        public var reachability: String?
        /// Whether the node is a device of this POP (false: another POP's device or an unknown neighbour).
        public var inPop: Bool
    }

    /// A link between two nodes, merged when both ends report it.
    public struct Link: Codable, Sendable, Hashable {
        /// One end's node id.
        public var source: String
        /// Its interface.
        public var sourceIfIndex: Int?
        /// Its port name.
        public var sourcePort: String?
        /// The other end's node id.
        public var target: String
        /// Its interface, when known.
        public var targetIfIndex: Int?
        /// Its port name (the matched interface, else the port id the neighbour sent).
        public var targetPort: String?
        /// The protocols that reported the link (`lldp`, `cdp`).
        public var protocols: [String]
        /// Whether both ends reported it.
        public var confirmed: Bool
    }

    /// The POP.
    public var popId: UUID
    /// The nodes, devices of the POP first, by name.
    public var nodes: [Node]
    /// The links, by source and port.
    public var links: [Link]
}

extension Transaction {
    /// LLDP/CDP neighbours, BGP peers and POP topologies.
    public var topology: TopologyRepository { TopologyRepository(tx: self) }
}

/// Reads of `snmp_neighbors` and `snmp_bgp_peers` (written by polls).
public struct TopologyRepository: Sendable {
    let tx: Transaction

    static let neighborSelect = """
        SELECT n.device_id, n.protocol, n.item, n.local_if_index, coalesce(li.name, n.local_port) AS local_port,
               n.remote_chassis_id, n.remote_port_id, n.remote_port_descr, n.remote_sys_name, n.remote_sys_descr,
               n.remote_platform, n.remote_address, n.remote_device_id, rd.name AS remote_device_name, n.remote_if_index,
               ri.name AS remote_port, n.updated_at
        FROM snmp_neighbors n
        LEFT JOIN snmp_interfaces li ON li.device_id = n.device_id AND li.if_index = n.local_if_index
        LEFT JOIN devices rd ON rd.id = n.remote_device_id
        LEFT JOIN snmp_interfaces ri ON ri.device_id = n.remote_device_id AND ri.if_index = n.remote_if_index
        """

    static func decodeNeighbor(_ row: PostgresRandomAccessRow) throws -> NeighborEntry {
        NeighborEntry(deviceId: try row.column("device_id"), protocol: try row.column("protocol"), item: try row.column("item"),
                      localIfIndex: try row.column("local_if_index", as: Int32?.self).map(Int.init),
                      localPort: try row.column("local_port"), remoteChassisId: try row.column("remote_chassis_id"),
                      remotePortId: try row.column("remote_port_id"), remotePortDescr: try row.column("remote_port_descr"),
                      remoteSysName: try row.column("remote_sys_name"), remoteSysDescr: try row.column("remote_sys_descr"),
                      remotePlatform: try row.column("remote_platform"), remoteAddress: try row.column("remote_address"),
                      remoteDeviceId: try row.column("remote_device_id"), remoteDeviceName: try row.column("remote_device_name"),
                      remoteIfIndex: try row.column("remote_if_index", as: Int32?.self).map(Int.init),
                      remotePort: try row.column("remote_port"), updatedAt: try row.column("updated_at"))
    }

    /// A page of a device's neighbours by local interface, protocol and row (404 for an unknown device).
    public func neighbors(device: UUID, page: PageRequest) async throws -> Page<NeighborEntry> {
        _ = try await tx.devices.get(device)
        let items = try await tx.query("""
            \(unescaped: Self.neighborSelect) WHERE n.device_id = \(device)
            ORDER BY n.local_if_index NULLS LAST, n.protocol, n.item LIMIT \(page.limit) OFFSET \(page.offset)
            """).monitoringRows(Self.decodeNeighbor)
        let total = try await tx.query("SELECT count(*)::int8 AS n FROM snmp_neighbors WHERE device_id = \(device)")
            .monitoringRows { try $0.column("n", as: Int64.self) }.first ?? 0
        return Page(items: items, total: Int(total), limit: page.limit, offset: page.offset)
    }

    /// A page of a device's BGP peers by address (404 for an unknown device).
    public func bgpPeers(device: UUID, page: PageRequest) async throws -> Page<BGPPeerEntry> {
        _ = try await tx.devices.get(device)
        let items = try await tx.query("""
            SELECT device_id, peer_address, local_address, remote_as, state, admin_up, established_seconds, prefixes_received,
                   source, remote_device_id, updated_at
            FROM snmp_bgp_peers WHERE device_id = \(device)
            ORDER BY peer_address LIMIT \(page.limit) OFFSET \(page.offset)
            """).monitoringRows { row in
                let state = try row.column("state", as: Int16?.self).map(Int.init)
                return BGPPeerEntry(deviceId: try row.column("device_id"), peerAddress: try row.column("peer_address"),
                                    localAddress: try row.column("local_address"), remoteAs: try row.column("remote_as"),
                                    state: BGPPeerReading(peerAddress: "", state: state, source: "").stateName,
                                    adminUp: try row.column("admin_up"), establishedSeconds: try row.column("established_seconds"),
                                    prefixesReceived: try row.column("prefixes_received"), source: try row.column("source"),
                                    remoteDeviceId: try row.column("remote_device_id"), updatedAt: try row.column("updated_at"))
            }
        let total = try await tx.query("SELECT count(*)::int8 AS n FROM snmp_bgp_peers WHERE device_id = \(device)")
            .monitoringRows { try $0.column("n", as: Int64.self) }.first ?? 0
        return Page(items: items, total: Int(total), limit: page.limit, offset: page.offset)
    }

    /// The POP's devices and the links their neighbours describe (404 for an unknown POP). A link both
    /// ends report appears once, `confirmed`.
    public func topology(pop: UUID) async throws -> Topology {
        _ = try await tx.pops.get(pop)
        var nodes: [String: Topology.Node] = [:]
        for row in try await tx.query("""
            SELECT d.id, d.name, d.kind, coalesce(s.vendor, d.vendor) AS vendor, coalesce(s.model, d.model) AS model,
                   s.reachability
            FROM devices d LEFT JOIN snmp_devices s ON s.device_id = d.id
            WHERE d.pop_id = \(pop) AND (s.device_id IS NOT NULL OR EXISTS (SELECT 1 FROM snmp_neighbors x WHERE x.device_id = d.id))
            """).monitoringRows({ row in
                Topology.Node(id: (try row.column("id", as: UUID.self)).lowercased, deviceId: try row.column("id"),
                              name: try row.column("name"), kind: try row.column("kind"), vendor: try row.column("vendor"),
                              model: try row.column("model"), reachability: try row.column("reachability"), inPop: true)
            }) {
            nodes[row.id] = row
        }
        let neighbors = try await tx.query("""
            \(unescaped: Self.neighborSelect) JOIN devices od ON od.id = n.device_id
            WHERE od.pop_id = \(pop) ORDER BY n.device_id, n.local_if_index NULLS LAST, n.protocol, n.item
            """).monitoringRows(Self.decodeNeighbor)
        var links: [String: Topology.Link] = [:]
        for neighbor in neighbors {
            let source = neighbor.deviceId.lowercased
            let target: String
            if let remote = neighbor.remoteDeviceId {
                target = remote.lowercased
                if nodes[target] == nil {
                    nodes[target] = Topology.Node(id: target, deviceId: remote, name: neighbor.remoteDeviceName ?? target,
                                                  inPop: false)
                }
            } else {
                let name = neighbor.remoteSysName ?? neighbor.remoteChassisId ?? neighbor.remoteAddress ?? "?"
                target = "neighbor:\(name)"
                if nodes[target] == nil {
                    nodes[target] = Topology.Node(id: target, name: name, model: neighbor.remotePlatform, inPop: false)
                }
            }
            let targetPort = neighbor.remotePort ?? neighbor.remotePortId
            // The same link seen from the other end: same pair of nodes, ports swapped.
            let reverse = Self.linkKey(target, neighbor.remoteIfIndex.map(String.init) ?? targetPort, source,
                                       neighbor.localIfIndex.map(String.init) ?? neighbor.localPort)
            if var link = links[reverse] {
                link.confirmed = true
                if !link.protocols.contains(neighbor.protocol) { link.protocols.append(neighbor.protocol) }
                links[reverse] = link
                continue
            }
            let key = Self.linkKey(source, neighbor.localIfIndex.map(String.init) ?? neighbor.localPort, target,
                                   neighbor.remoteIfIndex.map(String.init) ?? targetPort)
            if var link = links[key] {
                if !link.protocols.contains(neighbor.protocol) { link.protocols.append(neighbor.protocol) }
                links[key] = link
            } else {
                links[key] = Topology.Link(source: source, sourceIfIndex: neighbor.localIfIndex, sourcePort: neighbor.localPort,
                                           target: target, targetIfIndex: neighbor.remoteIfIndex, targetPort: targetPort,
                                           protocols: [neighbor.protocol], confirmed: false)
            }
        }
        let sortedNodes = nodes.values.sorted {
            ($0.inPop ? 0 : 1, $0.name, $0.id) < ($1.inPop ? 0 : 1, $1.name, $1.id)
        }
        let sortedLinks = links.values.sorted {
            ($0.source, $0.sourceIfIndex ?? Int.max, $0.target) < ($1.source, $1.sourceIfIndex ?? Int.max, $1.target)
        }
        return Topology(popId: pop, nodes: sortedNodes, links: sortedLinks)
    }

    static func linkKey(_ a: String, _ aPort: String?, _ b: String, _ bPort: String?) -> String {
        "\(a)|\(aPort ?? "")|\(b)|\(bPort ?? "")"
    }
}
