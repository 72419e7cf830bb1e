@testable import ACS
@testable import CPEReach
import CWMP
import Foundation
import Testing

/// The codecs behind connection requests to CPEs behind NAT, without sockets: STUN with the TR-111
/// attributes, signed UDP connection requests (TR-069 Annex G), the XMPP stream framer and the
/// Annex K IQ.
struct NATReachCodecTests {
    static let source = STUNMessage.Address(bytes: [127, 3, 0, 9], port: 40_123)

    @Test func connectionRequestBindingCarriesTheTR111Attributes() throws {
        let request = STUNMessage.connectionRequestBinding(username: "acme:00259E-SN1", bindingChanged: true)
        let bytes = request.encode()
        #expect(bytes[0] == 0x00 && bytes[1] == 0x01, "a Binding request")
        #expect(Array(bytes[4..<8]) == [0x21, 0x12, 0xA4, 0x42], "the RFC 5389 magic cookie")
        #expect((Int(bytes[2]) << 8 | Int(bytes[3])) == bytes.count - 20)
        let decoded = try STUNMessage.decode(bytes)
        #expect(decoded.username == "acme:00259E-SN1")
        #expect(decoded.isConnectionRequestBinding && decoded.isBindingChange)
        let binding = try #require(decoded.attribute(0xC001))
        #expect(binding.count == 20 && String(decoding: binding, as: UTF8.self) == "dslforum.org/TR-111 ")
        #expect(decoded.attribute(0xC002) == [], "BINDING-CHANGE has no value")
        #expect(!STUNMessage.connectionRequestBinding(username: nil, bindingChanged: false).isBindingChange)
    }

