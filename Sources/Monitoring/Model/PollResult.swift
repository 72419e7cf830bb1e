/// What one collector family reads from a device.
public enum CollectorKind: String, Hashable, Sendable, Codable, CaseIterable {
    /// sysName, sysLocation, sysContact, sysUpTime.
    case system
    /// CPU, memory and temperature.
    case health
    /// IF-MIB ifTable/ifXTable.
    case interfaces
    /// GPON optical power of ONUs and OLT ports.
    case optics
    /// LLDP and CDP neighbours (every profile: the MIBs are standard or answered empty).
    case neighbors
    /// BGP peers: BGP4-MIB and the vendor BGP MIBs (every profile).
    case bgp
    /// Subscriber sessions of access concentrators (profiles with `sessions` sources).
    case sessions
}

/// The MIB-II system group.
public struct SystemInfo: Hashable, Sendable, Codable {
    /// sysName.
    public var name: String?
    /// sysLocation.
    public var location: String?
    /// sysContact.
    public var contact: String?
    /// `sysUpTime.0` in hundredths of a second.
    public var uptimeTicks: UInt32?

    /// Creates the system group.
    public init(name: String? = nil, location: String? = nil, contact: String? = nil, uptimeTicks: UInt32? = nil) {
        self.name = name
        self.location = location
        self.contact = contact
        self.uptimeTicks = uptimeTicks
    }
}

/// One CPU, memory or temperature reading.
public struct HealthReading: Hashable, Sendable, Codable {
    /// What a health reading measures.
    public enum Kind: String, Hashable, Sendable, Codable {
        /// Load in percent (0–100).
        case cpu
        /// Memory in use in percent (0–100).
        case memory
        /// Degrees Celsius.
        case temperature
    }
    /// What the value measures.
    public var kind: Kind
    /// Tells readings of one kind apart (processor index, sensor name, board slot); `""` when there is one.
    public var label: String
    /// The value, in the unit of `kind`.
    public var value: Double

    /// Creates a reading.
    public init(kind: Kind, label: String, value: Double) {
        self.kind = kind
        self.label = label
        self.value = value
    }
}

/// One row of ifTable/ifXTable. Counters are raw; rates are computed from two polls.
public struct InterfaceReading: Hashable, Sendable, Codable {
    /// ifIndex.
    public var ifIndex: Int
    /// ifName, else ifDescr.
    public var name: String
    /// ifDescr.
    public var descr: String?
    /// ifAlias.
    public var alias: String?
    /// ifType (IANAifType number).
    public var type: Int?
    /// ifPhysAddress as `aa:bb:cc:dd:ee:ff`.
    public var mac: String?
    /// ifMtu.
    public var mtu: Int?
    /// Bits per second: ifHighSpeed × 10⁶ when present and non-zero, else ifSpeed.
    public var speedBitsPerSecond: UInt64?
    /// ifAdminStatus is up(1).
    public var adminUp: Bool?
    /// ifOperStatus (1 up, 2 down, 3 testing, 4 unknown, 5 dormant, 6 notPresent, 7 lowerLayerDown).
    public var operStatus: Int?
    /// ifHCInOctets when present, else ifInOctets; `octetCounterBits` tells which.
    public var inOctets: UInt64?
    /// ifHCOutOctets when present, else ifOutOctets.
    public var outOctets: UInt64?
    /// 64 for HC counters, 32 otherwise.
    public var octetCounterBits: Int
    /// ifHCInUcastPkts, else ifInUcastPkts.
    public var inUnicastPackets: UInt64?
    /// ifHCOutUcastPkts, else ifOutUcastPkts.
    public var outUnicastPackets: UInt64?
    /// ifInErrors.
    public var inErrors: UInt64?
    /// ifOutErrors.
    public var outErrors: UInt64?
    /// ifInDiscards.
    public var inDiscards: UInt64?
    /// ifOutDiscards.
    public var outDiscards: UInt64?

