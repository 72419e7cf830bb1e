import Crypto

/// A STUN message (RFC 5389; RFC 3489 messages without the magic cookie are read too) with the
/// attributes TR-111 Part 2 adds: `CONNECTION-REQUEST-BINDING` (0xC001) marks the binding on which a
/// CPE listens for UDP connection requests, `BINDING-CHANGE` (0xC002) says that binding changed.
/// No I/O: ``encode()`` and ``decode(_:)`` turn values into datagrams and back.
public struct STUNMessage: Sendable, Hashable {
    /// The message class and method as carried on the wire (only Binding is used).
    public enum Kind: UInt16, Sendable, Hashable {
        /// Binding Request.
        case bindingRequest = 0x0001
        /// Binding Success Response.
        case bindingResponse = 0x0101
        /// Binding Error Response.
        case bindingErrorResponse = 0x0111
    }

    /// Attribute types this code reads or writes.
    public enum AttributeType {
        /// MAPPED-ADDRESS.
        public static let mappedAddress: UInt16 = 0x0001
        /// CHANGE-REQUEST (RFC 3489/5780).
        public static let changeRequest: UInt16 = 0x0003
        /// USERNAME.
        public static let username: UInt16 = 0x0006
        /// MESSAGE-INTEGRITY.
        public static let messageIntegrity: UInt16 = 0x0008
        /// ERROR-CODE.
        public static let errorCode: UInt16 = 0x0009
        /// XOR-MAPPED-ADDRESS.
        public static let xorMappedAddress: UInt16 = 0x0020
        /// XOR-MAPPED-ADDRESS as pre-RFC 5389 servers (stund) number it.
        public static let xorMappedAddressLegacy: UInt16 = 0x8020
        /// SOFTWARE.
        public static let software: UInt16 = 0x8022
        /// FINGERPRINT.
        public static let fingerprint: UInt16 = 0x8028
        /// CONNECTION-REQUEST-BINDING (TR-111).
        public static let connectionRequestBinding: UInt16 = 0xC001
        /// BINDING-CHANGE (TR-111).
        public static let bindingChange: UInt16 = 0xC002
    }

    /// The RFC 5389 magic cookie.
    public static let magicCookie: UInt32 = 0x2112_A442
    /// The value of CONNECTION-REQUEST-BINDING: 20 bytes, the last a space.
    public static let connectionRequestBindingValue = Array("dslforum.org/TR-111 ".utf8)

    /// An attribute as type and raw value.
    public struct Attribute: Sendable, Hashable {
        /// Type.
        public var type: UInt16
        /// Value (without padding).
        public var value: [UInt8]

        /// Creates an attribute.
        public init(type: UInt16, value: [UInt8]) {
            self.type = type
            self.value = value
        }
    }

    /// An IPv4 or IPv6 transport address.
    public struct Address: Sendable, Hashable, CustomStringConvertible {
        /// The address bytes (4 or 16).
        public var bytes: [UInt8]
        /// The port.
        public var port: UInt16

        /// Creates an address from bytes and a port.
        public init(bytes: [UInt8], port: UInt16) {
            self.bytes = bytes
            self.port = port
        }

        /// The address as text, without the port.
        public var host: String {
            if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
            return stride(from: 0, to: bytes.count, by: 2).map { String(Int(bytes[$0]) << 8 | Int(bytes[$0 + 1]), radix: 16) }
                .joined(separator: ":")
        }

        /// `host:port` (`[host]:port` for IPv6), the form of UDPConnectionRequestAddress.
        public var description: String { bytes.count == 4 ? "\(host):\(port)" : "[\(host)]:\(port)" }
    }

    /// Why a datagram is not a STUN message.
    public struct DecodeError: Error, Sendable, Hashable, CustomStringConvertible {
        /// What is wrong.
        public let description: String
    }

    /// The message class and method.
    public var kind: Kind
    /// The 16 bytes after the type and length: the magic cookie and 12-byte id (RFC 5389) or a 16-byte id (RFC 3489).
    public var transactionID: [UInt8]
    /// The attributes in order.
    public var attributes: [Attribute]

    /// Creates a message.
    public init(kind: Kind, transactionID: [UInt8], attributes: [Attribute] = []) {
        self.kind = kind
        self.transactionID = transactionID
        self.attributes = attributes
    }

    /// A new RFC 5389 transaction id: the magic cookie then 12 random bytes.
    public static func newTransactionID() -> [UInt8] {
        [0x21, 0x12, 0xA4, 0x42] + (0..<12).map { _ in UInt8.random(in: 0...255) }
    }

    /// Whether the id starts with the RFC 5389 magic cookie.
    public var hasMagicCookie: Bool { Array(transactionID.prefix(4)) == [0x21, 0x12, 0xA4, 0x42] }

    /// The first attribute of `type`.
    public func attribute(_ type: UInt16) -> [UInt8]? { attributes.first { $0.type == type }?.value }

