import NIOCore

/// A notification received by ``SNMPTrapReceiver``.
public struct TrapEvent: Hashable, Sendable {
    /// What kind of notification arrived.
    public enum Kind: Hashable, Sendable {
        /// An SNMPv1 Trap-PDU.
        case trapV1(TrapV1PDU)
        /// An SNMPv2-Trap-PDU.
        case trapV2
        /// An InformRequest-PDU (already acknowledged).
        case inform
    }

    /// Who sent it.
    public var source: SocketAddress
    /// The message version.
    public var version: SNMPVersion
    /// The community string.
    public var community: String
    /// The kind of notification.
    public var kind: Kind
    /// The notification OID: snmpTrapOID.0 for v2, or derived per RFC 3584 for v1.
    public var trapOID: OID?
    /// The sender's sysUpTime in hundredths of a second, when present.
    public var uptime: UInt32?
    /// The variable bindings as received (for v1, the trap's own bindings).
    public var varBinds: [VarBind]

    /// Creates an event.
    public init(source: SocketAddress, version: SNMPVersion, community: String, kind: Kind, trapOID: OID?,
                uptime: UInt32?, varBinds: [VarBind]) {
        self.source = source
        self.version = version
        self.community = community
        self.kind = kind
        self.trapOID = trapOID
        self.uptime = uptime
        self.varBinds = varBinds
    }

    /// Builds an event from a decoded community message, or returns nil if it is not a notification.
    public static func from(_ message: CommunityMessage, source: SocketAddress) -> TrapEvent? {
        let community = String(decoding: message.community, as: UTF8.self)
        switch message.pdu {
        case .trapV1(let trap):
            return TrapEvent(source: source, version: message.version, community: community, kind: .trapV1(trap),
                             trapOID: trap.snmpTrapOID, uptime: trap.timestamp, varBinds: trap.varBinds)
        case .standard(let pdu):
            guard pdu.type == .trapV2 || pdu.type == .inform else { return nil }
            var uptime: UInt32?
            var trapOID: OID?
            for varBind in pdu.varBinds.prefix(2) {
                if varBind.oid == .sysUpTime, case .timeTicks(let ticks) = varBind.value { uptime = ticks }
                if varBind.oid == .snmpTrapOID, case .oid(let oid) = varBind.value { trapOID = oid }
            }
            return TrapEvent(source: source, version: message.version, community: community,
                             kind: pdu.type == .inform ? .inform : .trapV2, trapOID: trapOID, uptime: uptime,
                             varBinds: pdu.varBinds)
        }
    }
}
