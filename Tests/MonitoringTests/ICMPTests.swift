import Foundation
import Monitoring
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct ICMPPacketTests {
    @Test func checksumMatchesTheRFC1071Example() {
        // RFC 1071 §3: 0001 f203 f4f5 f6f7 sums to ddf2, whose complement is 220d.
        #expect(ICMPEchoPacket.checksum([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]) == 0x220d)
        // An odd last byte is padded with zero: 0x0102 + 0x0300.
        #expect(ICMPEchoPacket.checksum([0x01, 0x02, 0x03]) == ~UInt16(0x0402))
    }

    @Test func encodesAnEchoRequest() {
        let packet = ICMPEchoPacket(kind: .request, identifier: 0x1234, sequence: 1)
        // 0x0800 + 0x1234 + 0x0001 = 0x1a35, complement 0xe5ca.
        #expect(packet.bytes == [0x08, 0x00, 0xe5, 0xca, 0x12, 0x34, 0x00, 0x01])
        #expect(ICMPEchoPacket.checksum(packet.bytes) == 0)
    }

    @Test(arguments: [[], [0x61], Array("octoisp-icmp-echo".utf8)])
    func roundTrips(payload: [UInt8]) {
        for kind in [ICMPEchoPacket.Kind.request, .reply] {
            let packet = ICMPEchoPacket(kind: kind, identifier: 0xbeef, sequence: 0xfffe, payload: payload)
            #expect(ICMPEchoPacket(icmp: packet.bytes) == packet)
        }
    }

    @Test func rejectsTruncatedCorruptAndOtherMessages() {
        let reply = ICMPEchoPacket(kind: .reply, identifier: 7, sequence: 9, payload: [1, 2, 3, 4]).bytes
        #expect(ICMPEchoPacket(icmp: reply) != nil)
        #expect(ICMPEchoPacket(icmp: [UInt8]()) == nil)
        #expect(ICMPEchoPacket(icmp: reply.prefix(7)) == nil)
        var corrupt = reply
        corrupt[9] ^= 0xff
        #expect(ICMPEchoPacket(icmp: corrupt) == nil)
        // Destination unreachable (type 3, code 1) with a correct checksum is not an echo.
        var unreachable: [UInt8] = [3, 1, 0, 0, 0, 0, 0, 0]
        let sum = ICMPEchoPacket.checksum(unreachable)
        unreachable[2] = UInt8(sum >> 8)
        unreachable[3] = UInt8(sum & 0xff)
        #expect(ICMPEchoPacket.checksum(unreachable) == 0)
        #expect(ICMPEchoPacket(icmp: unreachable) == nil)
        // An echo with a non-zero code is not an echo.
        var coded = reply
        coded[1] = 1
        coded[2] = 0
        coded[3] = 0
        let codedSum = ICMPEchoPacket.checksum(coded)
        coded[2] = UInt8(codedSum >> 8)
        coded[3] = UInt8(codedSum & 0xff)
        #expect(ICMPEchoPacket(icmp: coded) == nil)
        // Garbage.
        #expect(ICMPEchoPacket(icmp: [UInt8](repeating: 0xff, count: 64)) == nil)
    }

    private func datagram(_ icmp: [UInt8], version: UInt8 = 4, ihl: UInt8 = 5, protocolNumber: UInt8 = 1, options: Int = 0,
                          totalLength: Int? = nil) -> [UInt8] {
        let length = totalLength ?? (20 + options + icmp.count)
        var header: [UInt8] = [version << 4 | ihl, 0, UInt8(length >> 8), UInt8(length & 0xff), 0, 0, 0, 0, 64, protocolNumber, 0, 0,
                               127, 1, 2, 3, 127, 0, 0, 1]
        header += [UInt8](repeating: 1, count: options)
        return header + icmp
    }

    @Test func decodesWhatARawSocketDelivers() {
        let reply = ICMPEchoPacket(kind: .reply, identifier: 0x4242, sequence: 3, payload: [9, 8, 7])
        #expect(ICMPEchoPacket(ipv4: datagram(reply.bytes)) == reply)
        // IP options: the header length comes from IHL.
        #expect(ICMPEchoPacket(ipv4: datagram(reply.bytes, ihl: 6, options: 4)) == reply)
        // Bytes past the IP total length are not part of the message.
        #expect(ICMPEchoPacket(ipv4: datagram(reply.bytes) + [0, 0]) == reply)
    }

    @Test func rejectsBrokenDatagrams() {
        let reply = ICMPEchoPacket(kind: .reply, identifier: 1, sequence: 1).bytes
        #expect(ICMPEchoPacket(ipv4: Array(datagram(reply).prefix(19))) == nil)
        #expect(ICMPEchoPacket(ipv4: Array(datagram(reply).prefix(27))) == nil)
        #expect(ICMPEchoPacket(ipv4: datagram(reply, version: 6)) == nil)
        #expect(ICMPEchoPacket(ipv4: datagram(reply, protocolNumber: 17)) == nil)
        #expect(ICMPEchoPacket(ipv4: datagram(reply, ihl: 4)) == nil)
        #expect(ICMPEchoPacket(ipv4: datagram(reply, totalLength: 40)) == nil)
        #expect(ICMPEchoPacket(ipv4: datagram(reply, totalLength: 24)) == nil)
    }

    @Test func lossAndReachability() {
        #expect(ICMPPingResult(address: "127.0.0.1", sent: 4, received: 3).lossPercent == 25)
        #expect(ICMPPingResult(address: "127.0.0.1", sent: 0, received: 0).lossPercent == 100)
        #expect(!ICMPPingResult(address: "127.0.0.1", sent: 2, received: 0).reachable)
    }
}

