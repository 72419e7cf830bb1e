/// An SNMPv1 or SNMPv2c message: version, community and one PDU (RFC 1157, RFC 1901).
public struct CommunityMessage: Hashable, Sendable {
    /// `.v1` or `.v2c`.
    public var version: SNMPVersion
    /// The community string.
    public var community: [UInt8]
    /// The PDU.
    public var pdu: AnyPDU

    /// Creates a message.
    public init(version: SNMPVersion, community: [UInt8], pdu: AnyPDU) {
        self.version = version
        self.community = community
        self.pdu = pdu
    }

    /// Creates a message carrying a standard PDU.
    public init(version: SNMPVersion, community: String, pdu: PDU) {
        self.init(version: version, community: Array(community.utf8), pdu: .standard(pdu))
    }

    /// The BER encoding of the message.
    public func encoded() -> [UInt8] {
        var writer = BERWriter(capacity: 64 + community.count + 32 * pdu.varBindCount)
        let mark = writer.beginConstructed()
        writer.writeInteger(Int64(version.rawValue))
        writer.writeOctetString(community)
        pdu.encode(into: &writer)
        writer.endConstructed(mark)
        return writer.bytes
    }

    /// Decodes a community-based message; SNMPv3 messages are rejected with `.invalidValue`.
    public static func decode(_ bytes: [UInt8]) throws(BERError) -> CommunityMessage {
        var outer = BERReader(bytes)
        var reader = try outer.readConstructed()
        let versionNumber = try reader.readInteger()
        guard let version = SNMPVersion(rawValue: Int(versionNumber)), version != .v3 else {
            throw BERError(.invalidValue, at: 0, "not a community message (version \(versionNumber))")
        }
        let community = try reader.readOctetString()
        let pdu = try AnyPDU.decode(from: &reader)
        return CommunityMessage(version: version, community: community, pdu: pdu)
    }

    /// Reads only the version field of any SNMP message.
    public static func peekVersion(_ bytes: [UInt8]) throws(BERError) -> Int64 {
        var outer = BERReader(bytes)
        var reader = try outer.readConstructed()
        return try reader.readInteger()
    }
}

extension AnyPDU {
    /// The number of variable bindings.
    public var varBindCount: Int {
        switch self {
        case .standard(let pdu): return pdu.varBinds.count
        case .trapV1(let trap): return trap.varBinds.count
        }
    }
}
