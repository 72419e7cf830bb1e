import Foundation
import SNMP

extension SNMPDevicePoller {
    static let bgpPeerEntry: OID = [1, 3, 6, 1, 2, 1, 15, 3, 1]
    static let cbgpPeer2Entry: OID = [1, 3, 6, 1, 4, 1, 9, 9, 187, 1, 2, 5, 1]
    static let cbgpPeer2AcceptedPrefixes: OID = [1, 3, 6, 1, 4, 1, 9, 9, 187, 1, 2, 8, 1, 1]
    static let hwBgpPeerPrefixRcvCounter: OID = [1, 3, 6, 1, 4, 1, 2011, 5, 25, 177, 1, 1, 3, 1, 1]

    /// BGP4-MIB's peer table, merged by peer address with CISCO-BGP4-MIB (Cisco devices: IPv6 peers,
    /// accepted prefixes) and Huawei's BGP MIB (prefixes received; public VRF only).
    func collectBGP(_ target: SNMPTarget, vendor: String, _ counter: inout VarbindCounter) async throws -> [BGPPeerReading] {
        var peers: [String: BGPPeerReading] = [:]
        for row in try await table(Self.bgpPeerEntry, target, &counter).rows where row.index.count == 4 {
            let address = row.index.arcs.map(String.init).joined(separator: ".")
            var peer = BGPPeerReading(peerAddress: address, source: "bgp4")
            peer.state = Self.number(row.cells[2]).map(Int.init)
            peer.adminUp = Self.number(row.cells[3]).map { $0 == 2 }
            peer.localAddress = Self.ipText(row.cells[5])
            peer.remoteAS = Self.unsigned(row.cells[9]).map { UInt32(clamping: $0) }
            peer.establishedSeconds = Self.unsigned(row.cells[16]).map { UInt32(clamping: $0) }
            peers[address] = peer
        }
        if vendor == "Cisco" {
            for row in try await table(Self.cbgpPeer2Entry, target, &counter).rows {
                guard let (address, _) = Self.inetIndex(row.index.arcs[...]) else { continue }
                var peer = peers[address] ?? BGPPeerReading(peerAddress: address, source: "cisco")
                if peers[address] != nil, !peer.source.contains("cisco") { peer.source += "+cisco" }
                peer.state = peer.state ?? Self.number(row.cells[3]).map(Int.init)
                peer.adminUp = peer.adminUp ?? Self.number(row.cells[4]).map { $0 == 2 }
                if peer.localAddress == nil, case .octetString(let octets) = row.cells[6] {
                    peer.localAddress = Self.inetText(family: octets.count == 16 ? 2 : 1, octets: octets)
                }
                peer.remoteAS = peer.remoteAS ?? Self.unsigned(row.cells[11]).map { UInt32(clamping: $0) }
                peer.establishedSeconds = peer.establishedSeconds ?? Self.unsigned(row.cells[19]).map { UInt32(clamping: $0) }
                peers[address] = peer
            }
            for (index, value) in try await column(Self.cbgpPeer2AcceptedPrefixes, target, &counter) {
                guard let (address, _) = Self.inetIndex(index.arcs[...]), var peer = peers[address],
                      let count = Self.unsigned(value) else { continue }
                peer.prefixesReceived = (peer.prefixesReceived ?? 0) + count
                peers[address] = peer
            }
        }
        if vendor == "Huawei" {
            for (index, value) in try await column(Self.hwBgpPeerPrefixRcvCounter, target, &counter) {
                // vrf.afi.safi.addrType.length.octets; the public VRF is 0.
                let arcs = index.arcs
                guard arcs.count > 5, arcs[0] == 0, let (address, _) = Self.inetIndex(arcs[3...]),
                      var peer = peers[address], let count = Self.unsigned(value) else { continue }
                if !peer.source.contains("huawei") { peer.source += "+huawei" }
                peer.prefixesReceived = (peer.prefixesReceived ?? 0) + count
                peers[address] = peer
            }
        }
        return peers.values.sorted { $0.peerAddress < $1.peerAddress }
    }

    /// The profile's session sources: a scalar read, or the rows of a column counted.
    func collectSessions(_ target: SNMPTarget, profile: VendorProfile, _ counter: inout VarbindCounter) async throws -> [SessionCount] {
        var counts: [SessionCount] = []
        for source in profile.sessions ?? [] {
            if let text = source.oid, let oid = OID(text) {
                for varBind in try await lenient([oid], target, &counter) where varBind.oid == oid {
                    if let value = Self.number(varBind.value) { counts.append(SessionCount(name: source.name, count: value)) }
                }
            } else if let text = source.count, let oid = OID(text) {
                let rows = try await column(oid, target, &counter)
                counts.append(SessionCount(name: source.name, count: Double(rows.count)))
            }
        }
        return counts
    }

    /// `addrType.length.octets…` (InetAddress index) → address text and the arcs used.
    static func inetIndex(_ arcs: ArraySlice<UInt32>) -> (String, Int)? {
        guard arcs.count >= 2 else { return nil }
        let family = arcs[arcs.startIndex], length = Int(arcs[arcs.startIndex + 1])
        guard arcs.count >= 2 + length else { return nil }
        let octets = arcs.dropFirst(2).prefix(length).compactMap { UInt8(exactly: $0) }
        guard octets.count == length, let text = inetText(family: family, octets: octets) else { return nil }
        return (text, 2 + length)
    }

    static func ipText(_ value: SNMPValue?) -> String? {
        switch value {
        case .ipAddress(let a, let b, let c, let d): return "\(a).\(b).\(c).\(d)"
        case .octetString(let octets): return inetText(family: octets.count == 16 ? 2 : 1, octets: octets)
        default: return nil
        }
    }
}
