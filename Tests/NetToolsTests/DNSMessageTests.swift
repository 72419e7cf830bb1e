import NetTools
import Testing

/// The DNS codec without sockets.
@Suite struct DNSMessageTests {
    @Test func queryCarriesADAndEDNS() throws {
        let bytes = DNSMessage.query(id: 0x1234, name: "example.test", type: .mx).encoded()
        // Header: id, flags RD|AD = 0x0120, one question, one additional (OPT).
        #expect(Array(bytes[0..<12]) == [0x12, 0x34, 0x01, 0x20, 0, 1, 0, 0, 0, 0, 0, 1])
        let decoded = try DNSMessage(decoding: bytes)
        #expect(decoded.questions == [DNSQuestion(name: "example.test.", type: 15)])
        #expect(decoded.ednsPayloadSize == 1232 && decoded.authenticData && decoded.recursionDesired)
    }

    @Test func readsCompressedNamesAndTheADFlag() throws {
        // A response (QR, RD, RA, AD) with one A answer whose owner points at the question's name.
        var bytes: [UInt8] = [0xab, 0xcd, 0x81, 0xa0, 0, 1, 0, 1, 0, 0, 0, 0]
        bytes += [3] + Array("www".utf8) + [4] + Array("test".utf8) + [0, 0, 1, 0, 1]
        bytes += [0xc0, 12, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 127, 1, 2, 3]
        let message = try DNSMessage(decoding: bytes)
        #expect(message.isResponse && message.authenticData && message.recursionAvailable)
        #expect(message.answers.map(\.name) == ["www.test."] && message.answers.map(\.data) == ["127.1.2.3"])
        #expect(message.answers.first?.ttl == 3600)
    }

    @Test(arguments: [
        // A pointer to itself.
        [0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1] as [UInt8],
        // A label running past the end.
        [0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 9, 0x61],
        // An answer whose length runs past the end.
        [0, 1, 0x81, 0x80, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 9, 1],
        // A header cut short.
        [0, 1, 0x81],
    ])
    func refusesHostileMessages(bytes: [UInt8]) {
        #expect(throws: DNSDecodeError.self) { try DNSMessage(decoding: bytes) }
    }

    @Test func validatesTheRequest() {
        for (request, field) in [(DNSLookupRequest(name: "bad name!"), "name"), (DNSLookupRequest(name: "a.test", server: "1.2.3.4:0"), "server"),
                                 (DNSLookupRequest(name: "a.test", server: "not-an-ip"), "server"),
                                 (DNSLookupRequest(name: "a.test", timeoutMs: 5), "timeoutMs")] {
            #expect(throws: NetToolError.self) { try request.validate() }
            do { try request.validate() } catch { #expect(error.field == field) }
        }
        #expect(DNSLookupRequest(name: "2001:db8::1", type: .ptr).queryName.hasSuffix(".8.b.d.0.1.0.0.2.ip6.arpa"))
    }
}
