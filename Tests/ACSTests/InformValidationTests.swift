@testable import ACS
import CWMP
import Foundation
import Testing

/// What the ACS accepts as parameter paths of an Inform, and which of its values it caches.
struct InformValidationTests {
    @Test func parameterPathsAreDotSeparatedPrintableAndBounded() {
        for path in ["Device.DeviceInfo.SoftwareVersion", "InternetGatewayDevice.LANDevice.1.", "Device.Wi-Fi.SSID.1.SSID", "Device.X_ÇÃO_Vendor.Nome"] {
            #expect(InformValidation.isParameterPath(path), "\(path)")
        }
        let refused = ["", ".Device.DeviceInfo", "Device..DeviceInfo", "Device.Device Info", "Device.\u{1}Info", "Device.Info\u{7F}",
                       "Device.\tInfo", "Device.Info\n", String(repeating: "a", count: 1025)]
        for path in refused {
            #expect(!InformValidation.isParameterPath(path), "\(path.debugDescription)")
        }
        #expect(InformValidation.isParameterPath(String(repeating: "a", count: 1024)))
    }

    @Test func addressesAreIPLiteralsOrTheHostOfAURL() {
        #expect(CWMPRepository.ipLiteral("10.0.0.1") == "10.0.0.1")
        #expect(CWMPRepository.ipLiteral(" 2001:db8::1 ") == "2001:db8::1")
        #expect(CWMPRepository.ipLiteral("http://10.1.2.3:7547/cr") == "10.1.2.3")
        #expect(CWMPRepository.ipLiteral("http://10.1.2.3/") == "10.1.2.3")
        #expect(CWMPRepository.ipLiteral("http://[2001:db8::2]:7547/") == "2001:db8::2")
        #expect(CWMPRepository.ipLiteral("https://cpe.example.net:7547/") == nil, "a name, not an address")
        #expect(CWMPRepository.ipLiteral("not an address") == nil)
        #expect(CWMPRepository.ipLiteral("") == nil)
        #expect(CWMPRepository.ipLiteral(nil) == nil)
    }

    @Test func batchTextsAreJSONStringsThatReadBackTheSame() throws {
        let texts = ["", "plain", "quote \" and back\\slash", "tab\tline\nnul-free \u{1F} end", "ação 📶", "\u{1}", "\\\"", "trailing\\"]
        var array = JSONText()
        array.strings(texts)
        #expect(try JSONDecoder().decode([String].self, from: Data(array.text.utf8)) == texts)
        #expect(array.text.contains("\\u001f") && array.text.contains("\\u0001"), "control characters as \\u00XX")
        var none = JSONText()
        none.string(nil)
        #expect(none.text == "null")
    }

    @Test func theLastOfDuplicatesIsCachedInTheOrderOfLastOccurrence() {
        let values = [ParameterValue(name: "Device.A", value: "1"), ParameterValue(name: "Device..Bad", value: "x"),
                      ParameterValue(name: "Device.B", value: "2"), ParameterValue(name: "Device.A", value: "3"),
                      ParameterValue(name: "Device.C", value: "4")]
        #expect(CWMPRepository.cacheable(values).map { "\($0.name)=\($0.value)" } == ["Device.B=2", "Device.A=3", "Device.C=4"])
    }

    @Test func theRootAndSuffixLookupsReadTheReportedNames() {
        func inform(_ names: [String]) -> Inform {
            Inform(device: DeviceIdentity(manufacturer: "M", oui: "00AABB", productClass: "P", serialNumber: "S"), events: [], maxEnvelopes: 1,
                   currentTime: "2026-12-07T00:00:00Z", retryCount: 0,
                   parameters: names.enumerated().map { ParameterValue(name: $1, value: "v\($0)") })
        }
        #expect(inform(["Device.DeviceInfo.SoftwareVersion"]).root == "Device.")
        #expect(inform(["InternetGatewayDevice.DeviceInfo.SoftwareVersion"]).root == "InternetGatewayDevice.")
        #expect(inform(["DeviceInfo.X"]).root == "DeviceInfo.", "a root named by the first segment, not by a prefix of it")
        #expect(inform([]).root == "InternetGatewayDevice.")
        let reported = inform(["Device.DeviceInfo.HardwareVersion", "Device.DeviceInfo.SoftwareVersion", "Device.ManagementServer.ParameterKey"])
        #expect(reported.parameter(endingWith: "DeviceInfo.SoftwareVersion") == "v1")
        #expect(reported.parameter(endingWith: "ParameterKey") == "v2")
        #expect(reported.parameter(endingWith: "X.Device.DeviceInfo.SoftwareVersion") == nil, "a suffix longer than the name")
        #expect(reported.parameter(endingWith: "Version") == "v0", "the first match")
    }
}