    @Test func responsesCarryTheReflexiveAddressPlainAndXored() throws {
        let request = STUNMessage.connectionRequestBinding(username: "u", bindingChanged: false)
        let handling = STUNServer.handle(request.encode(), from: Self.source)
        let response = try STUNMessage.decode(try #require(handling.answer))
        #expect(response.kind == .bindingResponse && response.transactionID == request.transactionID)
        #expect(response.mappedAddress == Self.source)
        // The XOR form really is xored (RFC 5389 §15.2), and the plain one is there for RFC 3489 clients.
        let xored = try #require(response.attribute(STUNMessage.AttributeType.xorMappedAddress))
        #expect(xored[2] == UInt8((40_123 ^ 0x2112) >> 8) && xored[4] == 127 ^ 0x21)
        #expect(STUNMessage.decodeAddress(try #require(response.attribute(STUNMessage.AttributeType.mappedAddress)), xor: nil) == Self.source)
        #expect(handling.binding?.username == "u" && handling.binding?.address == Self.source && handling.binding?.changed == false)
        // The FINGERPRINT is the CRC-32 of what precedes it xored with 0x5354554E.
        let bytes = try #require(handling.answer)
        let fingerprint = Array(bytes.suffix(4)).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        var covered = Array(bytes.dropLast(8))
        covered[2] = UInt8((bytes.count - 20) >> 8)
        covered[3] = UInt8((bytes.count - 20) & 0xFF)
        #expect(fingerprint == CRC32.checksum(covered) ^ 0x5354_554E)
    }

    @Test func classicRequestsGetMappedAddressOnlyAndChangeRequestsNoAnswer() throws {
        // An RFC 3489 request: a 16-byte id without the cookie.
        let id = (0..<16).map { UInt8($0 + 1) }
        let classic = STUNMessage(kind: .bindingRequest, transactionID: id)
        let answer = try STUNMessage.decode(try #require(STUNServer.handle(classic.encode(), from: Self.source).answer))
        #expect(answer.attribute(STUNMessage.AttributeType.xorMappedAddress) == nil)
        #expect(answer.mappedAddress == Self.source)
        #expect(STUNServer.handle(classic.encode(), from: Self.source).binding == nil, "no CONNECTION-REQUEST-BINDING, nothing learned")
        let change = STUNMessage(kind: .bindingRequest, transactionID: id, attributes: [.init(type: 0x0003, value: [0, 0, 0, 6])])
        #expect(STUNServer.handle(change.encode(), from: Self.source).answer == nil, "one address: a change request is not answered")
        let unknown = STUNMessage(kind: .bindingRequest, transactionID: STUNMessage.newTransactionID(), attributes: [.init(type: 0x0777, value: [1, 2, 3, 4])])
        let error = try STUNMessage.decode(try #require(STUNServer.handle(unknown.encode(), from: Self.source).answer))
        #expect(error.kind == .bindingErrorResponse && error.attribute(STUNMessage.AttributeType.errorCode)?[2...3] == [4, 20])
        #expect(STUNServer.handle([1, 2, 3], from: Self.source).answer == nil, "garbage is ignored")
        #expect(throws: STUNMessage.DecodeError.self) { try STUNMessage.decode([0x00, 0x01, 0x00, 0x08] + id) }
    }

    @Test func messageIntegrityIsVerifiedWithTheKey() throws {
        let request = STUNMessage.connectionRequestBinding(username: "u", bindingChanged: false)
        let bytes = request.encode(integrityKey: Array("stun-pass".utf8), fingerprint: true)
        #expect(STUNMessage.verifyIntegrity(bytes, key: Array("stun-pass".utf8)))
        #expect(!STUNMessage.verifyIntegrity(bytes, key: Array("other".utf8)))
        #expect(!STUNMessage.verifyIntegrity(request.encode(), key: Array("stun-pass".utf8)), "absent integrity is not valid")
    }

    @Test func stunUsernameNamesProviderAndDevice() {
        #expect(STUNServer.parse(username: "acme:00259E-48575443-A9") ?? ("", "", "") == ("acme", "00259E", "48575443-A9"))
        #expect(STUNServer.parse(username: "acme") == nil)
        #expect(STUNServer.parse(username: ":00259E-1") == nil)
        #expect(STUNServer.parse(username: "acme:00259E") == nil)
        #expect(STUNServer.username(providerSlug: "acme", oui: "1C61B4", serial: "22264") == "acme:1C61B4-22264")
    }

    @Test func udpConnectionRequestsAreSignedAndActedOnOnce() throws {
        let request = UDPConnectionRequest.signed(timestamp: 1_120_673_700, id: 1234, username: "acs", password: "cr-pass", cnonce: "XTGRWIVW")
        let datagram = request.datagram(host: "127.3.0.9", port: 7547)
        let text = String(decoding: datagram, as: UTF8.self)
        #expect(text.hasPrefix("GET http://127.3.0.9:7547?ts=1120673700&id=1234&un=acs&cn=XTGRWIVW&sig="))
        #expect(text.hasSuffix(" HTTP/1.1\r\nHost: 127.3.0.9:7547\r\n\r\n"))
        // sig = HMAC-SHA1(password, ts + id + un + cn), in hex.
        #expect(request.signature == UDPConnectionRequest.signature(timestamp: 1_120_673_700, id: 1234, username: "acs", cnonce: "XTGRWIVW",
                                                                     password: "cr-pass"))
        #expect(request.signature.count == 40)
        let parsed = try UDPConnectionRequest.parse(datagram)
        #expect(parsed == request && parsed.isSigned(with: "cr-pass") && !parsed.isSigned(with: "cr-pas"))

        var cpe = UDPConnectionRequestGuard()
        #expect(cpe.judge(datagram, username: "acs", password: "cr-pass") == .accept)
        #expect(cpe.judge(datagram, username: "acs", password: "cr-pass") == .duplicate, "the other copies of one request")
        #expect(cpe.judge(datagram, username: "acs", password: "wrong") == .refuse("bad sig"))
        #expect(cpe.judge(datagram, username: "admin", password: "cr-pass") == .refuse("un does not match"))
        let older = UDPConnectionRequest.signed(timestamp: 1_120_673_699, id: 99, username: "acs", password: "cr-pass")
        #expect(cpe.judge(older.datagram(host: "h", port: 1), username: "acs", password: "cr-pass") == .refuse("ts older than an accepted request"))
        let newer = UDPConnectionRequest.signed(timestamp: 1_120_673_760, id: 5, username: "acs", password: "cr-pass")
        #expect(cpe.judge(newer.datagram(host: "h", port: 1), username: "acs", password: "cr-pass") == .accept)
        var tampered = newer
        tampered.id = 6
        #expect(cpe.judge(tampered.datagram(host: "h", port: 1), username: "acs", password: "cr-pass") == .refuse("bad sig"))
        #expect(throws: UDPConnectionRequest.Invalid.self) { try UDPConnectionRequest.parse(Array("POST / HTTP/1.1\r\n\r\n".utf8)) }
        #expect(throws: UDPConnectionRequest.Invalid.self) { try UDPConnectionRequest.parse(Array("GET http://h:1?ts=1&id=2&un=a&cn=b HTTP/1.1\r\n\r\n".utf8)) }
    }

    @Test func udpAddressesParseAsTR069Writes() {
        #expect(ConnectionRequester.hostPort("198.51.100.7:3478").map { "\($0.0) \($0.1)" } == "198.51.100.7 3478")
        #expect(ConnectionRequester.hostPort("198.51.100.7").map { "\($0.0) \($0.1)" } == "198.51.100.7 80")
        #expect(ConnectionRequester.hostPort("[2001:db8::1]:9000").map { "\($0.0) \($0.1)" } == "2001:db8::1 9000")
        #expect(ConnectionRequester.hostPort("h:0") == nil)
        #expect(ConnectionRequester.hostPort("a:b:c") == nil)
    }

    @Test func xmppFramerSplitsStanzasWhateverTheChunks() throws {
        let stream = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='s1' from='octoisp.test' version='1.0'>"
            + "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features> "
            + "<iq type='result' id='a&amp;1'/>"
            + "<iq type='get' id='cr1' to='cpe@octoisp.test/cwmp' from='acs@octoisp.test/acs'><connectionRequest xmlns='urn:broadband-forum-org:cwmp:xmppConnReq-1-0'>"
            + "<username>acs</username><password>p&lt;w&gt;'&quot;</password></connectionRequest></iq>"
            + "</stream:stream>"
        let bytes = Array(stream.utf8)
        for chunk in [1, 7, 64, bytes.count] {
            var framer = XMPPFramer()
            var events: [XMPPFramer.Event] = []
            var index = 0
            while index < bytes.count {
                events += try framer.feed(bytes[index..<min(bytes.count, index + chunk)])
                index += chunk
            }
            #expect(events.count == 5, "chunks of \(chunk)")
            guard events.count == 5 else { continue }
            #expect(events[0] == .opened(["xmlns": "jabber:client", "xmlns:stream": "http://etherx.jabber.org/streams", "id": "s1",
                                          "from": "octoisp.test", "version": "1.0"]))
            guard case .element(let features) = events[1], case .element(let result) = events[2], case .element(let iq) = events[3] else {
                Issue.record("elements expected")
                continue
            }
            #expect(features.name == "features" && features.child("mechanisms")?.child("mechanism")?.text == "PLAIN")
            #expect(result.attributes["id"] == "a&1")
            let request = try #require(ConnectionRequestIQ(iq))
            #expect(request == ConnectionRequestIQ(id: "cr1", from: "acs@octoisp.test/acs", to: "cpe@octoisp.test/cwmp", username: "acs",
                                                   password: "p<w>'\""))
            #expect(events[4] == .closed)
        }
        var framer = XMPPFramer()
        _ = try framer.feed(Array("<stream:stream xmlns:stream='http://etherx.jabber.org/streams'>".utf8))
        #expect(throws: XMPPFramer.Failure.self) { try framer.feed(Array("<!DOCTYPE x [<!ENTITY a 'b'>]><iq/>".utf8)) }
        var small = XMPPFramer(maximumElementBytes: 64)
        _ = try small.feed(Array("<stream:stream>".utf8))
        #expect(throws: XMPPFramer.Failure.self) { try small.feed(Array(("<message>" + String(repeating: "x", count: 100)).utf8)) }
    }

    @Test func connectionRequestIQRoundTripsAndAnswersParse() throws {
        let request = ConnectionRequestIQ(id: "cr7", from: "acs@d/acs", to: "cpe@d/cwmp", username: "a&b", password: "<p>")
        var framer = XMPPFramer()
        _ = try framer.feed(Array("<stream:stream>".utf8))
        guard case .element(let element)? = try framer.feed(Array(request.xml.utf8)).first else {
            Issue.record("no element")
            return
        }
        #expect(ConnectionRequestIQ(element) == request)
        for (answer, expected) in [(request.result(from: "cpe@d/cwmp"), String?.none),
                                   (request.error(from: "cpe@d/cwmp", condition: "not-authorized"), "not-authorized")] {
            guard case .element(let parsed)? = try framer.feed(Array(answer.utf8)).first else {
                Issue.record("no answer element")
                continue
            }
            #expect(parsed.attributes["id"] == "cr7" && parsed.attributes["to"] == "acs@d/acs")
            #expect(ConnectionRequestIQ.outcome(of: parsed) == expected)
        }
        let other = XMLElement(name: "iq", attributes: ["type": "get", "id": "x"], children: [XMLElement(name: "ping", attributes: ["xmlns": "urn:xmpp:ping"])])
        #expect(ConnectionRequestIQ(other) == nil)
    }
}
