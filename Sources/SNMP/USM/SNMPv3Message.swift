/// msgFlags bits (RFC 3412 section 6.4).
public struct MessageFlags: OptionSet, Hashable, Sendable {
    /// The raw flag octet.
    public var rawValue: UInt8
    /// Creates flags from the octet.
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// authFlag.
    public static let auth = MessageFlags(rawValue: 0x01)
    /// privFlag.
    public static let priv = MessageFlags(rawValue: 0x02)
    /// reportableFlag.
    public static let reportable = MessageFlags(rawValue: 0x04)

    /// The flags for a security level.
    public init(level: SecurityLevel, reportable: Bool) {
        var flags: MessageFlags = reportable ? [.reportable] : []
        switch level {
        case .noAuthNoPriv: break
        case .authNoPriv: flags.insert(.auth)
        case .authPriv: flags.formUnion([.auth, .priv])
        }
        self = flags
    }
}

/// A ScopedPDU: context engine ID, context name and the PDU.
public struct ScopedPDU: Hashable, Sendable {
    /// contextEngineID.
    public var contextEngineID: [UInt8]
    /// contextName.
    public var contextName: [UInt8]
    /// The PDU.
    public var pdu: PDU

    /// Creates a scoped PDU.
    public init(contextEngineID: [UInt8], contextName: [UInt8], pdu: PDU) {
        self.contextEngineID = contextEngineID
        self.contextName = contextName
        self.pdu = pdu
    }

    /// Appends the BER encoding.
    public func encode(into writer: inout BERWriter) {
        let mark = writer.beginConstructed()
        writer.writeOctetString(contextEngineID)
        writer.writeOctetString(contextName)
        pdu.encode(into: &writer)
        writer.endConstructed(mark)
    }

    /// Decodes a scoped PDU.
    public static func decode(from reader: inout BERReader) throws(BERError) -> ScopedPDU {
        var inner = try reader.readConstructed()
        let engineID = try inner.readOctetString()
        let name = try inner.readOctetString()
        guard case .standard(let pdu) = try AnyPDU.decode(from: &inner) else {
            throw BERError(.unexpectedTag, at: inner.position, "SNMPv1 trap in a scoped PDU")
        }
        return ScopedPDU(contextEngineID: engineID, contextName: name, pdu: pdu)
    }
}

/// A decoded SNMPv3 message whose scoped PDU may still be encrypted.
public struct SNMPv3Message: Hashable, Sendable {
    /// msgID.
    public var messageID: Int32
    /// msgMaxSize.
    public var maxSize: Int32
    /// msgFlags.
    public var flags: MessageFlags
    /// msgSecurityModel (3 for USM).
    public var securityModel: Int32
    /// The decoded USM parameters.
    public var security: USMSecurityParameters
    /// Absolute offset of msgAuthenticationParameters' content in the message bytes.
    public var authOffset: Int
    /// The scoped PDU, plaintext or encrypted.
    public var data: Data

    /// msgData.
    public enum Data: Hashable, Sendable {
        /// A plaintext ScopedPDU.
        case plaintext(ScopedPDU)
        /// An encryptedPDU octet string.
        case encrypted([UInt8])
    }

    /// Reads only msgID from an SNMPv3 message (used to route responses without decrypting them).
    public static func peekMessageID(_ bytes: [UInt8]) throws(BERError) -> Int32 {
        var outer = BERReader(bytes)
        var reader = try outer.readConstructed()
        guard try reader.readInteger() == 3 else { throw BERError(.invalidValue, at: 0, "not SNMPv3") }
        var header = try reader.readConstructed()
        return try header.readInt32()
    }

    /// Decodes the message structure without verifying or decrypting anything.
    public static func decode(_ bytes: [UInt8]) throws(BERError) -> SNMPv3Message {
        var outer = BERReader(bytes)
        var reader = try outer.readConstructed()
        guard try reader.readInteger() == 3 else { throw BERError(.invalidValue, at: 0, "not SNMPv3") }
        var header = try reader.readConstructed()
        let messageID = try header.readInt32()
        let maxSize = try header.readInt32()
        let flagBytes = try header.readOctetString()
        guard flagBytes.count == 1 else { throw BERError(.invalidValue, at: header.position, "msgFlags length") }
        let model = try header.readInt32()
        guard model == 3 else { throw BERError(.invalidValue, at: header.position, "security model \(model)") }
        let securityLength = try reader.readHeader(expecting: BERTag.octetString)
        var securityReader = try reader.subReader(length: securityLength)
        try reader.skipBytes(securityLength)
        let (security, authOffset, _) = try USMSecurityParameters.decode(from: &securityReader)
        let data: Data
        if try reader.peekTag() == BERTag.octetString {
            data = .encrypted(try reader.readOctetString())
        } else {
            data = .plaintext(try ScopedPDU.decode(from: &reader))
        }
        return SNMPv3Message(messageID: messageID, maxSize: maxSize, flags: MessageFlags(rawValue: flagBytes[0]),
                             securityModel: model, security: security, authOffset: authOffset, data: data)
    }
}
