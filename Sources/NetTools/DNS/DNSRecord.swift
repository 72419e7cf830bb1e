/// A resource record with its data in zone-file presentation form (`10 mail.example.`,
/// `"v=spf1 -all"`, `0 issue "ca.example"`; RFC 3597 `\# n hex` for types we do not decode).
public struct DNSRecord: Sendable, Hashable, Codable {
    /// The owner name (absolute, with the trailing dot).
    public var name: String
    /// The type code.
    public var typeCode: UInt16
    /// The class code.
    public var classCode: UInt16
    /// Time to live in seconds.
    public var ttl: UInt32
    /// The raw RDATA.
    public var rdata: [UInt8]
    /// The presentation form of the data.
    public var data: String

    /// The type's mnemonic.
    public var type: String { DNSRecordType.name(of: typeCode) }

    /// Creates a record.
    public init(name: String, typeCode: UInt16, classCode: UInt16 = 1, ttl: UInt32, rdata: [UInt8], data: String) {
        self.name = name
        self.typeCode = typeCode
        self.classCode = classCode
        self.ttl = ttl
        self.rdata = rdata
        self.data = data
    }

    /// The presentation of `rdata` of type `type`; names inside are read from `message` (for compression),
    /// the record data starting at `offset`.
    static func present(type: UInt16, rdata: [UInt8], message: [UInt8], offset: Int) throws(DNSDecodeError) -> String {
        var reader = DNSReader(bytes: message, offset: offset)
        let end = offset + rdata.count
        func ensureEnd() throws(DNSDecodeError) {
            guard reader.offset == end else { throw DNSDecodeError(description: "\(DNSRecordType.name(of: type)) record data has the wrong length") }
        }
        switch DNSRecordType(code: type) {
        case .a:
            guard rdata.count == 4 else { throw DNSDecodeError(description: "A record data is not 4 bytes") }
            return IPNetwork.text(of: rdata)
        case .aaaa:
            guard rdata.count == 16 else { throw DNSDecodeError(description: "AAAA record data is not 16 bytes") }
            return IPNetwork.text(of: rdata)
        case .ns, .cname, .ptr:
            let name = try reader.name()
            try ensureEnd()
            return name
        case .mx:
            let preference = try reader.u16()
            let exchange = try reader.name()
            try ensureEnd()
            return "\(preference) \(exchange)"
        case .soa:
            let mname = try reader.name()
            let rname = try reader.name()
            let numbers = [try reader.u32(), try reader.u32(), try reader.u32(), try reader.u32(), try reader.u32()]
            try ensureEnd()
            return ([mname, rname] + numbers.map(String.init)).joined(separator: " ")
        case .txt:
            var strings: [String] = []
            var index = 0
            while index < rdata.count {
                let count = Int(rdata[index])
                guard index + 1 + count <= rdata.count else { throw DNSDecodeError(description: "TXT string runs past its record") }
                strings.append(quoted(rdata[(index + 1)..<(index + 1 + count)]))
                index += 1 + count
            }
            return strings.joined(separator: " ")
        case .caa:
            guard rdata.count >= 2, rdata.count >= 2 + Int(rdata[1]) else { throw DNSDecodeError(description: "CAA record data is malformed") }
            let tagEnd = 2 + Int(rdata[1])
            let tag = String(decoding: rdata[2..<tagEnd], as: UTF8.self)
            return "\(rdata[0]) \(tag) \(quoted(rdata[tagEnd...]))"
        case nil:
            return "\\# \(rdata.count) " + rdata.map { byte in String(byte, radix: 16).leftPadded(2) }.joined()
        }
    }

    static func quoted(_ bytes: ArraySlice<UInt8>) -> String {
        var text = "\""
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): text += "\\" + String(UnicodeScalar(byte))
            case 0x20...0x7e: text.unicodeScalars.append(UnicodeScalar(byte))
            default: text += "\\" + String(byte).leftPadded(3, with: "0")
            }
        }
        return text + "\""
    }
}

extension String {
    func leftPadded(_ width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
