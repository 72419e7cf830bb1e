/// UsmSecurityParameters (RFC 3414 section 2.4), carried BER-encoded inside msgSecurityParameters.
public struct USMSecurityParameters: Hashable, Sendable {
    /// msgAuthoritativeEngineID.
    public var engineID: [UInt8]
    /// msgAuthoritativeEngineBoots.
    public var engineBoots: Int32
    /// msgAuthoritativeEngineTime.
    public var engineTime: Int32
    /// msgUserName.
    public var userName: [UInt8]
    /// msgAuthenticationParameters (the truncated HMAC, or empty).
    public var authenticationParameters: [UInt8]
    /// msgPrivacyParameters (the salt, or empty).
    public var privacyParameters: [UInt8]

    /// Creates parameters.
    public init(engineID: [UInt8], engineBoots: Int32, engineTime: Int32, userName: [UInt8],
                authenticationParameters: [UInt8] = [], privacyParameters: [UInt8] = []) {
        self.engineID = engineID
        self.engineBoots = engineBoots
        self.engineTime = engineTime
        self.userName = userName
        self.authenticationParameters = authenticationParameters
        self.privacyParameters = privacyParameters
    }

    /// Encodes the parameters; returns the bytes and the offset of the authentication parameters' content.
    public func encoded() -> (bytes: [UInt8], authOffset: Int) {
        var writer = BERWriter(capacity: 64 + engineID.count + userName.count + authenticationParameters.count)
        let mark = writer.beginConstructed()
        writer.writeOctetString(engineID)
        writer.writeInteger(Int64(engineBoots))
        writer.writeInteger(Int64(engineTime))
        writer.writeOctetString(userName)
        writer.bytes.append(BERTag.octetString)
        writer.writeLength(authenticationParameters.count)
        let authOffset = writer.bytes.count
        writer.bytes.append(contentsOf: authenticationParameters)
        writer.writeOctetString(privacyParameters)
        writer.endConstructed(mark)
        var reader = BERReader(writer.bytes)
        let offset = (try? Self.authOffset(in: &reader)) ?? authOffset
        return (writer.bytes, offset)
    }

    private static func authOffset(in reader: inout BERReader) throws(BERError) -> Int {
        var inner = try reader.readConstructed()
        try inner.skipElement()
        try inner.skipElement()
        try inner.skipElement()
        try inner.skipElement()
        _ = try inner.readHeader(expecting: BERTag.octetString)
        return inner.position
    }

    /// Decodes parameters from a reader positioned at the SEQUENCE; also returns the absolute offset
    /// and length of the authentication parameters' content.
    public static func decode(from reader: inout BERReader) throws(BERError)
        -> (parameters: USMSecurityParameters, authOffset: Int, authLength: Int) {
        var inner = try reader.readConstructed()
        let engineID = try inner.readOctetString()
        let boots = try inner.readInt32()
        let time = try inner.readInt32()
        let userName = try inner.readOctetString()
        let authLength = try inner.readHeader(expecting: BERTag.octetString)
        let authOffset = inner.position
        try inner.skipBytes(authLength)
        let auth = try inner.bytesSlice(from: authOffset, count: authLength)
        let priv = try inner.readOctetString()
        guard engineID.count <= 32, userName.count <= 32 else {
            throw BERError(.invalidValue, at: authOffset, "engine ID or user name longer than 32 octets")
        }
        let parameters = USMSecurityParameters(engineID: engineID, engineBoots: boots, engineTime: time,
                                               userName: userName, authenticationParameters: Array(auth),
                                               privacyParameters: priv)
        return (parameters, authOffset, authLength)
    }
}

extension BERReader {
    /// Advances past `count` bytes of content.
    mutating func skipBytes(_ count: Int) throws(BERError) {
        guard count <= end - position else { throw BERError(.truncated, at: position) }
        position += count
    }

    /// A slice of the underlying bytes (absolute offsets).
    func bytesSlice(from offset: Int, count: Int) throws(BERError) -> ArraySlice<UInt8> {
        guard offset >= 0, count >= 0, offset + count <= bytes.count else { throw BERError(.truncated, at: offset) }
        return bytes[offset..<(offset + count)]
    }

    /// A reader over `length` bytes starting at the current position, one level deeper.
    func subReader(length: Int) throws(BERError) -> BERReader {
        guard depth < BERReader.maximumDepth else { throw BERError(.tooDeep, at: position) }
        guard length <= end - position else { throw BERError(.truncated, at: position) }
        return BERReader(bytes: bytes, position: position, end: position + length, depth: depth + 1)
    }
}
