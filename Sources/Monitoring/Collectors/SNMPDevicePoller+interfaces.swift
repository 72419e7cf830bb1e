import Foundation
import SNMP

extension SNMPDevicePoller {
    static let ifEntry: OID = [1, 3, 6, 1, 2, 1, 2, 2, 1]
    static let ifXEntry: OID = [1, 3, 6, 1, 2, 1, 31, 1, 1, 1]

    /// IF-MIB ifTable and ifXTable merged by ifIndex: 64-bit (HC) counters and ifHighSpeed preferred,
    /// ifName preferred to ifDescr for the name.
    func collectInterfaces(_ target: SNMPTarget, _ counter: inout VarbindCounter) async throws -> [InterfaceReading] {
        let ifTable = try await table(Self.ifEntry, target, &counter)
        let ifXTable = try await table(Self.ifXEntry, target, &counter)
        var indexes = Set(ifTable.rows.map(\.index))
        if indexes.isEmpty { indexes = Set(ifXTable.rows.map(\.index)) }
        return indexes.sorted().compactMap { index -> InterfaceReading? in
            guard index.count == 1 else { return nil }
            return Self.interface(index: Int(index.arcs[0]), ifTable: ifTable, ifXTable: ifXTable, row: index)
        }
    }

    static func interface(index ifIndex: Int, ifTable: SNMPTable, ifXTable: SNMPTable, row: OID) -> InterfaceReading {
        func base(_ column: UInt32) -> SNMPValue? { ifTable[column, row] }
        func extended(_ column: UInt32) -> SNMPValue? { ifXTable[column, row] }
        func string(_ value: SNMPValue?) -> String? {
            guard case .octetString(let octets) = value else { return nil }
            let text = Self.text(octets).trimmingCharacters(in: .whitespaces)
            return text.isEmpty ? nil : text
        }
        let descr = string(base(2))
        var reading = InterfaceReading(ifIndex: ifIndex, name: string(extended(1)) ?? descr ?? "if\(ifIndex)")
        reading.descr = descr
        reading.alias = string(extended(18))
        reading.type = number(base(3)).map { Int($0) }
        reading.mtu = number(base(4)).map { Int($0) }
        if case .octetString(let octets) = base(6), octets.count == 6 {
            reading.mac = SNMPValue.hexString(octets, separator: ":").lowercased()
        }
        if let high = unsigned(extended(15)), high > 0 {
            reading.speedBitsPerSecond = high * 1_000_000
        } else {
            reading.speedBitsPerSecond = unsigned(base(5))
        }
        reading.adminUp = number(base(7)).map { $0 == 1 }
        reading.operStatus = number(base(8)).map { Int($0) }
        if case .counter64(let inOctets) = extended(6), case .counter64(let outOctets) = extended(10) {
            reading.inOctets = inOctets
            reading.outOctets = outOctets
            reading.octetCounterBits = 64
        } else {
            reading.inOctets = unsigned(base(10))
            reading.outOctets = unsigned(base(16))
            reading.octetCounterBits = 32
        }
        reading.inUnicastPackets = unsigned(extended(7)) ?? unsigned(base(11))
        reading.outUnicastPackets = unsigned(extended(11)) ?? unsigned(base(17))
        reading.inDiscards = unsigned(base(13))
        reading.inErrors = unsigned(base(14))
        reading.outDiscards = unsigned(base(19))
        reading.outErrors = unsigned(base(20))
        return reading
    }
}