/// Echo against real targets: the loopback /8 answers; its broadcast address 127.255.255.255 does not
/// (the kernel refuses to send to it without SO_BROADCAST, as it would for a host without a route). One at a
/// time: a raw socket sees every ICMP packet of the host, so a parallel /20 sweep would skew timings.
@Suite(.serialized) struct ICMPPingerTests {
    static let silent = IPv4Address("127.255.255.255")!

    @Test func loopbackTargetsAnswer() async throws {
        let pinger = ICMPPinger(timeout: .seconds(1), count: 3)
        let targets = [IPv4Address("127.0.0.1")!, IPv4Address("127.1.2.3")!]
        let results = try await pinger.ping(targets)
        #expect(results.count == 2)
        for target in targets {
            let result = try #require(results[target])
            #expect(result.address == target.description)
            #expect(result.sent == 3 && result.received == 3 && result.lossPercent == 0 && result.reachable)
            let (low, mean, high) = (try #require(result.minMs), try #require(result.avgMs), try #require(result.maxMs))
            #expect(low > 0 && low <= mean && mean <= high && high < 1000)
        }
    }

    @Test func aSilentTargetIsUnreachableWithinTheTimeout() async throws {
        let pinger = ICMPPinger(timeout: .milliseconds(300), count: 2)
        let started = ContinuousClock.now
        let results = try await pinger.ping([Self.silent, IPv4Address("127.0.0.1")!])
        let elapsed = ContinuousClock.now - started
        let silent = try #require(results[Self.silent])
        #expect(!silent.reachable && silent.sent == 2 && silent.received == 0 && silent.lossPercent == 100)
        #expect(silent.minMs == nil && silent.avgMs == nil && silent.maxMs == nil)
        // The loopback target in the same sweep still answers every round.
        #expect(results[IPv4Address("127.0.0.1")!]?.received == 2)
        // At most two rounds of 300 ms (plus slack for a machine shared with builds).
        #expect(elapsed < .milliseconds(2500))
    }

    @Test func oneSocketSweepsManyTargetsInWindows() async throws {
        let targets = (1...600).map { IPv4Address(IPv4Address("127.3.0.0")!.value + UInt32($0)) }
        let results = try await ICMPPinger(timeout: .seconds(2), count: 1, concurrency: 256).ping(targets + targets.prefix(5))
        #expect(results.count == 600)
        #expect(results.values.filter(\.reachable).count == 600)
        #expect(results.values.allSatisfy { $0.sent == 1 })
    }

    /// A whole /20 (the widest discovery range), one probe each, 256 outstanding at a time.
    @Test func aSlash20SweepsWithinSeconds() async throws {
        let hosts = try #require(IPv4Range("127.4.0.0/20")).hosts
        let started = ContinuousClock.now
        let results = try await ICMPPinger(timeout: .seconds(1), count: 1).ping(hosts)
        let elapsed = ContinuousClock.now - started
        #expect(results.count == 4094 && results.values.allSatisfy(\.reachable))
        #expect(elapsed < .seconds(10), "a /20 took \(elapsed)")
        print("ICMP sweep of \(hosts.count) loopback addresses: \(elapsed)")
    }

    /// Ping sockets are allowed only for groups inside `net.ipv4.ping_group_range` (here "1 0": nobody).
    @Test func datagramSocketsFollowPingGroupRange() async throws {
        let range = try String(contentsOfFile: "/proc/sys/net/ipv4/ping_group_range", encoding: .utf8)
            .split(whereSeparator: \.isWhitespace).compactMap { UInt32($0) }
        try #require(range.count == 2)
        let allowed = range[0] <= getgid() && getgid() <= range[1]
        let pinger = ICMPPinger(timeout: .milliseconds(500), count: 1, sockets: [.datagram])
        if allowed {
            #expect(try pinger.availableSocket() == .datagram)
            #expect(try await pinger.ping(IPv4Address("127.0.0.1")!).reachable)
        } else {
            let error = try #require(throws: ICMPError.self) { try pinger.availableSocket() }
            #expect(error.code == .permissionDenied)
            #expect(error.context["datagram"] != nil)
            await #expect(throws: ICMPError.self) { try await pinger.ping(IPv4Address("127.0.0.1")!) }
        }
    }

    /// This process runs as root (CAP_NET_RAW), so the default order ends on a raw socket at worst.
    @Test func theDefaultOrderOpensASocket() throws {
        let kind = try ICMPPinger().availableSocket()
        #expect(ICMPSocketKind.allCases.contains(kind))
    }
}
