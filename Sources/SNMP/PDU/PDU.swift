/// A request, response, report, SNMPv2 trap or inform PDU (every PDU but the SNMPv1 trap).
public struct PDU: Hashable, Sendable {
    /// Which PDU this is.
    public var type: PDUType
    /// The request-id that pairs requests with responses.
    public var requestID: Int32
    /// error-status, or non-repeaters in a GetBulk request.
    public var errorStatus: Int32
    /// error-index, or max-repetitions in a GetBulk request.
    public var errorIndex: Int32
    /// The variable bindings.
    public var varBinds: [VarBind]

    /// Creates a PDU.
    public init(type: PDUType, requestID: Int32 = 0, errorStatus: Int32 = 0, errorIndex: Int32 = 0,
                varBinds: [VarBind]) {
        self.type = type
        self.requestID = requestID
        self.errorStatus = errorStatus
        self.errorIndex = errorIndex
        self.varBinds = varBinds
    }

    /// A GetBulk request.
    public static func getBulk(nonRepeaters: Int32, maxRepetitions: Int32, _ oids: [OID]) -> PDU {
        PDU(type: .getBulk, errorStatus: nonRepeaters, errorIndex: maxRepetitions,
            varBinds: oids.map { VarBind($0) })
    }

    /// The error-status as a known value, if it is one.
    public var status: ErrorStatus? { ErrorStatus(rawValue: Int(errorStatus)) }

    /// Appends the BER encoding of the PDU.
    public func encode(into writer: inout BERWriter) {
        let mark = writer.beginConstructed(type.rawValue)
        writer.writeInteger(Int64(requestID))
        writer.writeInteger(Int64(errorStatus))
        writer.writeInteger(Int64(errorIndex))
        writer.writeVarBinds(varBinds)
        writer.endConstructed(mark)
    }

    /// Decodes the body of a PDU whose tag (already read) was `type`.
    public static func decodeBody(type: PDUType, from reader: inout BERReader) throws(BERError) -> PDU {
        let requestID = try reader.readInt32()
        let errorStatus = try reader.readInt32()
        let errorIndex = try reader.readInt32()
        let varBinds = try reader.readVarBinds()
        return PDU(type: type, requestID: requestID, errorStatus: errorStatus, errorIndex: errorIndex,
                   varBinds: varBinds)
    }
}

/// An SNMPv1 Trap-PDU (RFC 1157).
public struct TrapV1PDU: Hashable, Sendable {
    /// The enterprise OID of the sending entity.
    public var enterprise: OID
    /// The agent-addr field (IPv4, network order).
    public var agentAddress: [UInt8]
    /// generic-trap (0 coldStart … 6 enterpriseSpecific).
    public var genericTrap: Int32
    /// specific-trap.
    public var specificTrap: Int32
    /// time-stamp (sysUpTime of the sender).
    public var timestamp: UInt32
    /// The variable bindings.
    public var varBinds: [VarBind]

    /// Creates a trap.
    public init(enterprise: OID, agentAddress: [UInt8], genericTrap: Int32, specificTrap: Int32,
                timestamp: UInt32, varBinds: [VarBind]) {
        self.enterprise = enterprise
        self.agentAddress = agentAddress
        self.genericTrap = genericTrap
        self.specificTrap = specificTrap
        self.timestamp = timestamp
        self.varBinds = varBinds
    }

    /// The SNMPv2 notification OID for this trap, per RFC 3584 section 3.1.
    public var snmpTrapOID: OID {
        if genericTrap >= 0 && genericTrap < 6 {
            return OID.snmpTraps.appending(UInt32(genericTrap) + 1)
        }
        return enterprise.appending(0, UInt32(truncatingIfNeeded: specificTrap))
    }

    /// Appends the BER encoding of the PDU.
    public func encode(into writer: inout BERWriter) {
        let mark = writer.beginConstructed(PDUType.trapV1.rawValue)
        writer.writeOID(enterprise)
        writer.writeOctetString(agentAddress, tag: BERTag.ipAddress)
        writer.writeInteger(Int64(genericTrap))
        writer.writeInteger(Int64(specificTrap))
        writer.writeUnsigned(UInt64(timestamp), tag: BERTag.timeTicks)
        writer.writeVarBinds(varBinds)
        writer.endConstructed(mark)
    }

    /// Decodes the body of a Trap-PDU whose tag was already read.
    public static func decodeBody(from reader: inout BERReader) throws(BERError) -> TrapV1PDU {
        let enterprise = try reader.readOID()
        let address = Array(try reader.readContent(expecting: BERTag.ipAddress))
        let generic = try reader.readInt32()
        let specific = try reader.readInt32()
        let timestamp = UInt32(try reader.readUnsigned(tag: BERTag.timeTicks, bits: 32))
        let varBinds = try reader.readVarBinds()
        return TrapV1PDU(enterprise: enterprise, agentAddress: address, genericTrap: generic,
                         specificTrap: specific, timestamp: timestamp, varBinds: varBinds)
    }
}

/// Either kind of PDU a message can carry.
public enum AnyPDU: Hashable, Sendable {
    /// Every PDU but the SNMPv1 trap.
    case standard(PDU)
    /// An SNMPv1 trap.
    case trapV1(TrapV1PDU)

    /// Appends the BER encoding.
    public func encode(into writer: inout BERWriter) {
        switch self {
        case .standard(let pdu): pdu.encode(into: &writer)
        case .trapV1(let trap): trap.encode(into: &writer)
        }
    }

    /// Decodes a PDU of any kind.
    public static func decode(from reader: inout BERReader) throws(BERError) -> AnyPDU {
        let start = reader.position
        let (tag, body) = try reader.readAnyConstructed()
        var inner = body
        guard let type = PDUType(rawValue: tag) else {
            throw BERError(.unexpectedTag, at: start, "unknown PDU type 0x\(hex(tag))")
        }
        if type == .trapV1 {
            return .trapV1(try TrapV1PDU.decodeBody(from: &inner))
        }
        return .standard(try PDU.decodeBody(type: type, from: &inner))
    }
}
