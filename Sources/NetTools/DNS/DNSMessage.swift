/// A DNS message (RFC 1035 §4): header, question and the three record sections. Encoding builds
/// queries; decoding follows name compression with a bound on jumps and never trusts a length.
/// No I/O.
public struct DNSMessage: Sendable, Hashable {
    /// The transaction id.
    public var id: UInt16
    /// QR: this is a response.
    public var isResponse = false
    /// AA: the answer comes from an authoritative server.
    public var authoritative = false
    /// TC: the answer did not fit in the datagram.
    public var truncated = false
    /// RD: recursion desired.
    public var recursionDesired = true
    /// RA: the server offers recursion.
    public var recursionAvailable = false
    /// AD: the server validated the answer with DNSSEC (RFC 4035 §3.2.3, RFC 6840 §5.7).
    public var authenticData = false
    /// CD: checking disabled.
    public var checkingDisabled = false
    /// RCODE (with the EDNS extended bits when an OPT record carried them).
    public var rcode: UInt16 = 0
    /// The questions.
    public var questions: [DNSQuestion] = []
    /// The answer section.
    public var answers: [DNSRecord] = []
    /// The authority section.
    public var authority: [DNSRecord] = []
    /// The additional section (the OPT pseudo-record excluded).
    public var additional: [DNSRecord] = []
    /// The EDNS(0) UDP payload size advertised (`nil`: no OPT record).
    public var ednsPayloadSize: UInt16?
    /// The EDNS DO bit.
    public var dnssecOK = false

    /// Creates an empty message.
    public init(id: UInt16) {
        self.id = id
    }

    /// A recursive query for `name`/`type` with EDNS(0) (payload 1232) and AD set, asking the server
    /// to say whether it validated the answer.
    public static func query(id: UInt16, name: String, type: DNSRecordType, recursionDesired: Bool = true, dnssecOK: Bool = false) -> DNSMessage {
        var message = DNSMessage(id: id)
        message.recursionDesired = recursionDesired
        message.authenticData = true
        message.questions = [DNSQuestion(name: name, type: type.code)]
        message.ednsPayloadSize = 1232
        message.dnssecOK = dnssecOK
        return message
    }

    /// The wire form (names uncompressed).
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        func u16(_ value: UInt16) { bytes += [UInt8(value >> 8), UInt8(value & 0xff)] }
        func u32(_ value: UInt32) { u16(UInt16(value >> 16)); u16(UInt16(value & 0xffff)) }
        u16(id)
        var flags: UInt16 = 0
        if isResponse { flags |= 0x8000 }
        if authoritative { flags |= 0x0400 }
        if truncated { flags |= 0x0200 }
        if recursionDesired { flags |= 0x0100 }
        if recursionAvailable { flags |= 0x0080 }
        if authenticData { flags |= 0x0020 }
        if checkingDisabled { flags |= 0x0010 }
        flags |= rcode & 0x000f
        u16(flags)
        u16(UInt16(questions.count))
        u16(UInt16(answers.count))
        u16(UInt16(authority.count))
        u16(UInt16(additional.count + (ednsPayloadSize == nil ? 0 : 1)))
        for question in questions {
            bytes += Self.encodeName(question.name)
            u16(question.type)
            u16(question.classCode)
        }
        for record in answers + authority + additional {
            bytes += Self.encodeName(record.name)
            u16(record.typeCode)
            u16(record.classCode)
            u32(record.ttl)
            u16(UInt16(record.rdata.count))
            bytes += record.rdata
        }
        if let size = ednsPayloadSize {
            bytes.append(0)
            u16(41)
            u16(size)
            u32((UInt32(rcode >> 4) << 24) | (dnssecOK ? 0x8000 : 0))
            u16(0)
        }
        return bytes
    }

    /// `name` as labels; the root for `""` and `"."`.
    static func encodeName(_ name: String) -> [UInt8] {
        var bytes: [UInt8] = []
        for label in name.split(separator: ".") {
            let utf8 = Array(label.utf8.prefix(63))
            bytes.append(UInt8(utf8.count))
            bytes += utf8
        }
        bytes.append(0)
        return bytes
    }

    /// Decodes a message; throws ``DNSDecodeError`` naming what is wrong.
    public init(decoding bytes: [UInt8]) throws(DNSDecodeError) {
        var reader = DNSReader(bytes: bytes)
        id = try reader.u16()
        let flags = try reader.u16()
        isResponse = flags & 0x8000 != 0
        authoritative = flags & 0x0400 != 0
        truncated = flags & 0x0200 != 0
        recursionDesired = flags & 0x0100 != 0
        recursionAvailable = flags & 0x0080 != 0
        authenticData = flags & 0x0020 != 0
        checkingDisabled = flags & 0x0010 != 0
        rcode = flags & 0x000f
        let counts = [try reader.u16(), try reader.u16(), try reader.u16(), try reader.u16()]
        for _ in 0..<counts[0] {
            let name = try reader.name()
            questions.append(DNSQuestion(name: name, type: try reader.u16(), classCode: try reader.u16()))
        }
        func records(_ count: UInt16) throws(DNSDecodeError) -> [DNSRecord] {
            var list: [DNSRecord] = []
            for _ in 0..<count {
                let name = try reader.name()
                let type = try reader.u16()
                let classCode = try reader.u16()
                let ttl = try reader.u32()
                let length = Int(try reader.u16())
                let offset = reader.offset
                let rdata = try reader.bytes(length)
                let data = try DNSRecord.present(type: type, rdata: rdata, message: bytes, offset: offset)
                list.append(DNSRecord(name: name, typeCode: type, classCode: classCode, ttl: ttl, rdata: rdata, data: data))
            }
            return list
        }
        answers = try records(counts[1])
        authority = try records(counts[2])
        let extra = try records(counts[3])
        for record in extra {
            if record.typeCode == 41 {
                ednsPayloadSize = record.classCode
                rcode |= UInt16(record.ttl >> 24) << 4
                dnssecOK = record.ttl & 0x8000 != 0
            } else {
                additional.append(record)
            }
        }
    }

    /// The RCODE's name (RFC 6895).
    public var rcodeName: String {
        switch rcode {
        case 0: "NOERROR"
        case 1: "FORMERR"
        case 2: "SERVFAIL"
        case 3: "NXDOMAIN"
        case 4: "NOTIMP"
        case 5: "REFUSED"
        case 16: "BADVERS"
        default: "RCODE\(rcode)"
        }
    }
}

