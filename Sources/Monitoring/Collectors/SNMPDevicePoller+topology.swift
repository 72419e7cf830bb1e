import Foundation
import SNMP

extension SNMPDevicePoller {
    static let lldpRemEntry: OID = [1, 0, 8802, 1, 1, 2, 1, 4, 1, 1]
    static let lldpRemManAddrEntry: OID = [1, 0, 8802, 1, 1, 2, 1, 4, 2, 1]
    static let lldpLocPortEntry: OID = [1, 0, 8802, 1, 1, 2, 1, 3, 7, 1]
    static let cdpCacheEntry: OID = [1, 3, 6, 1, 4, 1, 9, 9, 23, 1, 2, 1, 1]
    static let ifDescrColumn: OID = [1, 3, 6, 1, 2, 1, 2, 2, 1, 2]
    static let ifNameColumn: OID = [1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 1]

    /// LLDP-MIB remote systems (with their management addresses and the local port names of
    /// `lldpLocPortTable`) and CISCO-CDP-MIB's cache. The local port becomes an ifIndex when the
    /// port's id or description names an interface, else when the LLDP port number is an ifIndex.
    func collectNeighbors(_ target: SNMPTarget, _ counter: inout VarbindCounter) async throws -> [NeighborReading] {
        let remote = try await table(Self.lldpRemEntry, target, &counter)
        let cdp = try await table(Self.cdpCacheEntry, target, &counter)
        guard !remote.rows.isEmpty || !cdp.rows.isEmpty else { return [] }
        var interfaces: [Int: String] = [:]
        var byName: [String: Int] = [:]
        for (column, preferred) in [(Self.ifDescrColumn, false), (Self.ifNameColumn, true)] {
            for (index, value) in try await self.column(column, target, &counter) where index.count == 1 {
                guard let name = Self.displayText(value), !name.isEmpty else { continue }
                let ifIndex = Int(index.arcs[0])
                if preferred || interfaces[ifIndex] == nil { interfaces[ifIndex] = name }
                byName[name.lowercased()] = byName[name.lowercased()] ?? ifIndex
            }
        }
        var readings: [NeighborReading] = []
        if !remote.rows.isEmpty {
            let localPorts = try await table(Self.lldpLocPortEntry, target, &counter)
            let addresses = try await table(Self.lldpRemManAddrEntry, target, &counter)
            readings += Self.lldpNeighbors(remote: remote, localPorts: localPorts, addresses: addresses,
                                           interfaces: interfaces, byName: byName)
        }
        readings += Self.cdpNeighbors(cdp, interfaces: interfaces)
        return readings
    }

    static func lldpNeighbors(remote: SNMPTable, localPorts: SNMPTable, addresses: SNMPTable, interfaces: [Int: String],
                              byName: [String: Int]) -> [NeighborReading] {
        // Management addresses by (timeMark.localPort.remIndex): the standard index carries the address
        // (subtype.length.octets); some agents (RouterOS) put subtype and text in columns 1 and 2 instead.
        var managementAddress: [OID: String] = [:]
        for row in addresses.rows {
            let arcs = row.index.arcs
            if arcs.count > 5 {
                let key = OID(Array(arcs.prefix(3)))
                let subtype = arcs[3], length = Int(arcs[4])
                let octets = arcs.dropFirst(5).prefix(length).compactMap { UInt8(exactly: $0) }
                if managementAddress[key] == nil, let text = inetText(family: subtype, octets: Array(octets)) {
                    managementAddress[key] = text
                }
            } else if case .octetString(let octets) = row.cells[2], let text = SNMPValue.printableText(octets) {
                managementAddress[row.index] = managementAddress[row.index] ?? text.trimmingCharacters(in: .whitespaces)
            }
        }
        return remote.rows.map { row in
            let arcs = row.index.arcs
            let localNumber = arcs.count >= 3 ? Int(arcs[1]) : nil
            var reading = NeighborReading(discovery: .lldp, index: row.index.description)
            if let localNumber {
                let portRow = OID([UInt32(localNumber)])
                let names = [localPorts[3, portRow], localPorts[4, portRow]].compactMap { $0.flatMap(displayText) }
                    .filter { !$0.isEmpty }
                if let ifIndex = names.lazy.compactMap({ byName[$0.lowercased()] }).first {
                    reading.localIfIndex = ifIndex
                } else if interfaces[localNumber] != nil {
                    reading.localIfIndex = localNumber
                }
                reading.localPort = reading.localIfIndex.flatMap { interfaces[$0] } ?? names.first
            }
            reading.remoteChassisId = identifier(row.cells[5], subtype: number(row.cells[4]).map(Int.init), macSubtype: 4)
            reading.remotePortId = identifier(row.cells[7], subtype: number(row.cells[6]).map(Int.init), macSubtype: 3)
            reading.remotePortDescr = nonEmpty(row.cells[8])
            reading.remoteSysName = nonEmpty(row.cells[9])
            reading.remoteSysDescr = nonEmpty(row.cells[10])
            reading.remoteAddress = managementAddress[row.index]
            return reading
        }
    }

