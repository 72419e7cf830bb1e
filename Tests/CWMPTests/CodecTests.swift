@testable import CWMP
import Foundation
import Testing

@Suite struct CodecTests {
    let decoder = CWMPDecoder()

    @Test func decodesHuaweiInform() throws {
        let envelope = try decoder.decodeCPE(Array(Samples.huaweiInform.utf8))
        #expect(envelope.version == .v1_0)
        #expect(envelope.id == "42")
        guard case .inform(let inform) = envelope.message else { Issue.record("not an Inform"); return }
        #expect(inform.device == DeviceIdentity(manufacturer: "Huawei Technologies Co., Ltd.", oui: "00259E", productClass: "EG8145V5", serialNumber: "48575443A94196A5"))
        #expect(inform.events.map(\.code) == ["1 BOOT", "M Reboot"])
        #expect(inform.events[1].commandKey == "reboot-7")
        #expect(inform.parameters.count == 3)
        #expect(inform.parameter(endingWith: "ConnectionRequestURL") == "http://10.1.2.3:7547/cr")
        #expect(inform.parameter(endingWith: "ParameterKey") == "")
        #expect(inform.root == "InternetGatewayDevice.")
        #expect(XSD.dateTime(inform.currentTime) == XSD.dateTime("2023-03-28T12:43:35Z"))
    }

