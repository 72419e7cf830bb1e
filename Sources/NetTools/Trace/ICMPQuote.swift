/// An ICMP message as a raw socket delivers it, read far enough to match it to a probe: echo replies,
/// and time-exceeded / destination-unreachable messages with the header of the datagram they quote.
struct ICMPQuote: Hashable {
    /// Type 0, 3 or 11.
    var type: UInt8
    /// The code (3/3 is port unreachable).
    var code: UInt8
    /// For an echo reply: its identifier; for an error quoting an ICMP echo: the quoted identifier.
    var identifier: UInt16?
    /// For an echo reply or a quoted echo: the sequence number.
    var sequence: UInt16?
    /// For an error quoting UDP: the quoted source and destination ports.
    var udpSource: UInt16?
    var udpDestination: UInt16?
    /// The destination address of the quoted datagram (host order).
    var quotedDestination: UInt32?

    static let echoReply: UInt8 = 0
    static let unreachable: UInt8 = 3
    static let timeExceeded: UInt8 = 11

    /// Reads an IPv4 datagram carrying ICMP; `nil` for anything the prober does not use.
    init?(ipv4 bytes: ArraySlice<UInt8>) {
        let data = Array(bytes)
        guard data.count >= 28, data[0] >> 4 == 4, data[9] == 1 else { return nil }
        let header = Int(data[0] & 0x0f) * 4
        guard header >= 20, data.count >= header + 8 else { return nil }
        let icmp = Array(data[header...])
        type = icmp[0]
        code = icmp[1]
        switch type {
        case Self.echoReply:
            identifier = UInt16(icmp[4]) << 8 | UInt16(icmp[5])
            sequence = UInt16(icmp[6]) << 8 | UInt16(icmp[7])
        case Self.unreachable, Self.timeExceeded:
            let quoted = Array(icmp[8...])
            guard quoted.count >= 28, quoted[0] >> 4 == 4 else { return nil }
            let quotedHeader = Int(quoted[0] & 0x0f) * 4
            guard quotedHeader >= 20, quoted.count >= quotedHeader + 8 else { return nil }
            quotedDestination = UInt32(quoted[16]) << 24 | UInt32(quoted[17]) << 16 | UInt32(quoted[18]) << 8 | UInt32(quoted[19])
            let inner = quoted[quotedHeader...]
            let at = inner.startIndex
            switch quoted[9] {
            case 1:
                guard inner[at] == ICMPEchoPacket.Kind.request.rawValue else { return nil }
                identifier = UInt16(inner[at + 4]) << 8 | UInt16(inner[at + 5])
                sequence = UInt16(inner[at + 6]) << 8 | UInt16(inner[at + 7])
            case 17:
                udpSource = UInt16(inner[at]) << 8 | UInt16(inner[at + 1])
                udpDestination = UInt16(inner[at + 2]) << 8 | UInt16(inner[at + 3])
            default:
                return nil
            }
        default:
            return nil
        }
    }
}
