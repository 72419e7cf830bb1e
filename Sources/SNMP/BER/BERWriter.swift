/// Appends BER encodings to a byte array. Constructed elements are opened with
/// ``beginConstructed(_:)`` and closed with ``endConstructed(_:)``, which fixes up the length.
public struct BERWriter: Sendable {
    /// The bytes written so far.
    public var bytes: [UInt8]

    /// Creates an empty writer.
    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// A pending constructed element.
    public struct Mark: Sendable {
        let lengthOffset: Int
    }

    /// Writes a tag and a one-byte placeholder length.
    public mutating func beginConstructed(_ tag: UInt8 = BERTag.sequence) -> Mark {
        bytes.append(tag)
        bytes.append(0)
        return Mark(lengthOffset: bytes.count - 1)
    }

    /// Closes a constructed element, writing its definite length.
    public mutating func endConstructed(_ mark: Mark) {
        let length = bytes.count - mark.lengthOffset - 1
        if length < 0x80 {
            bytes[mark.lengthOffset] = UInt8(length)
            return
        }
        let extra = lengthOctetCount(length)
        bytes[mark.lengthOffset] = 0x80 | UInt8(extra)
        var encoded: [UInt8] = []
        for shift in stride(from: (extra - 1) * 8, through: 0, by: -8) {
            encoded.append(UInt8(truncatingIfNeeded: length >> shift))
        }
        bytes.insert(contentsOf: encoded, at: mark.lengthOffset + 1)
    }

    private func lengthOctetCount(_ length: Int) -> Int {
        var count = 1
        var rest = length >> 8
        while rest > 0 { count += 1; rest >>= 8 }
        return count
    }

    /// Writes a definite length.
    public mutating func writeLength(_ length: Int) {
        if length < 0x80 {
            bytes.append(UInt8(length))
        } else {
            let count = lengthOctetCount(length)
            bytes.append(0x80 | UInt8(count))
            for shift in stride(from: (count - 1) * 8, through: 0, by: -8) {
                bytes.append(UInt8(truncatingIfNeeded: length >> shift))
            }
        }
    }

    /// Writes a signed integer in its minimal two's-complement form.
    public mutating func writeInteger(_ value: Int64, tag: UInt8 = BERTag.integer) {
        var count = 8
        while count > 1 {
            let top = UInt8(truncatingIfNeeded: value >> ((count - 1) * 8))
            let next = UInt8(truncatingIfNeeded: value >> ((count - 2) * 8))
            if (top == 0x00 && next < 0x80) || (top == 0xFF && next >= 0x80) {
                count -= 1
            } else {
                break
            }
        }
        bytes.append(tag)
        bytes.append(UInt8(count))
        for index in stride(from: count - 1, through: 0, by: -1) {
            bytes.append(UInt8(truncatingIfNeeded: value >> (index * 8)))
        }
    }

    /// Writes an unsigned value minimally, with a leading zero octet when the top bit is set.
    public mutating func writeUnsigned(_ value: UInt64, tag: UInt8) {
        var count = 1
        while count < 8 && value >> (count * 8) != 0 { count += 1 }
        let pad = (value >> ((count - 1) * 8)) & 0x80 != 0
        bytes.append(tag)
        bytes.append(UInt8(count + (pad ? 1 : 0)))
        if pad { bytes.append(0) }
        for index in stride(from: count - 1, through: 0, by: -1) {
            bytes.append(UInt8(truncatingIfNeeded: value >> (index * 8)))
        }
    }

    /// Writes an OCTET STRING (or another opaque type).
    public mutating func writeOctetString<Bytes: Collection>(_ value: Bytes, tag: UInt8 = BERTag.octetString)
    where Bytes.Element == UInt8 {
        bytes.append(tag)
        writeLength(value.count)
        bytes.append(contentsOf: value)
    }

    /// Writes a NULL (or an exception with `tag`).
    public mutating func writeNull(tag: UInt8 = BERTag.null) {
        bytes.append(tag)
        bytes.append(0)
    }

    /// Writes an OBJECT IDENTIFIER. OIDs of fewer than two arcs are written as-is
    /// (empty content for none, `40 * first` for one).
    public mutating func writeOID(_ oid: OID) {
        bytes.append(BERTag.oid)
        let mark = bytes.count
        bytes.append(0)
        let arcs = oid.arcs
        if arcs.count >= 2 {
            appendBase128(UInt64(arcs[0]) * 40 + UInt64(arcs[1]))
            for index in 2..<arcs.count { appendBase128(UInt64(arcs[index])) }
        } else if arcs.count == 1 {
            appendBase128(UInt64(arcs[0]) * 40)
        }
        let length = bytes.count - mark - 1
        if length < 0x80 {
            bytes[mark] = UInt8(length)
        } else {
            let content = Array(bytes[(mark + 1)...])
            bytes.removeSubrange(mark...)
            writeLength(length)
            bytes.append(contentsOf: content)
        }
    }

    private mutating func appendBase128(_ value: UInt64) {
        var shift = 63
        while shift > 0 && (value >> UInt64(shift)) & 0x7F == 0 { shift -= 7 }
        shift = (shift / 7) * 7
        while shift > 0 {
            bytes.append(UInt8(truncatingIfNeeded: (value >> UInt64(shift)) & 0x7F) | 0x80)
            shift -= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: value & 0x7F))
    }

    /// Writes any SNMP value.
    public mutating func writeValue(_ value: SNMPValue) {
        switch value {
        case .integer(let number): writeInteger(number)
        case .octetString(let octets): writeOctetString(octets)
        case .null: writeNull()
        case .oid(let oid): writeOID(oid)
        case .ipAddress(let a, let b, let c, let d):
            bytes.append(contentsOf: [BERTag.ipAddress, 4, a, b, c, d])
        case .counter32(let number): writeUnsigned(UInt64(number), tag: BERTag.counter32)
        case .gauge32(let number): writeUnsigned(UInt64(number), tag: BERTag.gauge32)
        case .timeTicks(let number): writeUnsigned(UInt64(number), tag: BERTag.timeTicks)
        case .opaque(let octets): writeOctetString(octets, tag: BERTag.opaque)
        case .counter64(let number): writeUnsigned(number, tag: BERTag.counter64)
        case .noSuchObject: writeNull(tag: BERTag.noSuchObject)
        case .noSuchInstance: writeNull(tag: BERTag.noSuchInstance)
        case .endOfMibView: writeNull(tag: BERTag.endOfMibView)
        }
    }

    /// Writes a SEQUENCE OF VarBind.
    public mutating func writeVarBinds(_ varBinds: [VarBind]) {
        let list = beginConstructed()
        for varBind in varBinds {
            let pair = beginConstructed()
            writeOID(varBind.oid)
            writeValue(varBind.value)
            endConstructed(pair)
        }
        endConstructed(list)
    }
}
