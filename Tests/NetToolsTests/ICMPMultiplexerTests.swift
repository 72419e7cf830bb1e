import Foundation
import NetTools
import Testing

/// Replies on one shared ICMP socket reach the probe they answer, and only that one.
@Suite struct ICMPMultiplexerTests {
    let first = IPv4Address("127.0.0.1")!
    let second = IPv4Address("127.0.0.2")!

    @Test func aReplyReachesOnlyTheProbeItAnswers() throws {
        var demultiplexer = ICMPReplyDemultiplexer(identifier: 0x4242, firstSequence: 10)
        let aRegistered = demultiplexer.register(first, token: 1)
        let a = try #require(aRegistered)
        let bRegistered = demultiplexer.register(second, token: 2)
        let b = try #require(bRegistered)
        let cRegistered = demultiplexer.register(first, token: 3)
        let c = try #require(cRegistered)
        #expect(Set([a, b, c]).count == 3 && demultiplexer.outstanding == 3)

        // Not a reply, another process's identifier, the wrong source, an unknown sequence: no match.
        let matched1 = demultiplexer.match(ICMPEchoPacket(kind: .request, identifier: 0x4242, sequence: a), from: first)
        #expect(matched1 == nil)
        let matched2 = demultiplexer.match(ICMPEchoPacket(kind: .reply, identifier: 0x4243, sequence: a), from: first)
        #expect(matched2 == nil)
        let matched3 = demultiplexer.match(ICMPEchoPacket(kind: .reply, identifier: 0x4242, sequence: a), from: second)
        #expect(matched3 == nil)
        let matched4 = demultiplexer.match(ICMPEchoPacket(kind: .reply, identifier: 0x4242, sequence: 9), from: first)
        #expect(matched4 == nil)
        #expect(demultiplexer.outstanding == 3)

        // Replies in any order reach their probes; a duplicate matches nothing.
        let matched5 = demultiplexer.match(ICMPEchoPacket(kind: .reply, identifier: 0x4242, sequence: c), from: first)
        #expect(matched5 == 3)
        let matched6 = demultiplexer.match(ICMPEchoPacket(kind: .reply, identifier: 0x4242, sequence: b), from: second)
        #expect(matched6 == 2)
        let matched7 = demultiplexer.match(ICMPEchoPacket(kind: .reply, identifier: 0x4242, sequence: c), from: first)
        #expect(matched7 == nil)
        #expect(demultiplexer.outstanding == 1)

        // A probe that timed out no longer matches its late reply.
        demultiplexer.cancel(sequence: a)
        let matched8 = demultiplexer.match(ICMPEchoPacket(kind: .reply, identifier: 0x4242, sequence: a), from: first)
        #expect(matched8 == nil)
        #expect(demultiplexer.outstanding == 0)
    }

    @Test func onADatagramSocketTheIdentifierIsTheKernels() throws {
        var demultiplexer = ICMPReplyDemultiplexer(identifier: nil)
        let sequenceRegistered = demultiplexer.register(first, token: 7)
        let sequence = try #require(sequenceRegistered)
        let matched9 = demultiplexer.match(ICMPEchoPacket(kind: .reply, identifier: 0x9999, sequence: sequence), from: first)
        #expect(matched9 == 7)
    }

    @Test func sequenceNumbersInUseAreNeverReused() throws {
        var demultiplexer = ICMPReplyDemultiplexer(identifier: 1, firstSequence: UInt16.max - 1)
        let wrapped = (0..<4).compactMap { demultiplexer.register(first, token: $0) }
        #expect(wrapped == [UInt16.max, 0, 1, 2])
        // Every other number taken: the allocator skips the taken ones.
        var full = ICMPReplyDemultiplexer(identifier: 1, firstSequence: 0)
        for token in 0..<65_536 { _ = full.register(first, token: token) }
        #expect(full.outstanding == 65_536)
        let refused = full.register(first, token: -1)
        #expect(refused == nil)
        full.cancel(sequence: 500)
        let reused = full.register(second, token: -2)
        #expect(reused == 500)
    }

    /// Many concurrent pings of several loopback addresses through the process's one shared socket:
    /// each gets its own replies (the kernel answers every 127.0.0.0/8 address on loopback).
    @Test func concurrentPingsShareOneSocket() async throws {
        let multiplexer = try ICMPEchoMultiplexer.shared()
        let opened = ICMPEchoMultiplexer.socketsOpened
        #expect(try ICMPEchoMultiplexer.shared() === multiplexer)
        let targets = (1...8).map { IPv4Address("127.\(Int.random(in: 1...250)).\($0).\(Int.random(in: 2...250))")! }
        let results = await withTaskGroup(of: [ICMPPingResult].self) { group in
            for target in targets {
                for _ in 0..<8 {
                    group.addTask { [await multiplexer.ping(target, count: 3, timeout: .seconds(5))] }
                }
            }
            return await group.reduce(into: [ICMPPingResult]()) { $0 += $1 }
        }
        #expect(results.count == 64)
        for target in targets {
            let mine = results.filter { $0.address == target.description }
            #expect(mine.count == 8)
            #expect(mine.allSatisfy { $0.sent == 3 && $0.received == 3 && $0.minMs! <= $0.maxMs! }, "\(mine)")
        }
        #expect(ICMPEchoMultiplexer.socketsOpened == opened)
        #expect(multiplexer.outstanding == 0)
    }

    @Test func withoutAnAllowedSocketKindItSaysWhy() {
        #expect(throws: ICMPError.self) { _ = try ICMPEchoMultiplexer(sockets: []) }
    }
}