    /// USERNAME as text, without the trailing spaces or NULs that pad it to 4 bytes.
    public var username: String? {
        guard var value = attribute(AttributeType.username) else { return nil }
        while let last = value.last, last == 0x20 || last == 0 { value.removeLast() }
        return String(decoding: value, as: UTF8.self)
    }

    /// Whether the request marks the CPE's UDP connection-request binding (TR-111).
    public var isConnectionRequestBinding: Bool {
        guard let value = attribute(AttributeType.connectionRequestBinding) else { return false }
        // Some CPEs drop the trailing space; accept both.
        return value == Self.connectionRequestBindingValue || value == Array(Self.connectionRequestBindingValue.dropLast())
    }

    /// Whether the request carries BINDING-CHANGE.
    public var isBindingChange: Bool { attribute(AttributeType.bindingChange) != nil }

    /// The reflexive address of a response: XOR-MAPPED-ADDRESS when present, else MAPPED-ADDRESS, else
    /// the XOR-MAPPED-ADDRESS that pre-RFC 5389 servers number 0x8020.
    public var mappedAddress: Address? {
        if let value = attribute(AttributeType.xorMappedAddress), let address = Self.decodeAddress(value, xor: transactionID) { return address }
        if let address = attribute(AttributeType.mappedAddress).flatMap({ Self.decodeAddress($0, xor: nil) }) { return address }
        return attribute(AttributeType.xorMappedAddressLegacy).flatMap { Self.decodeAddress($0, xor: transactionID) }
    }

    /// The datagram. With `integrityKey`, MESSAGE-INTEGRITY (HMAC-SHA1, RFC 5389 §15.4) is appended;
    /// with `fingerprint`, FINGERPRINT after it.
    public func encode(integrityKey: [UInt8]? = nil, fingerprint: Bool = false) -> [UInt8] {
        var body: [UInt8] = []
        for attribute in attributes { Self.append(attribute, to: &body) }
        if let integrityKey {
            let header = Self.header(kind, length: body.count + 24, id: transactionID)
            let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: header + body, using: SymmetricKey(data: integrityKey)))
            Self.append(Attribute(type: AttributeType.messageIntegrity, value: mac), to: &body)
        }
        if fingerprint {
            let header = Self.header(kind, length: body.count + 8, id: transactionID)
            let crc = CRC32.checksum(header + body) ^ 0x5354_554E
            Self.append(Attribute(type: AttributeType.fingerprint, value: Self.bigEndian(crc)), to: &body)
        }
        return Self.header(kind, length: body.count, id: transactionID) + body
    }

    /// Parses a datagram; anything but a Binding request or response is an error.
    public static func decode(_ bytes: [UInt8]) throws(DecodeError) -> STUNMessage {
        guard bytes.count >= 20 else { throw DecodeError(description: "shorter than a STUN header (\(bytes.count) bytes)") }
        guard bytes[0] & 0xC0 == 0 else { throw DecodeError(description: "the first two bits are not zero") }
        let type = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        let length = Int(bytes[2]) << 8 | Int(bytes[3])
        guard length % 4 == 0, 20 + length <= bytes.count else { throw DecodeError(description: "length \(length) does not fit the datagram") }
        guard let kind = Kind(rawValue: type) else { throw DecodeError(description: "message type 0x\(String(type, radix: 16)) is not Binding") }
        var attributes: [Attribute] = []
        var index = 20
        let end = 20 + length
        while index < end {
            guard index + 4 <= end else { throw DecodeError(description: "truncated attribute header") }
            let attributeType = UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
            let attributeLength = Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
            guard index + 4 + attributeLength <= end else { throw DecodeError(description: "attribute 0x\(String(attributeType, radix: 16)) overruns the message") }
            attributes.append(Attribute(type: attributeType, value: Array(bytes[(index + 4)..<(index + 4 + attributeLength)])))
            index += 4 + (attributeLength + 3) / 4 * 4
        }
        return STUNMessage(kind: kind, transactionID: Array(bytes[4..<20]), attributes: attributes)
    }

    /// Whether MESSAGE-INTEGRITY of `datagram` (as received) is valid for `key`; false when absent.
    public static func verifyIntegrity(_ datagram: [UInt8], key: [UInt8]) -> Bool {
        var index = 20
        while index + 4 <= datagram.count {
            let type = UInt16(datagram[index]) << 8 | UInt16(datagram[index + 1])
            let length = Int(datagram[index + 2]) << 8 | Int(datagram[index + 3])
            if type == AttributeType.messageIntegrity {
                guard length == 20, index + 24 <= datagram.count else { return false }
                var covered = Array(datagram[0..<index])
                let adjusted = index - 20 + 24
                covered[2] = UInt8(adjusted >> 8)
                covered[3] = UInt8(adjusted & 0xFF)
                let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: covered, using: SymmetricKey(data: key)))
                return mac == Array(datagram[(index + 4)..<(index + 24)])
            }
            index += 4 + (length + 3) / 4 * 4
        }
        return false
    }

    /// The value of (XOR-)MAPPED-ADDRESS for `address`.
    public static func encodeAddress(_ address: Address, xor id: [UInt8]?) -> [UInt8] {
        var port = address.port
        var bytes = address.bytes
        if let id {
            port ^= 0x2112
            let mask = Array(id.prefix(bytes.count))
            bytes = zip(bytes, mask).map { $0 ^ $1 }
        }
        return [0, address.bytes.count == 4 ? 0x01 : 0x02, UInt8(port >> 8), UInt8(port & 0xFF)] + bytes
    }

    static func decodeAddress(_ value: [UInt8], xor id: [UInt8]?) -> Address? {
        guard value.count >= 8 else { return nil }
        let size = value[1] == 0x01 ? 4 : value[1] == 0x02 ? 16 : 0
        guard size > 0, value.count >= 4 + size else { return nil }
        var port = UInt16(value[2]) << 8 | UInt16(value[3])
        var bytes = Array(value[4..<(4 + size)])
        if let id {
            port ^= 0x2112
            bytes = zip(bytes, id.prefix(size)).map { $0 ^ $1 }
        }
        return Address(bytes: bytes, port: port)
    }

    static func header(_ kind: Kind, length: Int, id: [UInt8]) -> [UInt8] {
        [UInt8(kind.rawValue >> 8), UInt8(kind.rawValue & 0xFF), UInt8(length >> 8), UInt8(length & 0xFF)] + id
    }

    static func append(_ attribute: Attribute, to body: inout [UInt8]) {
        body += [UInt8(attribute.type >> 8), UInt8(attribute.type & 0xFF), UInt8(attribute.value.count >> 8), UInt8(attribute.value.count & 0xFF)]
        body += attribute.value
        body += [UInt8](repeating: 0, count: (4 - attribute.value.count % 4) % 4)
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}

