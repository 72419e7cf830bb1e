import OctoTestSupport
import Testing
@testable import SNMP

@Suite("BER codec")
struct BERTests {
    static let getRequestVector: [UInt8] = [
        0x30, 0x29, 0x02, 0x01, 0x01, 0x04, 0x06, 0x70, 0x75, 0x62, 0x6C, 0x69, 0x63,
        0xA0, 0x1C, 0x02, 0x04, 0x12, 0x34, 0x56, 0x78, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00,
        0x30, 0x0E, 0x30, 0x0C, 0x06, 0x08, 0x2B, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00, 0x05, 0x00,
    ]

    @Test func encodesGetRequestVector() {
        let message = CommunityMessage(version: .v2c, community: "public",
                                       pdu: PDU(type: .get, requestID: 0x1234_5678, varBinds: [VarBind(.sysDescr)]))
        #expect(message.encoded() == Self.getRequestVector)
    }

    @Test func decodesGetRequestVector() throws {
        let message = try CommunityMessage.decode(Self.getRequestVector)
        #expect(message.version == .v2c)
        #expect(message.community == Array("public".utf8))
        guard case .standard(let pdu) = message.pdu else {
            Issue.record("expected a standard PDU")
            return
        }
        #expect(pdu.type == .get)
        #expect(pdu.requestID == 0x1234_5678)
        #expect(pdu.varBinds == [VarBind(.sysDescr, .null)])
        #expect(ResponseRouter.routingID(Self.getRequestVector) == 0x1234_5678)
    }

    static let everyValue: [SNMPValue] = [
        .integer(0), .integer(127), .integer(128), .integer(-1), .integer(-129), .integer(Int64(Int32.max)),
        .integer(Int64(Int32.min)), .integer(Int64.max), .integer(Int64.min),
        .octetString([]), .octetString(Array("hello".utf8)), .octetString([UInt8](repeating: 0xAB, count: 300)),
        .null, .oid([1, 3, 6, 1, 4, 1, 2021, 4294967295]), .oid([2, 999, 3]), .ipAddress(192, 0, 2, 1),
        .counter32(0), .counter32(UInt32.max), .gauge32(0x8000_0000), .timeTicks(123_456),
        .opaque([0x9F, 0x78, 0x04, 0x3F, 0x80, 0x00, 0x00]), .counter64(0), .counter64(UInt64.max),
        .noSuchObject, .noSuchInstance, .endOfMibView,
    ]

    @Test(arguments: everyValue)
    func roundTripsEveryType(_ value: SNMPValue) throws {
        var writer = BERWriter()
        writer.writeValue(value)
        var reader = BERReader(writer.bytes)
        #expect(try reader.readValue() == value)
        #expect(reader.isAtEnd)
    }

    @Test func encodesMinimalForms() {
        var writer = BERWriter()
        writer.writeUnsigned(0xFFFF_FFFF, tag: BERTag.counter32)
        #expect(writer.bytes == [0x41, 0x05, 0x00, 0xFF, 0xFF, 0xFF, 0xFF])
        writer = BERWriter()
        writer.writeInteger(-129)
        #expect(writer.bytes == [0x02, 0x02, 0xFF, 0x7F])
        writer = BERWriter()
        writer.writeOID(.sysDescr)
        #expect(writer.bytes == [0x06, 0x08, 0x2B, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00])
    }

    @Test func toleratesNonMinimalIntegers() throws {
        var reader = BERReader([0x02, 0x04, 0x00, 0x00, 0x00, 0x05])
        #expect(try reader.readInteger() == 5)
        reader = BERReader([0x02, 0x03, 0xFF, 0xFF, 0xFF])
        #expect(try reader.readInteger() == -1)
        reader = BERReader([0x02, 0x0A, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x2A])
        #expect(try reader.readInteger() == 42)
    }

