import Monitoring
import SNMP
import Testing

@Suite struct FingerprinterTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var sysObjectID: String
        var sysDescr: String
        var probes: [String] = []
        var profile: String
        var model: String? = nil
        var version: String? = nil
        var vendor: String? = nil
        var testDescription: String { "\(profile): \(sysObjectID)" }
    }

    /// sysObjectID/sysDescr pairs as the devices send them (not in the recordings).
    static let cases: [Case] = [
        Case(sysObjectID: "1.3.6.1.4.1.14988.1", sysDescr: "RouterOS CCR1036-8G-2S+", profile: "routeros", model: "CCR1036-8G-2S+"),
        Case(sysObjectID: "1.3.6.1.4.1.2011.2.224", sysDescr: "Huawei Versatile Routing Platform Software\r\nVRP (R) software, Version 5.160 (S5720 V200R011C10SPC600)\r\nCopyright (C) 2000-2018 HUAWEI TECH Co., Ltd\r\nHUAWEI S5720-28X-SI-AC",
             profile: "huawei-vrp", model: "S5720-28X-SI-AC", version: "V200R011C10SPC600"),
        Case(sysObjectID: "1.3.6.1.4.1.2011.2.248", sysDescr: "Huawei Integrated Access Software", profile: "huawei-smartax"),
        Case(sysObjectID: "1.3.6.1.4.1.2011.2.999", sysDescr: "Huawei Integrated Access Software", profile: "huawei-smartax"),
        Case(sysObjectID: "1.3.6.1.4.1.3902.1082.1001.600.1", sysDescr: "C600 Version V1.2.1 Software, Copyright (c) by ZTE Corporation",
             profile: "zte-zxa10", model: "C600", version: "V1.2.1"),
        Case(sysObjectID: "1.3.6.1.4.1.26138.1.2.3", sysDescr: "OLT 8820i", profile: "intelbras"),
        Case(sysObjectID: "1.3.6.1.4.1.11863.5.34", sysDescr: "JetStream 24-Port Gigabit L2 Managed Switch TL-SG3424", profile: "tplink", model: "TL-SG3424"),
        Case(sysObjectID: "1.3.6.1.4.1.9.1.2494", sysDescr: "Cisco IOS Software [Amsterdam], Catalyst L3 Switch Software (CAT9K_IOSXE), Version 17.3.4, RELEASE SOFTWARE (fc3)",
             profile: "cisco-iosxe", version: "17.3.4"),
        Case(sysObjectID: "1.3.6.1.4.1.9.1.1208", sysDescr: "Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E4, RELEASE SOFTWARE (fc2)",
             profile: "cisco-ios", model: "C2960X", version: "15.2(7)E4"),
        Case(sysObjectID: "1.3.6.1.4.1.10002.1", sysDescr: "Linux 2.6.32.68 #1 Tue Oct 2 2018 mips", probes: ["1.3.6.1.4.1.41112.1.4"], profile: "ubiquiti-airos",
             version: "2.6.32.68"),
        // Frogfoot's number with a Linux sysDescr is the airOS agent, also when the airMAX subtree is not probed.
        Case(sysObjectID: "1.3.6.1.4.1.10002.1", sysDescr: "Linux 2.6.32.68 #1 Tue Oct 2 2018 mips", profile: "ubiquiti-airos",
             version: "2.6.32.68"),
        Case(sysObjectID: "1.3.6.1.4.1.10002.1", sysDescr: "Linux 2.6.33", probes: ["1.3.6.1.4.1.41112.1.3"], profile: "ubiquiti-airfiber"),
        Case(sysObjectID: "1.3.6.1.4.1.9.1.1116", sysDescr: "Cisco IOS Software, ASR1000 Software (PPC_LINUX_IOSD-ADVENTERPRISEK9-M), Version 15.5(3)S1a, RELEASE SOFTWARE (fc1)",
             profile: "cisco-iosxe", model: "ASR1000", version: "15.5(3)S1a"),
        Case(sysObjectID: "1.3.6.1.4.1.3709", sysDescr: "ETH24GX+4XS+MPLS", profile: "datacom-legacy", vendor: "Datacom"),
        Case(sysObjectID: "1.3.6.1.4.1.8072.3.2.10", sysDescr: "Linux pop1 6.1.0-18-amd64 #1 SMP x86_64", profile: "net-snmp-linux", version: "6.1.0-18-amd64"),
        Case(sysObjectID: "1.3.6.1.4.1.99999.1", sysDescr: "Some appliance", profile: "generic", vendor: "Generic"),
        Case(sysObjectID: "", sysDescr: "", profile: "generic", vendor: "Generic"),
        Case(sysObjectID: "1.3.6.1.4.1.9.12.3.1.3.1812", sysDescr: "Cisco NX-OS(tm) n9000, Software (n9000-dk9), Version 9.3(8), RELEASE SOFTWARE Copyright (c) 2002-2021 by Cisco Systems, Inc.",
             profile: "cisco-nxos", model: "n9000", version: "9.3(8)", vendor: "Cisco"),
        Case(sysObjectID: "1.3.6.1.4.1.4413", sysDescr: "USW-24-PoE, 6.5.59.14777, Linux 3.6.5", profile: "ubiquiti-unifi-switch",
             model: "USW-24-PoE", version: "6.5.59.14777", vendor: "Ubiquiti"),
        Case(sysObjectID: "1.3.6.1.4.1.14988.2", sysDescr: "CSS326-24G-2S+ SwOS v2.13", profile: "mikrotik-swos",
             model: "CSS326-24G-2S+", version: "2.13", vendor: "MikroTik"),
        Case(sysObjectID: "1.3.6.1.4.1.2011.2.25.3", sysDescr: "Huawei OptiX OSN 1800 V", profile: "huawei-optix",
             model: "OptiX OSN 1800 V", vendor: "Huawei"),
        Case(sysObjectID: "1.3.6.1.4.1.8072.3.2.10", sysDescr: "Linux lte 3.14.65", probes: ["1.3.6.1.4.1.2011"], profile: "huawei-linux",
             version: "3.14.65", vendor: "Huawei"),
        // No profile: the vendor comes from the IANA registry, or from sysDescr when the number is a generic agent's.
        Case(sysObjectID: "1.3.6.1.4.1.12356.101.1.3", sysDescr: "FortiGate-60F", profile: "generic", vendor: "Fortinet"),
        Case(sysObjectID: "1.3.6.1.4.1.30065.1.3011.7280", sysDescr: "Arista Networks EOS version 4.28", profile: "generic", vendor: "Arista"),
        Case(sysObjectID: "1.3.6.1.4.1.10002.1", sysDescr: "", profile: "generic", vendor: "Ubiquiti"),
        Case(sysObjectID: "1.3.6.1.4.1.4413", sysDescr: "D-Link DGS-1210-28 Gigabit Switch", profile: "generic", vendor: "D-Link"),
        Case(sysObjectID: "1.3.6.1.4.1.4413", sysDescr: "Broadcom FASTPATH Switching", profile: "generic", vendor: "Broadcom"),
        Case(sysObjectID: "", sysDescr: "ZXR10 ROS Version V4.08.23 ZXR10 5960-52TM-H Software", profile: "zte-zxr10",
             model: "5960-52TM-H", version: "V4.08.23", vendor: "ZTE"),
        Case(sysObjectID: "1.3.6.1.4.1.4413", sysDescr: "DM4000 ETH24GX+4XS, 13.2.1", profile: "datacom-legacy", model: "DM4000",
             version: "13.2.1", vendor: "Datacom"),
        // No sysObjectID (old agents, restricted views): the OS family named anywhere in sysDescr decides.
        Case(sysObjectID: "", sysDescr: "S6730-H24X6C Huawei Versatile Routing Platform Software", profile: "huawei-vrp",
             vendor: "Huawei"),
        Case(sysObjectID: "", sysDescr: "Software Version VRP (R) 8.180", profile: "huawei-vrp", vendor: "Huawei"),
        Case(sysObjectID: "", sysDescr: "mx204 internet router, kernel JUNOS 21.2R3-S2.9", profile: "juniper-junos",
             version: "21.2R3-S2.9", vendor: "Juniper"),
        Case(sysObjectID: "", sysDescr: "Juniper Networks Inc. E320 Edge Routing Switch, JUNOSe 10.3.3", profile: "juniper-junose",
             version: "10.3.3", vendor: "Juniper"),
        Case(sysObjectID: "", sysDescr: "IOS (tm) C3550 Software (C3550-I5Q3L2-M), Version 12.1(22)EA14, RELEASE SOFTWARE (fc1)",
             profile: "cisco-ios", version: "12.1(22)EA14", vendor: "Cisco"),
        Case(sysObjectID: "", sysDescr: "Cisco IOS Software [Bengaluru], Catalyst L3 Switch Software (CAT9K_IOSXE), Version 17.6.4",
             profile: "cisco-iosxe", version: "17.6.4", vendor: "Cisco"),
        Case(sysObjectID: "", sysDescr: "Linux bras2 5.10.0-21-amd64 #1 SMP Debian", profile: "net-snmp-linux",
             version: "5.10.0-21-amd64", vendor: "net-snmp"),
        // Frogfoot's number (older Ubiquiti firmware) with the airFiber or UniFi subtree present: the subtree decides,
        // not the airOS fallback for Frogfoot + Linux.
        Case(sysObjectID: "1.3.6.1.4.1.10002.1", sysDescr: "Linux 4.9.241 #2 SMP Thu Dec 30 12:43:55 EET 2021 armv7l",
             probes: ["1.3.6.1.4.1.41112.1.11"], profile: "ubiquiti-airfiber", vendor: "Ubiquiti"),
        Case(sysObjectID: "1.3.6.1.4.1.10002.1", sysDescr: "Linux 3.14.65", probes: ["1.3.6.1.4.1.41112.1.10"],
             profile: "ubiquiti-airfiber", vendor: "Ubiquiti"),
        Case(sysObjectID: "1.3.6.1.4.1.10002.1", sysDescr: "Linux 3.3.8 #1 Mon Sep 12 17:23:19 PDT 2016 mips",
             probes: ["1.3.6.1.4.1.41112.1.6"], profile: "ubiquiti-unifi-ap", version: "3.3.8", vendor: "Ubiquiti"),
        // TP-Link TD-series DSL modems whose SDK firmware leaves the placeholder enterprises.1.2.3.4.5 as sysObjectID.
        Case(sysObjectID: "1.3.6.1.4.1.1.2.3.4.5", sysDescr: "TD-W8901G", profile: "tplink-dsl", model: "TD-W8901G", vendor: "TP-Link"),
        Case(sysObjectID: "", sysDescr: "TD-W8961ND", profile: "tplink-dsl", model: "TD-W8961ND", vendor: "TP-Link"),
        Case(sysObjectID: "1.3.6.1.4.1.16972", sysDescr: "0.6.0 2.9 v000c.0 Build 131114 Rel.33362n", profile: "tplink-dsl",
             version: "0.6.0", vendor: "TP-Link"),
        // The placeholder number names no vendor by itself: an unknown sysDescr leaves it to the registry's entry.
        Case(sysObjectID: "1.3.6.1.4.1.1.2.3.4.5", sysDescr: "ADSL Modem", profile: "generic"),
        // A vendor number no profile knows, on Linux: Linux, the vendor from the registry.
        Case(sysObjectID: "1.3.6.1.4.1.17713.21", sysDescr: "Linux 2.6.36+", profile: "net-snmp-linux"),
    ]

    @Test(arguments: cases)
    func identifies(_ c: Case) throws {
        let fingerprinter = Fingerprinter(catalog: try ProfileCatalog.bundled())
        let identity = fingerprinter.identify(sysObjectID: OID(c.sysObjectID), sysDescr: c.sysDescr,
                                              present: Set(c.probes.compactMap(OID.init)))
        #expect(identity.profile == c.profile)
        #expect(identity.model == c.model)
        #expect(identity.version == c.version)
        #expect(identity.sysObjectID == (OID(c.sysObjectID)?.description ?? ""))
        if let vendor = c.vendor { #expect(identity.vendor == vendor) }
        #expect(identity.reason?.isEmpty == false)
    }

    @Test func theReasonNamesTheRuleOrWhyNoneMatched() throws {
        let fingerprinter = Fingerprinter(catalog: try ProfileCatalog.bundled())
        let vrp = fingerprinter.identify(sysObjectID: OID("1.3.6.1.4.1.2011.2.224"), sysDescr: "Huawei Versatile Routing Platform Software VRP")
        #expect(vrp.reason?.hasPrefix(#"profile huawei-vrp match[0]: sysObjectID under 1.3.6.1.4.1.2011, sysDescr ~ "\bVRP\b""#) == true,
                "\(vrp.reason ?? "")")
        #expect(vrp.reason?.contains("IANA enterprise 2011 (HUAWEI Technology Co.,Ltd)") == true)
        #expect(vrp.enterprise == 2011)
        let forti = fingerprinter.identify(sysObjectID: OID("1.3.6.1.4.1.12356.101.1.3"), sysDescr: "FortiGate-60F")
        #expect(forti.reason?.hasPrefix("no profile rule matched (sysObjectID 1.3.6.1.4.1.12356.101.1.3") == true)
        #expect(forti.reason?.contains("vendor from IANA enterprise 12356 (Fortinet, Inc.)") == true)
        let nothing = fingerprinter.identify(sysObjectID: nil, sysDescr: "")
        #expect(nothing.reason?.contains("no vendor") == true)
        let descr = fingerprinter.identify(sysObjectID: OID("1.3.6.1.4.1.4413"), sysDescr: "D-Link DGS-1210-28 Gigabit Switch")
        #expect(descr.reason?.contains("vendor from sysDescr pattern") == true, "\(descr.reason ?? "")")
    }

    @Test func aGenericAgentTakesItsVendorFromTheEnterpriseSubtreesItImplements() throws {
        let fingerprinter = Fingerprinter(catalog: try ProfileCatalog.bundled())
        // A net-snmp Linux box that answers UCD-SNMP (2021) and a Ubiquiti MIB (41112): net-snmp on Linux, by Ubiquiti.
        let ltu = fingerprinter.identify(sysObjectID: OID("1.3.6.1.4.1.8072.3.2.10"), sysDescr: "Linux PRIVATE 3.14.65", implemented: [2021, 41112])
        #expect(ltu.profile == "net-snmp-linux" && ltu.vendor == "Ubiquiti" && ltu.os == "Linux")
        #expect(ltu.reason?.contains("vendor from the enterprise subtree the agent implements, 41112 (Ubiquiti Networks, Inc.)") == true)
        // Only generic agents' subtrees: net-snmp stays the vendor.
        let plain = fingerprinter.identify(sysObjectID: OID("1.3.6.1.4.1.8072.3.2.10"), sysDescr: "Linux pop1 6.1.0", implemented: [2021, 8072])
        #expect(plain.vendor == "net-snmp")
        // A Broadcom FASTPATH agent whose sysDescr names nobody, implementing V-SOL's MIB.
        let olt = fingerprinter.identify(sysObjectID: OID("1.3.6.1.4.1.4413"), sysDescr: "olt-1", implemented: [4413, 37950])
        #expect(olt.profile == "generic" && olt.vendor == "V-SOL")
        // Asked only when the vendor is open.
        let routeros = fingerprinter.match(sysObjectID: OID("1.3.6.1.4.1.14988.1"), sysDescr: "RouterOS RB750")
        #expect(!fingerprinter.needsImplementedEnterprises(routeros, sysObjectID: OID("1.3.6.1.4.1.14988.1")))
        let linux = fingerprinter.match(sysObjectID: OID("1.3.6.1.4.1.8072.3.2.10"), sysDescr: "Linux")
        #expect(fingerprinter.needsImplementedEnterprises(linux, sysObjectID: OID("1.3.6.1.4.1.8072.3.2.10")))
    }

    @Test func theRegistryParsesTheWiresharkFileAndShortensNames() throws {
        let registry = EnterpriseRegistry.parse("""
            # comment
            9\tciscoSystems
            30065\tArista Networks, Inc.\t# formerly 'Arastra, Inc.'
            4378\t---none---
            not a line
            """)
        #expect(registry.organizations == [9: "ciscoSystems", 30065: "Arista Networks, Inc."])
        let system = try EnterpriseRegistry.load()
        #expect(system.organizations.count > 50_000)
        #expect(system.organization(41112) == "Ubiquiti Networks, Inc.")
        #expect(throws: ProfileError.self) { try EnterpriseRegistry.load(path: "/nonexistent/enterprises.tsv") }
        #expect(VendorRegistry.enterprise(of: OID("1.3.6.1.4.1.14988.1")) == 14988)
        #expect(VendorRegistry.enterprise(of: OID("1.3.6.1.2.1.1")) == nil)
    }

    @Test func probesAreAskedOnlyForCandidates() throws {
        let fingerprinter = Fingerprinter(catalog: try ProfileCatalog.bundled())
        let airos = fingerprinter.probes(sysObjectID: OID("1.3.6.1.4.1.10002.1"), sysDescr: "Linux")
        #expect(Set(airos) == [OID("1.3.6.1.4.1.41112.1.3")!, OID("1.3.6.1.4.1.41112.1.4")!, OID("1.3.6.1.4.1.41112.1.6")!,
                               OID("1.3.6.1.4.1.41112.1.10")!, OID("1.3.6.1.4.1.41112.1.11")!])
        #expect(fingerprinter.probes(sysObjectID: OID("1.3.6.1.4.1.14988.1"), sysDescr: "RouterOS").isEmpty)
    }

    @Test func theMostSpecificPrefixWins() throws {
        let fingerprinter = Fingerprinter(catalog: try ProfileCatalog.bundled())
        // Both Huawei profiles match sysObjectID 2011…; SmartAX's longer prefix and sysDescr beat VRP.
        let smartax = fingerprinter.match(sysObjectID: OID("1.3.6.1.4.1.2011.2.248"), sysDescr: "Huawei Integrated Access Software")
        let vrp = fingerprinter.match(sysObjectID: OID("1.3.6.1.4.1.2011.2.248"), sysDescr: "Huawei Versatile Routing Platform Software VRP")
        #expect(smartax.profile.id == "huawei-smartax")
        #expect(vrp.profile.id == "huawei-smartax")
        #expect(fingerprinter.match(sysObjectID: OID("1.3.6.1.4.1.2011.2.360.1.5"), sysDescr: "VRP (R) software").profile.id == "huawei-vrp")
    }
}
