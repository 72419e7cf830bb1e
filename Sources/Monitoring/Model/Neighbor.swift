/// A device seen on one of this device's ports through LLDP (LLDP-MIB `lldpRemTable`) or CDP
/// (CISCO-CDP-MIB `cdpCacheTable`), as the device reports it.
public struct NeighborReading: Hashable, Sendable, Codable {
    /// The discovery protocol that reported the neighbour.
    public enum DiscoveryProtocol: String, Hashable, Sendable, Codable, CaseIterable {
        /// IEEE 802.1AB.
        case lldp
        /// Cisco Discovery Protocol.
        case cdp
    }

    /// LLDP or CDP.
    public var discovery: DiscoveryProtocol
    /// The table row index (dotted), stable while the neighbour stays.
    public var index: String
    /// The local interface's ifIndex, when it could be told.
    public var localIfIndex: Int?
    /// The local port as the device names it (lldpLocPortId/Desc, else ifName), when known.
    public var localPort: String?
    /// The neighbour's chassis id: `aa:bb:cc:dd:ee:ff` for MAC addresses, else its text.
    public var remoteChassisId: String?
    /// The neighbour's port id (interface name, MAC or number, as the neighbour sends it).
    public var remotePortId: String?
    /// The neighbour's port description.
    public var remotePortDescr: String?
    /// The neighbour's system name (LLDP sysName, CDP device id).
    public var remoteSysName: String?
    /// The neighbour's system description (LLDP sysDesc, CDP software version).
    public var remoteSysDescr: String?
    /// The neighbour's platform (CDP).
    public var remotePlatform: String?
    /// The neighbour's management address (IPv4 or IPv6 text).
    public var remoteAddress: String?

    /// Creates a reading.
    public init(discovery: DiscoveryProtocol, index: String, localIfIndex: Int? = nil, localPort: String? = nil,
                remoteChassisId: String? = nil, remotePortId: String? = nil, remotePortDescr: String? = nil,
                remoteSysName: String? = nil, remoteSysDescr: String? = nil, remotePlatform: String? = nil,
                remoteAddress: String? = nil) {
        self.discovery = discovery
        self.index = index
        self.localIfIndex = localIfIndex
        self.localPort = localPort
        self.remoteChassisId = remoteChassisId
        self.remotePortId = remotePortId
        self.remotePortDescr = remotePortDescr
        self.remoteSysName = remoteSysName
        self.remoteSysDescr = remoteSysDescr
        self.remotePlatform = remotePlatform
        self.remoteAddress = remoteAddress
    }
}

/// One BGP session of a router: BGP4-MIB `bgpPeerTable`, completed by the vendor MIBs that add what
/// BGP4-MIB lacks (IPv6 peers, prefixes received): CISCO-BGP4-MIB `cbgpPeer2Table` and Huawei
/// `hwBgpPeerTable`.
public struct BGPPeerReading: Hashable, Sendable, Codable {
    /// The peer's address (IPv4 or IPv6 text).
    public var peerAddress: String
    /// The local address of the session, when the MIB tells it.
    public var localAddress: String?
    /// The peer's autonomous system.
    public var remoteAS: UInt32?
    /// bgpPeerState: 1 idle, 2 connect, 3 active, 4 openSent, 5 openConfirm, 6 established.
    public var state: Int?
    /// bgpPeerAdminStatus is start(2).
    public var adminUp: Bool?
    /// Seconds in the current state (established time while established).
    public var establishedSeconds: UInt32?
    /// Prefixes received (accepted) from the peer, summed over its address families, when a MIB tells it.
    public var prefixesReceived: UInt64?
    /// Which MIB the row came from: `bgp4`, `cisco`, `huawei` (joined with `+` when several did).
    public var source: String

    /// Creates a reading.
    public init(peerAddress: String, localAddress: String? = nil, remoteAS: UInt32? = nil, state: Int? = nil,
                adminUp: Bool? = nil, establishedSeconds: UInt32? = nil, prefixesReceived: UInt64? = nil, source: String) {
        self.peerAddress = peerAddress
        self.localAddress = localAddress
        self.remoteAS = remoteAS
        self.state = state
        self.adminUp = adminUp
        self.establishedSeconds = establishedSeconds
        self.prefixesReceived = prefixesReceived
        self.source = source
    }

    /// The state's name (`established`, `idle`, …) or `unknown`.
    public var stateName: String {
        switch state {
        case 1: "idle"
        case 2: "connect"
        case 3: "active"
        case 4: "openSent"
        case 5: "openConfirm"
        case 6: "established"
        default: "unknown"
        }
    }
}

/// Subscriber sessions an access concentrator holds (PPPoE, IPoE), counted by a profile's source.
public struct SessionCount: Hashable, Sendable, Codable {
    /// The source's name in the profile (`ppp`, `pppoe`, `ipoe`…); the metric's label.
    public var name: String
    /// Active sessions.
    public var count: Double

    /// Creates a count.
    public init(name: String, count: Double) {
        self.name = name
        self.count = count
    }
}