    @Test func toleratesQuirkyDevice() throws {
        let envelope = try decoder.decodeCPE(Array(Samples.quirkyInform.utf8))
        #expect(envelope.version == .v1_2)
        #expect(envelope.id == nil)
        guard case .inform(let inform) = envelope.message else { Issue.record("not an Inform"); return }
        // The arrayType says 5 and 9; the items are what counts.
        #expect(inform.events.map(\.code) == ["1 BOOT", "0 BOOTSTRAP"])
        #expect(inform.has(InformEvent.bootstrap))
        #expect(inform.parameters == [
            ParameterValue(name: "Device.DeviceInfo.HardwareVersion", value: "1.0 & rev <A>", type: "xsd:string"),
            ParameterValue(name: "Device.ManagementServer.ParameterKey", value: "", type: "xsd:string"),
        ])
        #expect(inform.retryCount == 2)
        #expect(inform.root == "Device.")
    }

    @Test func decodesFaultWithParameterFaults() throws {
        let envelope = try decoder.decodeCPE(Array(Samples.setFault.utf8))
        #expect(envelope.version == .v1_1)
        #expect(envelope.message == .fault(CWMPFault(code: .invalidArguments, string: "Invalid arguments", parameterFaults: [
            .init(name: "Device.WiFi.SSID.1.SSID", code: .invalidParameterValue, string: "Invalid value"),
        ])))
    }

    @Test(arguments: [Samples.bomb, Samples.xxe])
    func refusesDeclarations(_ body: String) {
        do {
            _ = try decoder.decodeCPE(Array(body.utf8))
            Issue.record("a document with a DTD was accepted")
        } catch {
            #expect(error.code == .forbiddenDeclaration)
        }
    }

    /// A NUL byte (no XML character, and no PostgreSQL text can hold it) anywhere in a real Inform.
    @Test func refusesNULInAnInform() {
        for index in stride(from: 0, to: Samples.huaweiInform.utf8.count, by: 97) {
            var bytes = Array(Samples.huaweiInform.utf8)
            bytes[index] = 0
            do { _ = try decoder.decodeCPE(bytes); Issue.record("NUL at \(index) accepted") } catch { #expect(error.code == .malformedXML) }
        }
    }

    @Test func refusesUndeclaredEntityAndOversize() {
        let entity = "<a:Envelope xmlns:a='x'><a:Body><x>&ext;</x></a:Body></a:Envelope>"
        do { _ = try decoder.decodeCPE(Array(entity.utf8)); Issue.record("accepted") } catch { #expect(error.code == .forbiddenDeclaration) }
        let small = CWMPDecoder(limits: .init(maximumBytes: 100))
        do { _ = try small.decodeCPE(Array(Samples.huaweiInform.utf8)); Issue.record("accepted") } catch { #expect(error.code == .tooLarge) }
        let deep = String(repeating: "<a>", count: 100) + String(repeating: "</a>", count: 100)
        do { _ = try decoder.decodeCPE(Array(deep.utf8)); Issue.record("accepted") } catch { #expect(error.code == .malformedXML) }
    }

    @Test(arguments: ["", "not xml", "<a>", "<a></b>", "<x:Envelope xmlns:x='s'><x:Body/></x:Envelope>",
                      "<Envelope><Body><Frobnicate/></Body></Envelope>", "<Envelope><Body><Inform/></Body></Envelope>",
                      "<a x=1></a>", "<a>&#xFFFFFFFF;</a>", "<a>&#0;</a>", "<a>&#x0;</a>", "<a>x\u{0}y</a>"])
    func refusesMalformed(_ body: String) {
        #expect(throws: CWMPDecodeError.self) { try decoder.decodeCPE(Array(body.utf8)) }
    }

    @Test func acsMessagesRoundTripInEveryVersion() throws {
        let messages: [ACSMessage] = [
            .informResponse(maxEnvelopes: 1), .transferCompleteResponse, .autonomousTransferCompleteResponse,
            .getRPCMethodsResponse(["Inform", "GetRPCMethods"]),
            .fault(CWMPFault(code: .acsMethodNotSupported, string: "Method not supported")),
            .getParameterNames(path: "Device.", nextLevel: false), .getParameterNames(path: "Device.WiFi.", nextLevel: true),
            .getParameterValues(["Device.DeviceInfo.UpTime", "Device.WiFi.SSID.1.SSID"]),
            .setParameterValues([ParameterValue(name: "Device.WiFi.SSID.1.SSID", value: "café <&> 'x'", type: "xsd:string"),
                                 ParameterValue(name: "Device.WiFi.Radio.1.Enable", value: "1", type: "xsd:boolean")], parameterKey: "k1"),
            .getParameterAttributes(["Device.DeviceInfo."]),
            .setParameterAttributes([SetParameterAttribute(name: "Device.DeviceInfo.SoftwareVersion", notificationChange: true, notification: 2)]),
            .addObject(name: "Device.IP.Interface.", parameterKey: "a"), .deleteObject(name: "Device.IP.Interface.3.", parameterKey: "d"),
            .reboot(commandKey: "r1"), .factoryReset,
            .download(DownloadRequest(commandKey: "fw", fileType: "1 Firmware Upgrade Image", url: "http://acs/files/x.bin?a=1&b=2", fileSize: 123)),
            .scheduleInform(delaySeconds: 5, commandKey: "s"), .getRPCMethods,
        ]
        for version in CWMPVersion.allCases {
            for message in messages {
                let text = CWMPEncoder().encode(Envelope(version: version, id: "id-1", message: message))
                let decoded = try decoder.decodeACS(Array(text.utf8))
                #expect(decoded == Envelope(version: version, id: "id-1", message: message))
            }
        }
    }

    @Test func cpeMessagesRoundTrip() throws {
        let inform = Inform(device: DeviceIdentity(manufacturer: "ZTE", oui: "C0B101", productClass: "ZXHN H199A", serialNumber: "ZTEYH86LCN10105"),
                            events: [InformEvent(code: "2 PERIODIC"), InformEvent(code: "M Download", commandKey: "fw-1")],
                            currentTime: "2024-05-01T00:00:00Z",
                            parameters: [ParameterValue(name: "InternetGatewayDevice.DeviceInfo.UpTime", value: "12", type: "xsd:unsignedInt")])
        let messages: [CPEMessage] = [
            .inform(inform),
            .transferComplete(TransferComplete(commandKey: "fw-1", fault: nil, startTime: "2024-05-01T00:00:00Z", completeTime: "2024-05-01T00:01:00Z")),
            .autonomousTransferComplete(TransferComplete(commandKey: "", fault: CWMPFault(code: .downloadFailure, string: "nope"))),
            .getRPCMethods, .fault(CWMPFault(code: FaultCode(rawValue: 9850), string: "vendor")),
            .getParameterNamesResponse([ParameterInfo(name: "Device.", writable: false), ParameterInfo(name: "Device.X", writable: true)]),
            .getParameterValuesResponse([ParameterValue(name: "Device.X", value: "", type: "xsd:string")]),
            .setParameterValuesResponse(status: 1), .getParameterAttributesResponse([ParameterAttribute(name: "Device.X", notification: 2, accessList: ["Subscriber"])]),
            .setParameterAttributesResponse, .addObjectResponse(instance: 4, status: 0), .deleteObjectResponse(status: 0), .rebootResponse,
            .factoryResetResponse, .downloadResponse(status: 1, startTime: "", completeTime: ""), .scheduleInformResponse,
            .getRPCMethodsResponse(["GetParameterValues"]),
        ]
        for message in messages {
            let text = CWMPEncoder().encode(Envelope(version: .v1_4, id: "7", message: message))
            #expect(try decoder.decodeCPE(Array(text.utf8)) == Envelope(version: .v1_4, id: "7", message: message))
        }
    }

    @Test func xsdTypes() {
        #expect(XSD.boolean("1") == true)
        #expect(XSD.boolean(" TRUE ") == true)
        #expect(XSD.boolean("false") == false)
        #expect(XSD.boolean("0") == false)
        #expect(XSD.boolean("yes") == nil)
        #expect(XSD.unsignedInt("4294967295") == 4_294_967_295)
        #expect(XSD.unsignedInt("-1") == nil)
        #expect(XSD.base64("aGVs\nbG8=") == Array("hello".utf8))
        #expect(XSD.dateTime("2024-01-02T03:04:05Z") == Date(timeIntervalSince1970: 1_704_164_645))
        #expect(XSD.dateTime("2024-01-02T03:04:05") == Date(timeIntervalSince1970: 1_704_164_645))
        #expect(XSD.dateTime("2024-01-02T06:04:05.500+03:00") == Date(timeIntervalSince1970: 1_704_164_645.5))
        #expect(XSD.dateTime("0001-01-01T00:00:00Z") != nil)
        #expect(XSD.dateTime("2024-13-02T03:04:05Z") == nil)
        #expect(XSD.dateTime("yesterday") == nil)
        #expect(XSD.format(Date(timeIntervalSince1970: 1_704_164_645)) == "2024-01-02T03:04:05Z")
    }

    @Test func eventCodesAreNormalized() {
        #expect(InformEvent(code: "1 Boot").code == "1 BOOT")
        #expect(InformEvent(code: "4 value change").code == "4 VALUE CHANGE")
        #expect(InformEvent(code: "m reboot").code == "M Reboot")
        #expect(InformEvent(code: "M Download").code == "M Download")
        #expect(InformEvent(code: "X 00259E Custom").code == "X 00259E Custom")
        // Codes already in their normal form are kept as they are; any other spacing is normalized.
        #expect(InformEvent(code: "1 BOOT").code == "1 BOOT")
        #expect(InformEvent(code: " 1  BOOT\t").code == "1 BOOT")
        #expect(InformEvent(code: "1 BOOT ").code == "1 BOOT")
        #expect(InformEvent(code: "10 AUTONOMOUS TRANSFER COMPLETE").code == "10 AUTONOMOUS TRANSFER COMPLETE")
        #expect(InformEvent(code: "1 bOOT").code == "1 BOOT")
        #expect(InformEvent.isNormalNumbered("1 BOOT") && !InformEvent.isNormalNumbered("1  BOOT") && !InformEvent.isNormalNumbered("1 Boot")
                && !InformEvent.isNormalNumbered("M Reboot") && !InformEvent.isNormalNumbered("") && !InformEvent.isNormalNumbered("1 BOOT "))
    }

    @Test func elementNamesSplitAtTheFirstColonAndEndTagsMatchByteForByte() throws {
        let root = try XMLTreeParser().parse(Array("<soap:Envelope xmlns:soap='urn:x'><a:b:c>t</a:b:c><Plain/></soap:Envelope>".utf8))
        #expect(root.prefix == "soap" && root.name == "Envelope")
        #expect(root.children.map { "\($0.prefix)|\($0.name)" } == ["a|b:c", "|Plain"])
        #expect(root.children[0].text == "t")
        for document in ["<a:b></a:c>", "<a:b></b>", "<a:b></a:bb>", "<ab></a>", "<x><y></x></y>"] {
            do {
                _ = try XMLTreeParser().parse(Array(document.utf8))
                Issue.record("\(document) accepted")
            } catch {
                #expect(error.code == .malformed, "\(document)")
                #expect(error.description.contains("closes"), "\(document): \(error.description)")
            }
        }
    }

    @Test func attributesAreFoundByTheirLocalName() throws {
        let root = try XMLTreeParser().parse(Array("<Value xsi:type='xsd:string' a:b:Kind='k' plain='p'/>".utf8))
        #expect(root.attribute(local: "type") == "xsd:string")
        #expect(root.attribute(local: "TYPE") == "xsd:string", "case-insensitive, as devices vary")
        #expect(root.attribute(local: "kind") == "k")
        #expect(root.attribute(local: "plain") == "p")
        #expect(root.attribute(local: "xsi:type") == nil)
        #expect(root.attribute(local: "typ") == nil)
    }

    @Test func faultCategories() {
        #expect(FaultCode(rawValue: 8005).category == .acs)
        #expect(FaultCode(rawValue: 9032).category == .cpe)
        #expect(FaultCode(rawValue: 9850).category == .vendor)
        #expect(FaultCode(rawValue: 42).category == .unknown)
    }
}
