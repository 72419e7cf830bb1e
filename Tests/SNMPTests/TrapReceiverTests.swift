import Foundation
import NIOCore
import Testing
@testable import SNMP

/// Sends notifications with net-snmp's snmptrap/snmpinform to the receiver on loopback.
@Suite("Trap receiver", .serialized)
struct TrapReceiverTests {
    func collect(_ receiver: SNMPTrapReceiver, count: Int) async -> [TrapEvent] {
        var events: [TrapEvent] = []
        for await event in receiver.events {
            events.append(event)
            if events.count == count { break }
        }
        return events
    }

    @Test func receivesV2TrapInformAndV1Trap() async throws {
        let receiver = try await SNMPTrapReceiver.start(host: "127.0.0.1", port: 0, communities: ["public"])
        let port = try #require(receiver.localAddress?.port)
        let agent = "127.0.0.1:\(port)"
        let collector = Task { await collect(receiver, count: 3) }

        _ = try await runTool(["snmptrap", "-v2c", "-c", "public", agent, "4242", "1.3.6.1.6.3.1.1.5.3",
                         "1.3.6.1.2.1.2.2.1.1.7", "i", "7"])
        // snmpinform exits non-zero unless the inform is acknowledged.
        _ = try await runTool(["snmpinform", "-v2c", "-c", "public", "-t", "2", "-r", "1", agent, "", "1.3.6.1.4.1.8072.2.3.0.1",
                         "1.3.6.1.2.1.1.5.0", "s", "inform me"])
        _ = try await runTool(["snmptrap", "-v1", "-c", "public", agent, "1.3.6.1.4.1.8072", "127.0.0.1", "6", "17", "99",
                         "1.3.6.1.2.1.1.6.0", "s", "v1 trap"])
        // A wrong community is dropped.
        _ = try await runTool(["snmptrap", "-v2c", "-c", "other", agent, "1", "1.3.6.1.6.3.1.1.5.1"])

        let events = await collector.value
        try #require(events.count == 3)
        #expect(events[0].kind == .trapV2)
        #expect(events[0].trapOID == [1, 3, 6, 1, 6, 3, 1, 1, 5, 3])
        #expect(events[0].uptime == 4242)
        #expect(events[0].varBinds.last == VarBind([1, 3, 6, 1, 2, 1, 2, 2, 1, 1, 7], .integer(7)))
        #expect(events[1].kind == .inform)
        #expect(events[1].trapOID == [1, 3, 6, 1, 4, 1, 8072, 2, 3, 0, 1])
        #expect(events[1].varBinds.last == VarBind(.sysName, .octetString(Array("inform me".utf8))))
        guard case .trapV1(let trap) = events[2].kind else {
            Issue.record("expected an SNMPv1 trap, got \(events[2].kind)")
            return
        }
        #expect(trap.genericTrap == 6 && trap.specificTrap == 17 && trap.timestamp == 99)
        #expect(events[2].trapOID == [1, 3, 6, 1, 4, 1, 8072, 0, 17])
        #expect(events[2].varBinds == [VarBind(.sysLocation, .octetString(Array("v1 trap".utf8)))])
        #expect(events.allSatisfy { $0.community == "public" })
        await receiver.close()
    }

    @Test func closeFinishesTheStream() async throws {
        let receiver = try await SNMPTrapReceiver.start(host: "127.0.0.1", port: 0)
        let collector = Task { await collect(receiver, count: 1) }
        await receiver.close()
        #expect(await collector.value.isEmpty)
    }

    @Test func malformedDatagramsAreIgnored() async throws {
        let receiver = try await SNMPTrapReceiver.start(host: "127.0.0.1", port: 0)
        let port = try #require(receiver.localAddress?.port)
        let collector = Task { await collect(receiver, count: 1) }
        let sender = try await SNMPClient.start(configuration: .init(bindHost: "127.0.0.1"))
        let garbage: [[UInt8]] = [[0x30, 0x03, 0x02, 0x01], [0xFF, 0xFF], [0x30, 0x80, 0x00, 0x00]]
        for datagram in garbage {
            let buffer = sender.channel.allocator.buffer(bytes: datagram)
            try await sender.channel.writeAndFlush(AddressedEnvelope(
                remoteAddress: try SocketAddress(ipAddress: "127.0.0.1", port: port), data: buffer))
        }
        let trap = CommunityMessage(version: .v2c, community: "public", pdu: PDU(
            type: .trapV2, requestID: 1,
            varBinds: [VarBind(.sysUpTime, .timeTicks(5)), VarBind(.snmpTrapOID, .oid([1, 3, 6, 1, 6, 3, 1, 1, 5, 1]))]))
        try await sender.channel.writeAndFlush(AddressedEnvelope(
            remoteAddress: try SocketAddress(ipAddress: "127.0.0.1", port: port),
            data: sender.channel.allocator.buffer(bytes: trap.encoded())))
        let events = await collector.value
        #expect(events.map(\.trapOID) == [[1, 3, 6, 1, 6, 3, 1, 1, 5, 1]])
        await sender.close()
        await receiver.close()
    }
}