    static func cdpNeighbors(_ cdp: SNMPTable, interfaces: [Int: String]) -> [NeighborReading] {
        cdp.rows.compactMap { row in
            guard row.index.count == 2 else { return nil }
            let ifIndex = Int(row.index.arcs[0])
            var reading = NeighborReading(discovery: .cdp, index: row.index.description, localIfIndex: ifIndex,
                                          localPort: interfaces[ifIndex])
            if case .octetString(let octets) = row.cells[4], number(row.cells[3]) == 1 {
                reading.remoteAddress = inetText(family: 1, octets: octets)
            }
            reading.remoteSysDescr = nonEmpty(row.cells[5])
            reading.remoteSysName = nonEmpty(row.cells[6])
            reading.remotePortId = nonEmpty(row.cells[7])
            reading.remotePlatform = nonEmpty(row.cells[8])
            return reading
        }
    }

    /// An LLDP chassis or port id: six octets of the MAC subtype (or a MAC written as text) as
    /// `aa:bb:cc:dd:ee:ff`, else the text.
    static func identifier(_ value: SNMPValue?, subtype: Int?, macSubtype: Int) -> String? {
        guard case .octetString(let octets) = value, !octets.isEmpty else { return nonEmpty(value) }
        if subtype == macSubtype, octets.count == 6 {
            return SNMPValue.hexString(octets, separator: ":").lowercased()
        }
        guard let text = nonEmpty(value) else { return nil }
        if text.range(of: #"^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$"#, options: .regularExpression) != nil {
            return text.replacingOccurrences(of: "-", with: ":").lowercased()
        }
        return text
    }

    static func nonEmpty(_ value: SNMPValue?) -> String? {
        guard let value, let text = displayText(value), !text.isEmpty else { return nil }
        return text
    }

    /// IPv4 (family 1, four octets) or IPv6 (family 2, sixteen octets) as text.
    static func inetText(family: UInt32, octets: [UInt8]) -> String? {
        switch (family, octets.count) {
        case (1, 4): return octets.map(String.init).joined(separator: ".")
        case (2, 16):
            var groups: [String] = []
            for start in stride(from: 0, to: 16, by: 2) {
                groups.append(String(UInt16(octets[start]) << 8 | UInt16(octets[start + 1]), radix: 16))
            }
            return compressIPv6(groups)
        default: return nil
        }
    }

    /// RFC 5952: the longest run (≥ 2) of zero groups becomes `::`.
    static func compressIPv6(_ groups: [String]) -> String {
        var best = (start: -1, length: 0)
        var index = 0
        while index < groups.count {
            guard groups[index] == "0" else { index += 1; continue }
            var end = index
            while end < groups.count && groups[end] == "0" { end += 1 }
            if end - index > best.length { best = (index, end - index) }
            index = end
        }
        guard best.length >= 2 else { return groups.joined(separator: ":") }
        let head = groups[..<best.start].joined(separator: ":")
        let tail = groups[(best.start + best.length)...].joined(separator: ":")
        return head + "::" + tail
    }
}
