/// An ICMP echo request or reply (RFC 792): type, code, checksum, identifier, sequence number and
/// payload. Encoding and decoding are pure; ``ICMPPinger`` does the socket work.
public struct ICMPEchoPacket: Sendable, Hashable {
    /// The two ICMP types this codec speaks.
    public enum Kind: UInt8, Sendable {
        /// Type 0.
        case reply = 0
        /// Type 8.
        case request = 8
    }

    /// Request or reply.
    public var kind: Kind
    /// Identifies the sender (with `SOCK_DGRAM` ping sockets the kernel replaces it with the socket's port).
    public var identifier: UInt16
    /// Tells the probes of one sender apart.
    public var sequence: UInt16
    /// Echoed back unchanged by the target.
    public var payload: [UInt8]

    /// Creates a packet.
    public init(kind: Kind, identifier: UInt16, sequence: UInt16, payload: [UInt8] = []) {
        self.kind = kind
        self.identifier = identifier
        self.sequence = sequence
        self.payload = payload
    }

    /// The wire form: the 8-byte header with its checksum, then the payload.
    public var bytes: [UInt8] {
        var bytes: [UInt8] = [kind.rawValue, 0, 0, 0,
                              UInt8(identifier >> 8), UInt8(identifier & 0xff),
                              UInt8(sequence >> 8), UInt8(sequence & 0xff)]
        bytes += payload
        let sum = Self.checksum(bytes)
        bytes[2] = UInt8(sum >> 8)
        bytes[3] = UInt8(sum & 0xff)
        return bytes
    }

    /// The Internet checksum (RFC 1071): the one's complement of the one's-complement sum of the
    /// 16-bit big-endian words, an odd last byte padded with zero. A packet that carries its
    /// checksum sums to zero.
    public static func checksum<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> UInt16 {
        var sum: UInt32 = 0
        var iterator = bytes.makeIterator()
        while let high = iterator.next() {
            let low = iterator.next() ?? 0
            sum &+= UInt32(high) << 8 | UInt32(low)
        }
        while sum >> 16 != 0 { sum = (sum & 0xffff) + (sum >> 16) }
        return ~UInt16(sum)
    }

    /// Decodes an ICMP message: `nil` when it is shorter than a header, its checksum is wrong or it
    /// is not an echo request or reply with code 0. Other ICMP types (unreachable, time exceeded…)
    /// are ignored by design: a ping only counts echo replies.
    public init?<Bytes: Collection<UInt8>>(icmp message: Bytes) {
        let bytes = Array(message)
        guard bytes.count >= 8, bytes[1] == 0, let kind = Kind(rawValue: bytes[0]), Self.checksum(bytes) == 0 else { return nil }
        self.kind = kind
        self.identifier = UInt16(bytes[4]) << 8 | UInt16(bytes[5])
        self.sequence = UInt16(bytes[6]) << 8 | UInt16(bytes[7])
        self.payload = Array(bytes[8...])
    }

    /// Decodes what a `SOCK_RAW` socket delivers: an IPv4 header (version 4, protocol 1, its length
    /// from IHL, total length within the datagram) followed by the ICMP message. `nil` for anything
    /// else, truncated or not an echo.
    public init?<Bytes: Collection<UInt8>>(ipv4 datagram: Bytes) {
        let bytes = Array(datagram)
        guard bytes.count >= 20, bytes[0] >> 4 == 4, bytes[9] == 1 else { return nil }
        let headerLength = Int(bytes[0] & 0x0f) * 4
        let totalLength = Int(bytes[2]) << 8 | Int(bytes[3])
        guard headerLength >= 20, totalLength >= headerLength + 8, totalLength <= bytes.count else { return nil }
        self.init(icmp: bytes[headerLength..<totalLength])
    }
}
