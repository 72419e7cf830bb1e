import Foundation
import Monitoring
import SNMP
import Testing

@Suite struct ProfileCatalogTests {
    @Test func bundledProfilesCoverTheVendorsOfTheIssue() throws {
        let catalog = try ProfileCatalog.bundled()
        let ids = Set(catalog.profiles.map(\.id))
        for id in ["generic", "routeros", "huawei-vrp", "huawei-smartax", "zte-zxa10", "fiberhome-an5516", "vsol",
                   "cdata", "datacom-dmos", "parks", "intelbras", "tplink", "ubiquiti-edgeos", "ubiquiti-airos",
                   "ubiquiti-uisp-fiber", "cisco-ios", "cisco-iosxe", "juniper-junos", "net-snmp-linux"] {
            #expect(ids.contains(id), "missing profile \(id)")
        }
        for id in ["huawei-smartax", "zte-zxa10", "fiberhome-an5516", "vsol"] {
            let profile = try #require(catalog.profile(id))
            #expect(profile.collectors.contains(.optics))
            #expect(profile.optics?.contains { $0.scope == .onu } == true, "\(id) has no ONU optics table")
        }
    }

    private func write(_ json: String, as name: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("profiles-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(#"{"id": "generic", "vendor": "Generic", "os": "SNMP", "kind": "other", "match": [], "collectors": ["system"]}"#.utf8)
            .write(to: directory.appendingPathComponent("generic.json"))
        try Data(json.utf8).write(to: directory.appendingPathComponent(name))
        return directory
    }

    private func loadError(_ json: String, as name: String = "acme.json") throws -> ProfileError {
        let directory = try write(json, as: name)
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            _ = try ProfileCatalog.load(directory: directory)
        } catch let error as ProfileError {
            return error
        }
        Issue.record("\(json) loaded without an error")
        return ProfileError(.catalog, file: "", "")
    }

    @Test func aValidFileLoads() throws {
        let directory = try write(#"""
            {"id": "acme", "vendor": "Acme", "os": "AcmeOS", "kind": "switch",
             "match": [{"sysObjectID": ["1.3.6.1.4.1.99999"], "sysDescr": ["^Acme"]}],
             "model": {"sysDescr": "^Acme (\\S+)"}, "collectors": ["system", "interfaces"]}
            """#, as: "acme.json")
        defer { try? FileManager.default.removeItem(at: directory) }
        let catalog = try ProfileCatalog.load(directory: directory)
        #expect(catalog.profiles.map(\.id) == ["acme", "generic"])
    }

    @Test func anUnknownFieldIsRefusedNamingFileAndField() throws {
        let error = try loadError(#"""
            {"id": "acme", "vendor": "Acme", "os": "AcmeOS", "kind": "switch",
             "match": [{"sysObjectID": ["1.3.6.1.4.1.99999"], "sysDescrs": ["^Acme"]}], "collectors": ["system"]}
            """#)
        #expect(error.code == .unknownField)
        #expect(error.file == "acme.json")
        #expect(error.description.contains("match[0].sysDescrs"), "\(error)")
    }

    @Test func aBadRegexIsRefused() throws {
        let error = try loadError(#"""
            {"id": "acme", "vendor": "Acme", "os": "AcmeOS", "kind": "switch",
             "match": [{"sysDescr": ["^Acme ("]}], "collectors": ["system"]}
            """#)
        #expect(error.code == .badRegex)
        #expect(error.file == "acme.json")
        #expect(error.context.contains("match[0].sysDescr"), "\(error)")
    }

    @Test(arguments: ["1.3.6.1.4.1.x", ".1.3.6.1.4.1.9", "", "1..3"])
    func aBadOIDIsRefused(_ oid: String) throws {
        let error = try loadError(#"""
            {"id": "acme", "vendor": "Acme", "os": "AcmeOS", "kind": "switch",
             "match": [{"sysObjectID": ["\#(oid)"]}], "collectors": ["system"]}
            """#)
        #expect(error.code == .badOID)
        #expect(error.file == "acme.json")
    }

    @Test func otherMistakesAreRefused() throws {
        #expect(try loadError(#"{"id": "acme", "vendor": "Acme"}"#).code == .invalidJSON)
        #expect(try loadError(#"""
            {"id": "other", "vendor": "Acme", "os": "A", "kind": "switch",
             "match": [{"sysDescr": ["x"]}], "collectors": ["system"]}
            """#).code == .invalidValue)
        #expect(try loadError(#"""
            {"id": "acme", "vendor": "Acme", "os": "A", "kind": "toaster",
             "match": [{"sysDescr": ["x"]}], "collectors": ["system"]}
            """#).code == .invalidValue)
        #expect(try loadError(#"""
            {"id": "acme", "vendor": "Acme", "os": "A", "kind": "switch", "match": [], "collectors": ["system"]}
            """#).code == .invalidValue)
        #expect(try loadError(#"""
            {"id": "acme", "vendor": "Acme", "os": "A", "kind": "olt", "match": [{"sysDescr": ["x"]}],
             "collectors": ["optics"], "optics": [{"scope": "onu", "scale": 0.01}]}
            """#).code == .invalidValue)
        #expect(try loadError(#"""
            {"id": "acme", "vendor": "Acme", "os": "A", "kind": "olt", "match": [{"sysDescr": ["x"]}],
             "collectors": ["telepathy"]}
            """#).code == .invalidJSON)
    }
}
