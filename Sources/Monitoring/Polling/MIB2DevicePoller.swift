import Foundation
import SNMP

/// A ``DevicePolling`` that reads only what every agent has: the MIB-II system group and IF-MIB
/// ifTable/ifXTable. The vendor profiles' poller replaces it where it is available; this one keeps
/// polling, discovery and their tests on real agents independent of the profiles.
public struct MIB2DevicePoller: DevicePolling {
    let client: SNMPClient
    let maxRepetitions: Int

    /// Creates a poller on a started SNMP client.
    public init(client: SNMPClient, maxRepetitions: Int = 25) {
        self.client = client
        self.maxRepetitions = maxRepetitions
    }

    static let ifEntry: OID = [1, 3, 6, 1, 2, 1, 2, 2, 1]
    static let ifXEntry: OID = [1, 3, 6, 1, 2, 1, 31, 1, 1, 1]
    /// Enterprise numbers (the arc after 1.3.6.1.4.1) of vendors a NOC meets most.
    static let vendors: [UInt32: (vendor: String, kind: String)] = [
        9: ("Cisco", "router"), 2011: ("Huawei", "router"), 3902: ("ZTE", "olt"), 14988: ("MikroTik", "router"),
        41112: ("Ubiquiti", "access_point"), 8072: ("Net-SNMP", "server"), 2636: ("Juniper", "router"),
        25506: ("H3C", "switch"), 4881: ("Ruijie", "switch"), 5651: ("Maipu", "router"), 17409: ("FiberHome", "olt"),
    ]

    /// Reads sysObjectID.0 and sysDescr.0 and names the vendor from the enterprise number.
    public func identify(_ target: SNMPTarget) async throws -> DeviceIdentity {
        let values = try await client.get([.sysObjectID, .sysDescr], from: target)
        var objectID = ""
        var descr = ""
        for varBind in values {
            switch (varBind.oid, varBind.value) {
            case (.sysObjectID, .oid(let oid)): objectID = Self.dotted(oid)
            case (.sysDescr, .octetString(let bytes)): descr = String(decoding: bytes, as: UTF8.self)
            default: break
            }
        }
        guard !objectID.isEmpty || !descr.isEmpty else { throw SNMPError(.agentError, "no sysObjectID.0 or sysDescr.0") }
        let arcs = OID(objectID)?.arcs ?? []
        let enterprise = arcs.count > 6 && Array(arcs.prefix(6)) == [1, 3, 6, 1, 4, 1] ? arcs[6] : nil
        let known = enterprise.flatMap { Self.vendors[$0] }
        let os = descr.split(separator: " ").first.map(String.init) ?? ""
        return DeviceIdentity(profile: "generic", vendor: known?.vendor ?? "Unknown", os: os, kind: known?.kind ?? "other",
                              sysObjectID: objectID, sysDescr: descr)
    }

    /// Runs the system and interfaces collectors; health and optics need vendor profiles and stay empty.
    public func poll(_ target: SNMPTarget, identity: DeviceIdentity, collectors: Set<CollectorKind>) async throws -> PollResult {
        var result = PollResult()
        if collectors.contains(.system) {
            let values = try await client.get([.sysUpTime, .sysName, .sysLocation, .sysContact], from: target)
            result.varbinds += values.count
            var system = SystemInfo()
            for varBind in values {
                switch (varBind.oid, varBind.value) {
                case (.sysUpTime, .timeTicks(let ticks)): system.uptimeTicks = ticks
                case (.sysName, .octetString(let bytes)): system.name = String(decoding: bytes, as: UTF8.self)
                case (.sysLocation, .octetString(let bytes)): system.location = String(decoding: bytes, as: UTF8.self)
                case (.sysContact, .octetString(let bytes)): system.contact = String(decoding: bytes, as: UTF8.self)
                default: break
                }
            }
            result.system = system
        }
        if collectors.contains(.interfaces) {
            do {
                let method = SNMPClient.WalkMethod.getBulk(maxRepetitions: maxRepetitions)
                let table = try await client.table(Self.ifEntry, on: target, method: method)
                let extended = try await client.table(Self.ifXEntry, on: target, method: method)
                result.varbinds += table.rows.reduce(0) { $0 + $1.cells.count } + extended.rows.reduce(0) { $0 + $1.cells.count }
                result.interfaces = Self.interfaces(table, extended)
            } catch {
                result.errors[.interfaces] = "\(error)"
            }
        }
        return result
    }

    /// Joins ifTable and ifXTable rows by ifIndex.
    static func interfaces(_ table: SNMPTable, _ extended: SNMPTable) -> [InterfaceReading] {
        var extendedRows: [OID: [UInt32: SNMPValue]] = [:]
        for row in extended.rows { extendedRows[row.index] = row.cells }
        return table.rows.compactMap { row -> InterfaceReading? in
            guard row.index.count == 1 else { return nil }
            let x = extendedRows[row.index] ?? [:]
            let descr = text(row.cells[2])
            var reading = InterfaceReading(ifIndex: Int(row.index.arcs[0]), name: text(x[1]) ?? descr ?? "if\(row.index.arcs[0])")
            reading.descr = descr
            reading.alias = text(x[18])
            reading.type = number(row.cells[3]).map(Int.init)
            reading.mtu = number(row.cells[4]).map(Int.init)
            if let high = number(x[15]), high > 0 { reading.speedBitsPerSecond = high * 1_000_000 } else { reading.speedBitsPerSecond = number(row.cells[5]) }
            if case .octetString(let mac)? = row.cells[6], mac.count == 6 {
                reading.mac = mac.map { String($0, radix: 16).leftPadded(2) }.joined(separator: ":")
            }
            reading.adminUp = number(row.cells[7]).map { $0 == 1 }
            reading.operStatus = number(row.cells[8]).map(Int.init)
            if let hcIn = number(x[6]), let hcOut = number(x[10]) {
                reading.inOctets = hcIn
                reading.outOctets = hcOut
                reading.octetCounterBits = 64
            } else {
                reading.inOctets = number(row.cells[10])
                reading.outOctets = number(row.cells[16])
                reading.octetCounterBits = 32
            }
            reading.inUnicastPackets = number(x[7]) ?? number(row.cells[11])
            reading.outUnicastPackets = number(x[11]) ?? number(row.cells[17])
            reading.inDiscards = number(row.cells[13])
            reading.inErrors = number(row.cells[14])
            reading.outDiscards = number(row.cells[19])
            reading.outErrors = number(row.cells[20])
            return reading
        }.sorted { $0.ifIndex < $1.ifIndex }
    }

    static func text(_ value: SNMPValue?) -> String? {
        guard case .octetString(let bytes)? = value else { return nil }
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .controlCharacters)
        return text.isEmpty ? nil : text
    }

    static func number(_ value: SNMPValue?) -> UInt64? {
        switch value {
        case .integer(let v)?: v >= 0 ? UInt64(v) : nil
        case .counter32(let v)?, .gauge32(let v)?, .timeTicks(let v)?: UInt64(v)
        case .counter64(let v)?: v
        default: nil
        }
    }

    static func dotted(_ oid: OID) -> String {
        oid.arcs.map(String.init).joined(separator: ".")
    }
}

extension String {
    /// Left-padded with zeros to `width`.
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
