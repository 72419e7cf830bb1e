import NIOCore
import Testing
@testable import SNMP

@Suite("Output formats and target parsing")
struct FormatTests {
    @Test func textLinesLookLikeNetSNMP() {
        #expect(VarBind(.sysName, .octetString(Array("a \"b\"".utf8))).displayLine
            == #".1.3.6.1.2.1.1.5.0 = STRING: "a \"b\"""#)
        #expect(VarBind(.sysName, .octetString([0x00, 0xFF, 0x10])).displayLine
            == ".1.3.6.1.2.1.1.5.0 = Hex-STRING: 00 FF 10")
        #expect(VarBind(.sysUpTime, .timeTicks(42)).displayLine == ".1.3.6.1.2.1.1.3.0 = Timeticks: 42")
        #expect(VarBind(.sysObjectID, .oid([1, 3, 6, 1, 4, 1, 8072])).displayLine
            == ".1.3.6.1.2.1.1.2.0 = OID: .1.3.6.1.4.1.8072")
        #expect(VarBind([1, 3], .integer(-5)).displayLine == ".1.3 = INTEGER: -5")
        #expect(VarBind([1, 3], .ipAddress(10, 0, 0, 1)).displayLine == ".1.3 = IpAddress: 10.0.0.1")
        #expect(VarBind([1, 3], .counter64(UInt64.max)).displayLine == ".1.3 = Counter64: 18446744073709551615")
        #expect(VarBind([1, 3], .noSuchInstance).displayLine
            == ".1.3 = No Such Instance currently exists at this OID")
    }

    @Test func jsonHasHexAndTextOnlyWhenPrintable() {
        #expect(VarBind(.sysName, .octetString(Array("r1\n".utf8))).json
            == #"{"oid":"1.3.6.1.2.1.1.5.0","type":"STRING","value":{"hex":"72310a","text":"r1\n"}}"#)
        #expect(VarBind(.sysName, .octetString([0xC3, 0x28])).json
            == #"{"oid":"1.3.6.1.2.1.1.5.0","type":"STRING","value":{"hex":"c328"}}"#)
        #expect(VarBind(.sysName, .octetString(Array("São Paulo".utf8))).json.contains(#""text":"São Paulo""#))
        #expect(VarBind.jsonArray([VarBind([1, 3], .gauge32(7)), VarBind([1, 4], .endOfMibView)])
            == #"[{"oid":"1.3","type":"Gauge32","value":7},{"oid":"1.4","type":"endOfMibView","value":null}]"#)
    }

    @Test func agentSpecifications() throws {
        #expect(try SNMPTarget.parseAddress("127.0.0.1") == SocketAddress(ipAddress: "127.0.0.1", port: 161))
        #expect(try SNMPTarget.parseAddress("udp:127.0.0.1:1161") == SocketAddress(ipAddress: "127.0.0.1", port: 1161))
        #expect(try SNMPTarget.parseAddress("[::1]:1161") == SocketAddress(ipAddress: "::1", port: 1161))
        #expect(throws: SNMPError.self) { try SNMPTarget.parseAddress("127.0.0.1:notaport") }
    }

    @Test func tableGroupsCellsByIndex() {
        var table = SNMPTable(entry: [1, 3, 6, 1, 2, 1, 2, 2, 1])
        table.insert(VarBind([1, 3, 6, 1, 2, 1, 2, 2, 1, 1, 1], .integer(1)))
        table.insert(VarBind([1, 3, 6, 1, 2, 1, 2, 2, 1, 1, 2], .integer(2)))
        table.insert(VarBind([1, 3, 6, 1, 2, 1, 2, 2, 1, 2, 1], .octetString([0x6C, 0x6F])))
        table.insert(VarBind([1, 3, 6, 1, 2, 1, 2, 2, 1, 2, 2], .octetString([0x65])))
        table.insert(VarBind([1, 3, 6, 1, 2, 1, 9], .integer(9)))
        #expect(table.columns == [1, 2])
        #expect(table.rows.map(\.index) == [[1], [2]])
        #expect(table[2, [1]] == .octetString([0x6C, 0x6F]))
    }
}