/// A question.
public struct DNSQuestion: Sendable, Hashable, Codable {
    /// The name asked.
    public var name: String
    /// The type code.
    public var type: UInt16
    /// The class (1 = IN).
    public var classCode: UInt16 = 1

    /// Creates a question.
    public init(name: String, type: UInt16, classCode: UInt16 = 1) {
        self.name = name
        self.type = type
        self.classCode = classCode
    }
}

/// A decoding failure.
public struct DNSDecodeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong.
    public var description: String
}

/// A bounded big-endian reader over a message.
struct DNSReader {
    let bytes: [UInt8]
    var offset = 0

    mutating func u8() throws(DNSDecodeError) -> UInt8 {
        guard offset < bytes.count else { throw DNSDecodeError(description: "message ends early at byte \(offset)") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16() throws(DNSDecodeError) -> UInt16 {
        UInt16(try u8()) << 8 | UInt16(try u8())
    }

    mutating func u32() throws(DNSDecodeError) -> UInt32 {
        UInt32(try u16()) << 16 | UInt32(try u16())
    }

    mutating func bytes(_ count: Int) throws(DNSDecodeError) -> [UInt8] {
        guard count >= 0, offset + count <= bytes.count else { throw DNSDecodeError(description: "length \(count) runs past the message at byte \(offset)") }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// A possibly compressed name; at most 128 pointer jumps and 255 bytes.
    mutating func name() throws(DNSDecodeError) -> String {
        var labels: [String] = []
        var position = offset
        var jumped = false
        var jumps = 0
        var length = 0
        while true {
            guard position < bytes.count else { throw DNSDecodeError(description: "name runs past the message") }
            let byte = bytes[position]
            if byte & 0xc0 == 0xc0 {
                guard position + 1 < bytes.count else { throw DNSDecodeError(description: "truncated compression pointer") }
                let target = Int(byte & 0x3f) << 8 | Int(bytes[position + 1])
                if !jumped { offset = position + 2 }
                jumped = true
                jumps += 1
                guard jumps <= 128, target < bytes.count else { throw DNSDecodeError(description: "compression pointer loop or out of range") }
                position = target
            } else if byte & 0xc0 != 0 {
                throw DNSDecodeError(description: "unknown label type 0x\(String(byte, radix: 16))")
            } else if byte == 0 {
                if !jumped { offset = position + 1 }
                break
            } else {
                let count = Int(byte)
                guard position + 1 + count <= bytes.count else { throw DNSDecodeError(description: "label runs past the message") }
                length += count + 1
                guard length <= 255 else { throw DNSDecodeError(description: "name longer than 255 bytes") }
                let label = bytes[(position + 1)..<(position + 1 + count)]
                labels.append(String(decoding: label, as: UTF8.self))
                position += 1 + count
            }
        }
        return labels.isEmpty ? "." : labels.joined(separator: ".") + "."
    }
}