    /// Creates a reading.
    public init(ifIndex: Int, name: String, descr: String? = nil, alias: String? = nil, type: Int? = nil,
                mac: String? = nil, mtu: Int? = nil, speedBitsPerSecond: UInt64? = nil, adminUp: Bool? = nil,
                operStatus: Int? = nil, inOctets: UInt64? = nil, outOctets: UInt64? = nil, octetCounterBits: Int = 32,
                inUnicastPackets: UInt64? = nil, outUnicastPackets: UInt64? = nil, inErrors: UInt64? = nil,
                outErrors: UInt64? = nil, inDiscards: UInt64? = nil, outDiscards: UInt64? = nil) {
        self.ifIndex = ifIndex
        self.name = name
        self.descr = descr
        self.alias = alias
        self.type = type
        self.mac = mac
        self.mtu = mtu
        self.speedBitsPerSecond = speedBitsPerSecond
        self.adminUp = adminUp
        self.operStatus = operStatus
        self.inOctets = inOctets
        self.outOctets = outOctets
        self.octetCounterBits = octetCounterBits
        self.inUnicastPackets = inUnicastPackets
        self.outUnicastPackets = outUnicastPackets
        self.inErrors = inErrors
        self.outErrors = outErrors
        self.inDiscards = inDiscards
        self.outDiscards = outDiscards
    }
}

/// Optical power of one ONU (as the OLT reports it) or one OLT PON port.
public struct OpticalReading: Hashable, Sendable, Codable {
    /// Whose optics a reading describes.
    public enum Scope: String, Hashable, Sendable, Codable {
        /// An ONU, as its OLT reports it.
        case onu
        /// A PON port of the OLT.
        case oltPort = "olt_port"
    }
    /// ONU or OLT port.
    public var scope: Scope
    /// The table index as the vendor builds it (dotted OID suffix), stable across polls.
    public var index: String
    /// A human label when the vendor's MIB gives one (`gpon-onu_1/2/1:5`, `0/1/3 ONT 12`).
    public var label: String?
    /// Received power in dBm.
    public var rxDbm: Double?
    /// Transmitted power in dBm.
    public var txDbm: Double?

    /// Creates a reading.
    public init(scope: Scope, index: String, label: String? = nil, rxDbm: Double? = nil, txDbm: Double? = nil) {
        self.scope = scope
        self.index = index
        self.label = label
        self.rxDbm = rxDbm
        self.txDbm = txDbm
    }
}

/// Everything one poll of a device read. A collector that failed leaves its part empty and names
/// itself in `errors`; the others still count.
public struct PollResult: Hashable, Sendable, Codable {
    /// The system group, when the system collector ran and succeeded.
    public var system: SystemInfo?
    /// CPU, memory and temperature readings.
    public var health: [HealthReading]
    /// One reading per interface.
    public var interfaces: [InterfaceReading]
    /// ONU and OLT-port optical power.
    public var optics: [OpticalReading]
    /// LLDP and CDP neighbours.
    public var neighbors: [NeighborReading]
    /// BGP sessions.
    public var bgpPeers: [BGPPeerReading]
    /// Subscriber session counts.
    public var sessions: [SessionCount]
    /// Collector → error text, for the collectors that failed.
    public var errors: [CollectorKind: String]
    /// How many varbinds the poll received.
    public var varbinds: Int
    /// How long the poll took, in seconds, when the agent answered at least once.
    public var pollSeconds: Double?

    /// Creates a result.
    public init(system: SystemInfo? = nil, health: [HealthReading] = [], interfaces: [InterfaceReading] = [],
                optics: [OpticalReading] = [], neighbors: [NeighborReading] = [], bgpPeers: [BGPPeerReading] = [],
                sessions: [SessionCount] = [], errors: [CollectorKind: String] = [:], varbinds: Int = 0,
                pollSeconds: Double? = nil) {
        self.system = system
        self.health = health
        self.interfaces = interfaces
        self.optics = optics
        self.neighbors = neighbors
        self.bgpPeers = bgpPeers
        self.sessions = sessions
        self.errors = errors
        self.varbinds = varbinds
        self.pollSeconds = pollSeconds
    }
}