    @Test func toleratesUnsignedWithTopBitSet() throws {
        // Counter32 4294967295 sent without the leading zero octet.
        var reader = BERReader([0x41, 0x04, 0xFF, 0xFF, 0xFF, 0xFF])
        #expect(try reader.readValue() == .counter32(UInt32.max))
        reader = BERReader([0x42, 0x04, 0x80, 0x00, 0x00, 0x00])
        #expect(try reader.readValue() == .gauge32(0x8000_0000))
        // Padded Counter64.
        reader = BERReader([0x46, 0x09, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        #expect(try reader.readValue() == .counter64(UInt64.max))
        // A one-octet "negative" Gauge32 is sign-extended, as net-snmp does.
        reader = BERReader([0x42, 0x01, 0xFF])
        #expect(try reader.readValue() == .gauge32(UInt32.max))
        // Non-minimal OID arcs (leading 0x80).
        reader = BERReader([0x06, 0x04, 0x2B, 0x80, 0x80, 0x06])
        #expect(try reader.readValue() == .oid([1, 3, 6]))
    }

    @Test func toleratesLongFormLengths() throws {
        var reader = BERReader([0x04, 0x82, 0x00, 0x02, 0x41, 0x42])
        #expect(try reader.readValue() == .octetString([0x41, 0x42]))
        reader = BERReader([0x30, 0x81, 0x03, 0x02, 0x01, 0x07])
        var inner = try reader.readConstructed()
        #expect(try inner.readInteger() == 7)
    }

    @Test func encodesLongLengths() throws {
        let varBinds = (0..<40).map { VarBind(OID([1, 3, 6, 1, UInt32($0)]), .octetString([UInt8](repeating: 0x61, count: 50))) }
        let message = CommunityMessage(version: .v2c, community: "public",
                                       pdu: PDU(type: .response, requestID: 9, varBinds: varBinds))
        let decoded = try CommunityMessage.decode(message.encoded())
        #expect(decoded == message)
    }

    @Test func rejectsIndefiniteAndOversizedLengths() {
        var reader = BERReader([0x04, 0x80, 0x00, 0x00])
        #expect(throws: BERError.self) { try reader.readValue() }
        reader = BERReader([0x04, 0x85, 0x01, 0x00, 0x00, 0x00, 0x00])
        #expect(throws: BERError.self) { try reader.readValue() }
        reader = BERReader([0x04, 0x84, 0x7F, 0xFF, 0xFF, 0xFF, 0x00])
        #expect(throws: BERError.self) { try reader.readValue() }
    }

    @Test func rejectsDeepNesting() {
        var bytes: [UInt8] = [0x05, 0x00]
        for _ in 0..<40 { bytes = [0x30, UInt8(bytes.count)] + bytes }
        func descend(_ reader: inout BERReader) throws(BERError) {
            var inner = try reader.readConstructed()
            if try inner.peekTag() == BERTag.sequence { try descend(&inner) }
        }
        var reader = BERReader(bytes)
        #expect(throws: BERError.self) { try descend(&reader) }
    }

    @Test func rejectsOverlongOIDArcs() {
        var reader = BERReader([0x06, 0x07, 0x2B, 0x90, 0x80, 0x80, 0x80, 0x80, 0x00])
        #expect(throws: BERError.self) { try reader.readValue() }
    }

    @Test func everyTruncationFailsCleanly() {
        let full = Self.getRequestVector
        for length in 0..<full.count {
            #expect(throws: BERError.self) { try CommunityMessage.decode(Array(full.prefix(length))) }
        }
    }

    @Test func randomMutationsNeverCrash() {
        var generator = SplitMix64(seed: 0x5EED)
        let seeds = [Self.getRequestVector, V3Vectors.sampleMessage()]
        for _ in 0..<20_000 {
            var bytes = seeds[Int(generator.next() % 2)]
            let edits = 1 + Int(generator.next() % 4)
            for _ in 0..<edits {
                let position = Int(generator.next() % UInt64(bytes.count))
                switch generator.next() % 3 {
                case 0: bytes[position] = UInt8(truncatingIfNeeded: generator.next())
                case 1: bytes.remove(at: position)
                default: bytes.insert(UInt8(truncatingIfNeeded: generator.next()), at: position)
                }
                if bytes.isEmpty { bytes = [0] }
            }
            _ = try? CommunityMessage.decode(bytes)
            _ = try? SNMPv3Message.decode(bytes)
            _ = ResponseRouter.routingID(bytes)
        }
    }

    @Test func oidOrderingAndParsing() {
        #expect(OID("1.3.6.1.2.1.1.1.0") == .sysDescr)
        #expect(OID(".1.3.6.1.2.1.1.1.0") == .sysDescr)
        #expect(OID("1.3.x") == nil)
        #expect(OID("1..3") == nil)
        #expect(OID("1.3.4294967296") == nil)
        #expect(OID([1, 3, 6]) < OID([1, 3, 6, 1]))
        #expect(OID([1, 3, 6, 1]) < OID([1, 3, 7]))
        #expect(OID([1, 3, 10]) > OID([1, 3, 9, 99]))
        #expect(OID.sysDescr.hasPrefix([1, 3, 6, 1, 2, 1, 1]))
        #expect(OID.sysDescr.suffix(after: [1, 3, 6, 1, 2, 1, 1]) == [1, 0])
        #expect(OID.sysDescr.description == "1.3.6.1.2.1.1.1.0")
    }

    @Test func decodesSNMPv1Trap() throws {
        let trap = TrapV1PDU(enterprise: [1, 3, 6, 1, 4, 1, 8072], agentAddress: [127, 0, 0, 1], genericTrap: 6,
                             specificTrap: 17, timestamp: 4242, varBinds: [VarBind(.sysName, .octetString([0x61]))])
        let message = CommunityMessage(version: .v1, community: Array("public".utf8), pdu: .trapV1(trap))
        let decoded = try CommunityMessage.decode(message.encoded())
        #expect(decoded == message)
        #expect(trap.snmpTrapOID == [1, 3, 6, 1, 4, 1, 8072, 0, 17])
        let cold = TrapV1PDU(enterprise: [1, 3, 6, 1], agentAddress: [127, 0, 0, 1], genericTrap: 0, specificTrap: 0,
                             timestamp: 0, varBinds: [])
        #expect(cold.snmpTrapOID == [1, 3, 6, 1, 6, 3, 1, 1, 5, 1])
    }
}
