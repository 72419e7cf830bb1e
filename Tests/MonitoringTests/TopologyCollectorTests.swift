import Foundation
import Monitoring
import SNMP
import Testing

/// LLDP/CDP neighbours, BGP peers and subscriber sessions read from the recordings through snmpsimd,
/// checked against the values in the files.
@Suite struct TopologyCollectorTests {
    private func poll(_ community: String, _ collectors: Set<CollectorKind>) async throws -> (DeviceIdentity, PollResult) {
        let target = try Agents.snmpsim(community: community)
        return try await Agents.withPoller { poller in
            let identity = try await poller.identify(target)
            return (identity, try await poller.poll(target, identity: identity, collectors: collectors))
        }
    }

    private func recording(_ name: String) throws -> Snmprec {
        for directory in [try Agents.fixtures(), try Agents.moreFixtures()] {
            let path = "\(directory)/\(name).snmprec"
            if FileManager.default.fileExists(atPath: path) { return try Snmprec(path: path) }
        }
        Issue.record("no recording \(name)")
        return try Snmprec(path: "/nonexistent")
    }

    static let lldpRemEntry = OID("1.0.8802.1.1.2.1.4.1.1")!

    /// Every recording that carries lldpRemTable: one neighbour per row, with the row's sysName and
    /// port id.
    @Test(arguments: ["routeros", "routeros_rb750gr3", "smartax", "edgeswitch_es-24-250w"])
    func lldpNeighborsAreTheRowsOfTheFile(_ name: String) async throws {
        let file = try recording(name)
        var rows: [String: (sysName: String?, portId: String?)] = [:]
        for (oid, value) in file.values {
            guard let suffix = oid.suffix(after: Self.lldpRemEntry), suffix.count >= 2 else { continue }
            let column = suffix.arcs[0]
            let index = OID(Array(suffix.arcs.dropFirst())).description
            var row = rows[index] ?? (nil, nil)
            if column == 9 { row.sysName = value.text.isEmpty ? nil : value.text }
            // Port ids written as text (binary ones, MACs, are checked in the test below).
            if column == 7, !value.text.isEmpty, value.text.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 }) {
                row.portId = value.text
            }
            rows[index] = row
        }
        #expect(!rows.isEmpty)
        let (_, result) = try await poll(name, [.neighbors])
        #expect(result.errors.isEmpty, "\(result.errors)")
        #expect(Set(result.neighbors.map(\.index)) == Set(rows.keys))
        for neighbor in result.neighbors {
            #expect(neighbor.discovery == .lldp)
            #expect(neighbor.remoteSysName == rows[neighbor.index]?.sysName, "\(name) \(neighbor.index)")
            if let portId = rows[neighbor.index]?.portId {
                #expect(neighbor.remotePortId == portId, "\(name) \(neighbor.index)")
            }
        }
    }

    @Test func lldpLocalPortsManagementAddressesAndMACs() async throws {
        let (_, rb750) = try await poll("routeros_rb750gr3", [.neighbors])
        let sw11 = try #require(rb750.neighbors.first { $0.index == "0.6.2" })
        #expect(sw11.remoteSysName == "sw11.mzmol" && sw11.remotePortId == "trunk: Up (p24)")
        #expect(sw11.remoteChassisId == "e8:28:c1:3c:1c:d8" && sw11.remoteAddress == "169.254.9.11")
        #expect(sw11.localIfIndex == 6 && sw11.localPort == "trunk: Down (eth5)")
        #expect(sw11.remoteSysDescr == "MES2324B 28-port 1G/10G Managed Switch, Software version: 4.0.24.1")
        let soada = try #require(rb750.neighbors.first { $0.index == "0.10.1" })
        #expect(soada.remoteSysName == "r1.soada" && soada.remoteAddress == "fdfd:0:2:1::1" && soada.localIfIndex == 10)

        let (_, smartax) = try await poll("smartax", [.neighbors])
        let hw = try #require(smartax.neighbors.first)
        #expect(smartax.neighbors.count == 1)
        #expect(hw.localIfIndex == 234_946_560 && hw.localPort == "ethernet0/8/0")
        #expect(hw.remoteSysName == "HW01-UZ" && hw.remotePortId == "XGigabitEthernet0/0/17" && hw.remotePortDescr == "holt02-uz")
        #expect(hw.remoteChassisId == "f4:4c:7f:24:1a:f0")
        #expect(hw.remoteSysDescr?.hasPrefix("S6720-30C-EI-24S-AC") == true)

        let (_, edgeswitch) = try await poll("edgeswitch_es-24-250w", [.neighbors])
        let port24 = try #require(edgeswitch.neighbors.first { $0.index == "53.24.2" })
        #expect(port24.localIfIndex == 24 && port24.localPort == "0/24")
        #expect(port24.remoteChassisId == "30:9c:23:7d:90:2a" && port24.remotePortId == "30:9c:23:7d:90:2a")
    }

    @Test func cdpCacheRowsBecomeNeighbors() async throws {
        let (identity, result) = try await poll("cdp-neighbors", [.neighbors])
        #expect(identity.profile == "cisco-ios")
        #expect(result.neighbors.count == 2)
        let core = try #require(result.neighbors.first { $0.index == "10101.1" })
        #expect(core.discovery == .cdp && core.localIfIndex == 10101 && core.localPort == "Gi1/0/1")
        #expect(core.remoteSysName == "core-1.pop-centro" && core.remotePortId == "TenGigabitEthernet1/1/1")
        #expect(core.remoteAddress == "10.0.1.1" && core.remotePlatform == "cisco C9300-48P")
        let bras = try #require(result.neighbors.first { $0.index == "10102.3" })
        #expect(bras.remoteAddress == "10.0.1.2" && bras.remotePortId == "ether1" && bras.remoteSysDescr == "RouterOS 7.12")
    }

    @Test func bgpPeersFromBGP4MIBAndTheVendorMIBs() async throws {
        // EdgeOS: BGP4-MIB only.
        let (_, edgeos) = try await poll("edgeos", [.bgp])
        #expect(edgeos.bgpPeers == [BGPPeerReading(peerAddress: "172.16.200.1", localAddress: "172.16.200.2", remoteAS: 65000,
                                                   state: 6, adminUp: true, establishedSeconds: 164_372, source: "bgp4")])

        // Huawei NE8000: BGP4-MIB rows with prefixes received from hwBgpPeerPrefixRcvCounter.
        let file = try recording("vrp_ne8000")
        let states = file.column(OID("1.3.6.1.2.1.15.3.1.2")!)
        let (_, vrp) = try await poll("vrp_ne8000", [.bgp])
        #expect(vrp.bgpPeers.count == states.count)
        #expect(Set(vrp.bgpPeers.map(\.peerAddress)) == Set(states.keys.map(\.description)))
        for peer in vrp.bgpPeers {
            #expect(peer.state.map(String.init) == states[OID(peer.peerAddress)!])
        }
        let peer = try #require(vrp.bgpPeers.first { $0.peerAddress == "10.45.2.2" })
        #expect(peer.prefixesReceived == 13_970 && peer.source == "bgp4+huawei")
        let quiet = try #require(vrp.bgpPeers.first { $0.peerAddress == "10.16.7.2" })
        #expect(quiet.remoteAS == 26_479 && quiet.establishedSeconds == 53_379 && quiet.prefixesReceived == 0)

        // IOS XR: no BGP4-MIB rows; CISCO-BGP4-MIB cbgpPeer2Table and accepted prefixes.
        let (_, xr) = try await poll("iosxr_asr9001", [.bgp])
        #expect(xr.bgpPeers.map(\.peerAddress) == ["10.246.0.3", "10.246.0.4"])
        let up = try #require(xr.bgpPeers.first)
        #expect(up.state == 6 && up.remoteAS == 65_056 && up.establishedSeconds == 5_399_820 && up.prefixesReceived == 5)
        #expect(up.localAddress == "10.246.0.1" && up.source == "cisco" && up.stateName == "established")
        #expect(xr.bgpPeers.last?.state == 1 && xr.bgpPeers.last?.prefixesReceived == 0)

        // A device without BGP answers no peers and no error.
        let (_, linux) = try await poll("linux", [.bgp])
        #expect(linux.bgpPeers.isEmpty && linux.errors.isEmpty)
    }

    @Test func routerOSReportsItsActivePPPSessions() async throws {
        let (_, result) = try await poll("routeros_rb750gr3", [.sessions])
        #expect(result.errors.isEmpty)
        #expect(result.sessions == [SessionCount(name: "ppp", count: 0)])
        // Profiles without session sources do not run the collector.
        let (_, linux) = try await poll("linux", [.sessions])
        #expect(linux.sessions.isEmpty && linux.errors.isEmpty)
    }
}
