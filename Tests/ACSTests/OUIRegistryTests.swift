import CWMP
import Testing
@testable import ACS

/// CPE manufacturers from the TR-069 OUI through the IEEE registry (Debian's ieee-data).
@Suite struct OUIRegistryTests {
    @Test func theCSVIsParsedWithQuotedFields() {
        let registry = OUIRegistry.parse(#"""
            Registry,Assignment,Organization Name,Organization Address
            MA-L,00259E,"HUAWEI TECHNOLOGIES CO.,LTD","B1-7,Huawei Base,Bantian ShenZhen CN 518129 "
            MA-L,D8C7C8,Aruba,Sunnyvale US
            MA-L,ABCDEF,"Quote ""Inc""",Somewhere
            MA-S,70B3D5123,Too Long,Nowhere
            """#)
        #expect(registry.organizations == ["00259E": "HUAWEI TECHNOLOGIES CO.,LTD", "D8C7C8": "Aruba", "ABCDEF": #"Quote "Inc""#])
        #expect(registry.organization("00259e") == "HUAWEI TECHNOLOGIES CO.,LTD")
    }

    @Test func aMissingManufacturerComesFromTheOUI() throws {
        let registry = try OUIRegistry.load()
        #expect(registry.organizations.count > 30_000)
        #expect(registry.manufacturer(oui: "00259E", reported: "") == "Huawei")
        #expect(registry.manufacturer(oui: "00259E", reported: "Unknown") == "Huawei")
        #expect(registry.manufacturer(oui: "00259E", reported: "Huawei Technologies Co., Ltd") == "Huawei Technologies Co., Ltd")
        #expect(registry.manufacturer(oui: "FFFFFE", reported: "") == "")
        #expect(throws: OUIRegistry.RegistryMissing.self) { try OUIRegistry.load(path: "/nonexistent/oui.csv") }

        let inform = Inform(device: CWMP.DeviceIdentity(manufacturer: "", oui: "00259e", productClass: "HG8245", serialNumber: "48575443ABCDEF01"),
                            events: [InformEvent(code: "1 BOOT")])
        let identity = try InformValidation.validated(inform)
        #expect(identity.manufacturer == "Huawei" && identity.oui == "00259E")
        var named = inform
        named.device.manufacturer = "  ZTE  "
        #expect(try InformValidation.validated(named).manufacturer == "ZTE", "a named manufacturer is kept, trimmed")
        // Only a placeholder needs the registry, so an Inform that names its manufacturer never reads it.
        #expect(OUIRegistry.isPlaceholder("") && OUIRegistry.isPlaceholder("N/A") && OUIRegistry.isPlaceholder("Unknown"))
        #expect(!OUIRegistry.isPlaceholder("ZTE") && !OUIRegistry.isPlaceholder("unknown vendor co"))
    }
}
