/// An SNMP object identifier: a sequence of unsigned 32-bit arcs.
///
/// OIDs compare lexicographically arc by arc, which is the order SNMP agents
/// use for GETNEXT and GETBULK.
public struct OID: Hashable, Sendable, Comparable {
    /// The arcs of the identifier, most significant first.
    public var arcs: [UInt32]

    /// The largest number of arcs an OID may have (RFC 2578, section 3.5).
    public static let maximumArcCount = 128

    /// Creates an OID from its arcs.
    public init(_ arcs: [UInt32]) {
        self.arcs = arcs
    }

    /// Parses a dotted numeric OID such as `1.3.6.1.2.1.1.1.0` or `.1.3.6.1`.
    ///
    /// Returns `nil` when the text is not a dotted list of 32-bit unsigned numbers.
    public init?(_ text: String) {
        var arcs: [UInt32] = []
        var current: UInt64 = 0
        var haveDigit = false
        var utf8 = Substring(text).utf8[...]
        if utf8.first == UInt8(ascii: ".") { utf8 = utf8.dropFirst() }
        if utf8.isEmpty { return nil }
        for byte in utf8 {
            if byte == UInt8(ascii: ".") {
                guard haveDigit else { return nil }
                arcs.append(UInt32(current))
                current = 0
                haveDigit = false
            } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                current = current * 10 + UInt64(byte - UInt8(ascii: "0"))
                guard current <= UInt64(UInt32.max) else { return nil }
                haveDigit = true
            } else {
                return nil
            }
        }
        guard haveDigit, arcs.count < OID.maximumArcCount else { return nil }
        arcs.append(UInt32(current))
        self.arcs = arcs
    }

    /// The number of arcs.
    public var count: Int { arcs.count }

    /// Whether `self` starts with every arc of `prefix` (an OID is a prefix of itself).
    public func hasPrefix(_ prefix: OID) -> Bool {
        guard prefix.arcs.count <= arcs.count else { return false }
        for index in prefix.arcs.indices where arcs[index] != prefix.arcs[index] {
            return false
        }
        return true
    }

    /// The arcs that follow `prefix`, or `nil` when `prefix` is not a prefix of `self`.
    public func suffix(after prefix: OID) -> OID? {
        guard hasPrefix(prefix) else { return nil }
        return OID(Array(arcs[prefix.arcs.count...]))
    }

    /// A new OID with `arcs` appended.
    public func appending(_ more: UInt32...) -> OID {
        OID(arcs + more)
    }

    /// A new OID with the arcs of `other` appended.
    public func appending(_ other: OID) -> OID {
        OID(arcs + other.arcs)
    }

    /// Lexicographic arc-by-arc order; a proper prefix sorts first.
    public static func < (lhs: OID, rhs: OID) -> Bool {
        let common = min(lhs.arcs.count, rhs.arcs.count)
        var index = 0
        while index < common {
            let left = lhs.arcs[index]
            let right = rhs.arcs[index]
            if left != right { return left < right }
            index += 1
        }
        return lhs.arcs.count < rhs.arcs.count
    }
}

extension OID: CustomStringConvertible {
    /// The dotted numeric form without a leading dot, e.g. `1.3.6.1.2.1.1.1.0`.
    public var description: String {
        var text = ""
        text.reserveCapacity(arcs.count * 4)
        for (index, arc) in arcs.enumerated() {
            if index > 0 { text.append(".") }
            text.append(String(arc))
        }
        return text
    }
}

extension OID: ExpressibleByArrayLiteral {
    /// Creates an OID from an array literal of arcs.
    public init(arrayLiteral elements: UInt32...) {
        self.init(elements)
    }
}

extension OID {
    /// `sysDescr.0`.
    public static let sysDescr: OID = [1, 3, 6, 1, 2, 1, 1, 1, 0]
    /// `sysObjectID.0`.
    public static let sysObjectID: OID = [1, 3, 6, 1, 2, 1, 1, 2, 0]
    /// `sysUpTime.0`.
    public static let sysUpTime: OID = [1, 3, 6, 1, 2, 1, 1, 3, 0]
    /// `sysContact.0`.
    public static let sysContact: OID = [1, 3, 6, 1, 2, 1, 1, 4, 0]
    /// `sysName.0`.
    public static let sysName: OID = [1, 3, 6, 1, 2, 1, 1, 5, 0]
    /// `sysLocation.0`.
    public static let sysLocation: OID = [1, 3, 6, 1, 2, 1, 1, 6, 0]
    /// `snmpTrapOID.0`, the second varbind of every SNMPv2 notification.
    public static let snmpTrapOID: OID = [1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0]
    /// `snmpTrapEnterprise.0`, appended to SNMPv1 traps converted per RFC 3584.
    public static let snmpTrapEnterprise: OID = [1, 3, 6, 1, 6, 3, 1, 1, 4, 3, 0]
    /// `snmpTraps`, the prefix for the generic traps of RFC 3418.
    public static let snmpTraps: OID = [1, 3, 6, 1, 6, 3, 1, 1, 5]
    /// `ifXTable`.
    public static let ifXTable: OID = [1, 3, 6, 1, 2, 1, 31, 1, 1]
}
