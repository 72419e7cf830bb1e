/// The value of a variable binding: every SMIv2 application type plus the SNMPv2 exceptions.
public enum SNMPValue: Hashable, Sendable {
    /// INTEGER / Integer32. Decoded tolerantly into 64 bits; encoded minimally.
    case integer(Int64)
    /// OCTET STRING.
    case octetString([UInt8])
    /// NULL, used in requests.
    case null
    /// OBJECT IDENTIFIER.
    case oid(OID)
    /// IpAddress: four octets in network order.
    case ipAddress(UInt8, UInt8, UInt8, UInt8)
    /// Counter32.
    case counter32(UInt32)
    /// Gauge32 / Unsigned32.
    case gauge32(UInt32)
    /// TimeTicks, in hundredths of a second.
    case timeTicks(UInt32)
    /// Opaque: an arbitrary BER blob, kept as its raw content octets.
    case opaque([UInt8])
    /// Counter64.
    case counter64(UInt64)
    /// noSuchObject exception.
    case noSuchObject
    /// noSuchInstance exception.
    case noSuchInstance
    /// endOfMibView exception.
    case endOfMibView

    /// Whether the value is one of the three SNMPv2 exceptions.
    public var isException: Bool {
        switch self {
        case .noSuchObject, .noSuchInstance, .endOfMibView: return true
        default: return false
        }
    }

    /// The BER tag used to encode the value.
    public var tag: UInt8 {
        switch self {
        case .integer: return BERTag.integer
        case .octetString: return BERTag.octetString
        case .null: return BERTag.null
        case .oid: return BERTag.oid
        case .ipAddress: return BERTag.ipAddress
        case .counter32: return BERTag.counter32
        case .gauge32: return BERTag.gauge32
        case .timeTicks: return BERTag.timeTicks
        case .opaque: return BERTag.opaque
        case .counter64: return BERTag.counter64
        case .noSuchObject: return BERTag.noSuchObject
        case .noSuchInstance: return BERTag.noSuchInstance
        case .endOfMibView: return BERTag.endOfMibView
        }
    }

    /// A short type name in the style of net-snmp's output (`INTEGER`, `STRING`, `Counter32`, …).
    public var typeName: String {
        switch self {
        case .integer: return "INTEGER"
        case .octetString: return "STRING"
        case .null: return "NULL"
        case .oid: return "OID"
        case .ipAddress: return "IpAddress"
        case .counter32: return "Counter32"
        case .gauge32: return "Gauge32"
        case .timeTicks: return "Timeticks"
        case .opaque: return "Opaque"
        case .counter64: return "Counter64"
        case .noSuchObject: return "noSuchObject"
        case .noSuchInstance: return "noSuchInstance"
        case .endOfMibView: return "endOfMibView"
        }
    }
}

/// One variable binding: an OID and its value.
public struct VarBind: Hashable, Sendable {
    /// The object instance.
    public var oid: OID
    /// The value bound to it.
    public var value: SNMPValue

    /// Creates a binding.
    public init(_ oid: OID, _ value: SNMPValue = .null) {
        self.oid = oid
        self.value = value
    }
}