extension STUNMessage {
    /// The Binding request a CPE sends from its UDP connection-request port (TR-111 Part 2):
    /// USERNAME when it has a STUNUsername, CONNECTION-REQUEST-BINDING always, BINDING-CHANGE when the
    /// binding changed since the last one; MESSAGE-INTEGRITY with STUNPassword when it has one.
    public static func connectionRequestBinding(username: String?, bindingChanged: Bool,
                                                transactionID: [UInt8] = STUNMessage.newTransactionID()) -> STUNMessage {
        var attributes: [Attribute] = []
        if let username, !username.isEmpty {
            // RFC 3489 (which TR-111 cites) wants USERNAME in multiples of 4 bytes; servers of that age
            // refuse other lengths. Trailing spaces pad it; ``username`` trims them.
            var value = Array(username.utf8)
            value += [UInt8](repeating: 0x20, count: (4 - value.count % 4) % 4)
            attributes.append(Attribute(type: AttributeType.username, value: value))
        }
        attributes.append(Attribute(type: AttributeType.connectionRequestBinding, value: connectionRequestBindingValue))
        if bindingChanged { attributes.append(Attribute(type: AttributeType.bindingChange, value: [])) }
        return STUNMessage(kind: .bindingRequest, transactionID: transactionID, attributes: attributes)
    }

    /// The success response to `request` seen from `source`: XOR-MAPPED-ADDRESS (RFC 5389 clients) and
    /// MAPPED-ADDRESS (RFC 3489 clients such as `stun`, and CPEs that only read it).
    public static func bindingResponse(to request: STUNMessage, source: Address) -> STUNMessage {
        var attributes = [Attribute(type: AttributeType.mappedAddress, value: encodeAddress(source, xor: nil))]
        if request.hasMagicCookie {
            attributes.append(Attribute(type: AttributeType.xorMappedAddress, value: encodeAddress(source, xor: request.transactionID)))
        }
        attributes.append(Attribute(type: AttributeType.software, value: Array("OctoISP".utf8) + [0]))
        return STUNMessage(kind: .bindingResponse, transactionID: request.transactionID, attributes: attributes)
    }

    /// A Binding error response with `code` (e.g. 400, 401, 420) and a reason phrase.
    public static func errorResponse(to request: STUNMessage, code: Int, reason: String) -> STUNMessage {
        let value: [UInt8] = [0, 0, UInt8(code / 100), UInt8(code % 100)] + Array(reason.utf8)
        return STUNMessage(kind: .bindingErrorResponse, transactionID: request.transactionID,
                           attributes: [Attribute(type: AttributeType.errorCode, value: value)])
    }

    /// Comprehension-required attributes (0x0000–0x7FFF) a Binding server does not understand.
    public var unknownRequiredAttributes: [UInt16] {
        let known: Set<UInt16> = [AttributeType.mappedAddress, AttributeType.username, AttributeType.messageIntegrity,
                                  AttributeType.errorCode, AttributeType.xorMappedAddress, AttributeType.changeRequest,
                                  0x0002 /* RESPONSE-ADDRESS */, 0x0014 /* REALM */, 0x0015 /* NONCE */]
        return attributes.map(\.type).filter { $0 < 0x8000 && !known.contains($0) }
    }
}

/// CRC-32 (ISO 3309), for STUN's FINGERPRINT.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
