/// A cursor over BER-encoded bytes. Decoding never reads outside the bytes it was given,
/// never allocates more than the input holds and refuses nesting deeper than ``maximumDepth``.
public struct BERReader: Sendable {
    /// The largest nesting of constructed elements accepted.
    public static let maximumDepth = 16

    @usableFromInline let bytes: [UInt8]
    /// Offset of the next byte to read.
    public internal(set) var position: Int
    /// Offset one past the last byte this reader may read.
    public let end: Int
    /// Current nesting depth.
    public let depth: Int

    /// Creates a reader over all of `bytes`.
    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.position = 0
        self.end = bytes.count
        self.depth = 0
    }

    init(bytes: [UInt8], position: Int, end: Int, depth: Int) {
        self.bytes = bytes
        self.position = position
        self.end = end
        self.depth = depth
    }

    /// Whether every byte has been consumed.
    public var isAtEnd: Bool { position >= end }

    /// The tag of the next element without consuming it.
    public func peekTag() throws(BERError) -> UInt8 {
        guard position < end else { throw BERError(.truncated, at: position, "expected a tag") }
        return bytes[position]
    }

    /// Reads a tag and a length and returns both, leaving the cursor at the content.
    public mutating func readHeader() throws(BERError) -> (tag: UInt8, length: Int) {
        guard position < end else { throw BERError(.truncated, at: position, "expected a tag") }
        let tag = bytes[position]
        if tag & 0x1F == 0x1F {
            throw BERError(.unexpectedTag, at: position, "multi-byte tags are not used by SNMP")
        }
        position += 1
        guard position < end else { throw BERError(.truncated, at: position, "expected a length") }
        let first = bytes[position]
        position += 1
        var length: Int
        if first < 0x80 {
            length = Int(first)
        } else {
            let count = Int(first & 0x7F)
            guard count > 0 else { throw BERError(.invalidLength, at: position - 1, "indefinite length") }
            guard count <= 4 else { throw BERError(.invalidLength, at: position - 1, "length of \(count) octets") }
            guard end - position >= count else { throw BERError(.truncated, at: position, "length octets") }
            length = 0
            for _ in 0..<count {
                length = (length << 8) | Int(bytes[position])
                position += 1
            }
        }
        guard length <= end - position else {
            throw BERError(.truncated, at: position, "content of \(length) octets, \(end - position) left")
        }
        return (tag, length)
    }

    /// Reads a header and checks its tag.
    public mutating func readHeader(expecting tag: UInt8) throws(BERError) -> Int {
        let start = position
        let header = try readHeader()
        guard header.tag == tag else {
            throw BERError(.unexpectedTag, at: start, "expected 0x\(hex(tag)), found 0x\(hex(header.tag))")
        }
        return header.length
    }

    /// Enters a constructed element with the given tag: returns a reader bounded to its content
    /// and moves this reader past it.
    public mutating func readConstructed(_ tag: UInt8 = BERTag.sequence) throws(BERError) -> BERReader {
        guard depth < BERReader.maximumDepth else {
            throw BERError(.tooDeep, at: position, "more than \(BERReader.maximumDepth) levels")
        }
        let length = try readHeader(expecting: tag)
        let inner = BERReader(bytes: bytes, position: position, end: position + length, depth: depth + 1)
        position += length
        return inner
    }

    /// Enters any constructed element and returns its tag with a reader over its content.
    public mutating func readAnyConstructed() throws(BERError) -> (tag: UInt8, reader: BERReader) {
        guard depth < BERReader.maximumDepth else {
            throw BERError(.tooDeep, at: position, "more than \(BERReader.maximumDepth) levels")
        }
        let header = try readHeader()
        let inner = BERReader(bytes: bytes, position: position, end: position + header.length, depth: depth + 1)
        position += header.length
        return (header.tag, inner)
    }

    /// Skips one element of any type.
    public mutating func skipElement() throws(BERError) {
        let header = try readHeader()
        position += header.length
    }

    /// Reads an element and returns its raw content bytes.
    public mutating func readContent(expecting tag: UInt8) throws(BERError) -> ArraySlice<UInt8> {
        let length = try readHeader(expecting: tag)
        let slice = bytes[position..<(position + length)]
        position += length
        return slice
    }

    /// Reads an INTEGER (or another signed type with `tag`), tolerating non-minimal encodings.
    public mutating func readInteger(tag: UInt8 = BERTag.integer) throws(BERError) -> Int64 {
        let length = try readHeader(expecting: tag)
        return try decodeSigned(length: length)
    }

    /// Reads an INTEGER that must fit in 32 bits (request-id, error-status, …).
    public mutating func readInt32(tag: UInt8 = BERTag.integer) throws(BERError) -> Int32 {
        let start = position
        let value = try readInteger(tag: tag)
        guard let narrow = Int32(exactly: value) else {
            throw BERError(.integerOverflow, at: start, "\(value) does not fit in 32 bits")
        }
        return narrow
    }

    mutating func decodeSigned(length: Int) throws(BERError) -> Int64 {
        guard length > 0 else { throw BERError(.invalidValue, at: position, "empty INTEGER") }
        var index = position
        let stop = position + length
        // Drop redundant sign padding that buggy agents emit.
        while stop - index > 1 {
            let byte = bytes[index]
            let next = bytes[index + 1]
            if (byte == 0x00 && next < 0x80) || (byte == 0xFF && next >= 0x80) {
                index += 1
            } else {
                break
            }
        }
        guard stop - index <= 8 else {
            throw BERError(.integerOverflow, at: position, "INTEGER of \(stop - index) significant octets")
        }
        var value: Int64 = bytes[index] >= 0x80 ? -1 : 0
        while index < stop {
            value = (value << 8) | Int64(bytes[index])
            index += 1
        }
        position = stop
        return value
    }

    /// Reads an unsigned application type of `bits` width (32 or 64).
    ///
    /// Tolerates leading zero padding and values whose top bit is set without the extra zero
    /// octet (sign-extended, as net-snmp does); wider values are truncated to `bits`.
    public mutating func readUnsigned(tag: UInt8, bits: Int) throws(BERError) -> UInt64 {
        let length = try readHeader(expecting: tag)
        guard length > 0 else { throw BERError(.invalidValue, at: position, "empty unsigned value") }
        var index = position
        let stop = position + length
        let negative = bytes[index] >= 0x80
        while stop - index > 1 && bytes[index] == 0x00 {
            index += 1
        }
        guard stop - index <= 8 else {
            throw BERError(.integerOverflow, at: position, "unsigned of \(stop - index) significant octets")
        }
        var value: UInt64 = negative ? UInt64.max : 0
        while index < stop {
            value = (value << 8) | UInt64(bytes[index])
            index += 1
        }
        position = stop
        return bits == 64 ? value : value & 0xFFFF_FFFF
    }

    /// Reads an OCTET STRING (or another opaque type with `tag`).
    public mutating func readOctetString(tag: UInt8 = BERTag.octetString) throws(BERError) -> [UInt8] {
        Array(try readContent(expecting: tag))
    }

    /// Reads a NULL, ignoring any (invalid) content.
    public mutating func readNull() throws(BERError) {
        let length = try readHeader(expecting: BERTag.null)
        position += length
    }

    /// Reads an OBJECT IDENTIFIER.
    public mutating func readOID() throws(BERError) -> OID {
        let length = try readHeader(expecting: BERTag.oid)
        return try decodeOID(length: length)
    }

    mutating func decodeOID(length: Int) throws(BERError) -> OID {
        let start = position
        let stop = position + length
        guard length > 0 else { return OID([]) }
        guard length <= OID.maximumArcCount * 5 else {
            throw BERError(.invalidOID, at: start, "OID of \(length) octets")
        }
        var arcs: [UInt32] = []
        arcs.reserveCapacity(min(length + 1, OID.maximumArcCount))
        var index = position
        var first = true
        while index < stop {
            var value: UInt64 = 0
            var done = false
            while index < stop {
                let byte = bytes[index]
                index += 1
                value = (value << 7) | UInt64(byte & 0x7F)
                guard value <= UInt64(UInt32.max) + 80 else {
                    throw BERError(.invalidOID, at: index - 1, "arc over 32 bits")
                }
                if byte & 0x80 == 0 { done = true; break }
            }
            guard done else { throw BERError(.invalidOID, at: index, "unterminated arc") }
            if first {
                first = false
                if value < 40 {
                    arcs.append(0); arcs.append(UInt32(value))
                } else if value < 80 {
                    arcs.append(1); arcs.append(UInt32(value - 40))
                } else {
                    guard value - 80 <= UInt64(UInt32.max) else {
                        throw BERError(.invalidOID, at: index - 1, "arc over 32 bits")
                    }
                    arcs.append(2); arcs.append(UInt32(value - 80))
                }
            } else {
                guard value <= UInt64(UInt32.max) else {
                    throw BERError(.invalidOID, at: index - 1, "arc over 32 bits")
                }
                guard arcs.count < OID.maximumArcCount else {
                    throw BERError(.invalidOID, at: index - 1, "more than \(OID.maximumArcCount) arcs")
                }
                arcs.append(UInt32(value))
            }
        }
        position = stop
        return OID(arcs)
    }

    /// Reads any SNMP value.
    public mutating func readValue() throws(BERError) -> SNMPValue {
        let tag = try peekTag()
        switch tag {
        case BERTag.integer:
            return .integer(try readInteger())
        case BERTag.octetString:
            return .octetString(try readOctetString())
        case BERTag.null:
            try readNull()
            return .null
        case BERTag.oid:
            return .oid(try readOID())
        case BERTag.ipAddress:
            let start = position
            let content = try readContent(expecting: BERTag.ipAddress)
            guard content.count == 4 else {
                throw BERError(.invalidValue, at: start, "IpAddress of \(content.count) octets")
            }
            let base = content.startIndex
            return .ipAddress(content[base], content[base + 1], content[base + 2], content[base + 3])
        case BERTag.counter32:
            return .counter32(UInt32(try readUnsigned(tag: tag, bits: 32)))
        case BERTag.gauge32:
            return .gauge32(UInt32(try readUnsigned(tag: tag, bits: 32)))
        case BERTag.timeTicks:
            return .timeTicks(UInt32(try readUnsigned(tag: tag, bits: 32)))
        case BERTag.opaque:
            return .opaque(try readOctetString(tag: BERTag.opaque))
        case BERTag.counter64:
            return .counter64(try readUnsigned(tag: tag, bits: 64))
        case BERTag.noSuchObject, BERTag.noSuchInstance, BERTag.endOfMibView:
            let length = try readHeader().length
            position += length
            switch tag {
            case BERTag.noSuchObject: return .noSuchObject
            case BERTag.noSuchInstance: return .noSuchInstance
            default: return .endOfMibView
            }
        default:
            throw BERError(.unexpectedTag, at: position, "unknown value type 0x\(hex(tag))")
        }
    }

    /// Reads a SEQUENCE OF VarBind.
    public mutating func readVarBinds() throws(BERError) -> [VarBind] {
        var list = try readConstructed()
        var result: [VarBind] = []
        while !list.isAtEnd {
            var pair = try list.readConstructed()
            let oid = try pair.readOID()
            let value = try pair.readValue()
            result.append(VarBind(oid, value))
        }
        return result
    }
}

@inline(__always)
func hex(_ byte: UInt8) -> String {
    let digits: [Character] = Array("0123456789abcdef")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
}
