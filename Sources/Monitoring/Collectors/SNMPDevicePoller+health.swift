import Foundation
import SNMP

extension SNMPDevicePoller {
    static let hrProcessorLoad: OID = [1, 3, 6, 1, 2, 1, 25, 3, 3, 1, 2]
    static let hrStorageEntry: OID = [1, 3, 6, 1, 2, 1, 25, 2, 3, 1]
    static let hrStorageRam: OID = [1, 3, 6, 1, 2, 1, 25, 2, 1, 2]
    static let ssCpuIdle: OID = [1, 3, 6, 1, 4, 1, 2021, 11, 11, 0]
    static let memTotalReal: OID = [1, 3, 6, 1, 4, 1, 2021, 4, 5, 0]
    static let memAvailReal: OID = [1, 3, 6, 1, 4, 1, 2021, 4, 6, 0]
    static let memBuffer: OID = [1, 3, 6, 1, 4, 1, 2021, 4, 14, 0]
    static let memCached: OID = [1, 3, 6, 1, 4, 1, 2021, 4, 15, 0]
    static let entPhySensorEntry: OID = [1, 3, 6, 1, 2, 1, 99, 1, 1, 1]
    static let entPhysicalName: OID = [1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1, 7]

    /// CPU, memory and temperature: HOST-RESOURCES (hrProcessorLoad, hrStorageRam), UCD-SNMP (ssCpuIdle and
    /// real memory, where HOST-RESOURCES has none), ENTITY-SENSOR celsius sensors, then the profile's
    /// vendor sources.
    func collectHealth(_ target: SNMPTarget, profile: VendorProfile, _ counter: inout VarbindCounter) async throws -> [HealthReading] {
        var readings: [HealthReading] = []

        for (index, value) in try await column(Self.hrProcessorLoad, target, &counter).sorted(by: { $0.key < $1.key }) {
            if let load = Self.number(value) { readings.append(HealthReading(kind: .cpu, label: index.description, value: load)) }
        }
        let storage = try await table(Self.hrStorageEntry, target, &counter)
        for row in storage.rows where row.cells[2] == .oid(Self.hrStorageRam) {
            guard let size = Self.number(row.cells[5]), size > 0, let used = Self.number(row.cells[6]) else { continue }
            let label = Self.displayText(row.cells[3] ?? .null) ?? row.index.description
            readings.append(HealthReading(kind: .memory, label: label, value: Self.percent(used, of: size)))
        }

        let ucd = try await lenient([Self.ssCpuIdle, Self.memTotalReal, Self.memAvailReal, Self.memBuffer, Self.memCached],
                                target, &counter)
        var values: [OID: Double] = [:]
        for varBind in ucd { if let number = Self.number(varBind.value) { values[varBind.oid] = number } }
        if !readings.contains(where: { $0.kind == .cpu }), let idle = values[Self.ssCpuIdle] {
            readings.append(HealthReading(kind: .cpu, label: "", value: max(0, 100 - idle)))
        }
        if !readings.contains(where: { $0.kind == .memory }), let total = values[Self.memTotalReal], total > 0,
           let available = values[Self.memAvailReal] {
            let used = total - available - (values[Self.memBuffer] ?? 0) - (values[Self.memCached] ?? 0)
            readings.append(HealthReading(kind: .memory, label: "real", value: Self.percent(max(0, used), of: total)))
        }

        readings += try await entitySensors(target, &counter)

        for source in profile.health ?? [] {
            readings += try await vendorHealth(source, target, &counter)
        }
        return readings
    }

    /// ENTITY-SENSOR-MIB sensors of type celsius(8): value × 10^(3 × (scale − 9)) ÷ 10^precision.
    func entitySensors(_ target: SNMPTarget, _ counter: inout VarbindCounter) async throws -> [HealthReading] {
        let sensors = try await table(Self.entPhySensorEntry, target, &counter)
        var celsius: [(OID, Double)] = []
        for row in sensors.rows where row.cells[1] == .integer(8) {
            guard let raw = Self.number(row.cells[4]) else { continue }
            if let status = Self.number(row.cells[5]), status != 1 { continue }  // ok(1) only
            let scale = Self.number(row.cells[2]) ?? 9
            let precision = Self.number(row.cells[3]) ?? 0
            let value = raw * pow10(3 * (scale - 9)) / pow10(precision)
            celsius.append((row.index, value))
        }
        guard !celsius.isEmpty else { return [] }
        var names: [OID: String] = [:]
        for start in stride(from: 0, to: celsius.count, by: 20) {
            let batch = celsius[start..<min(start + 20, celsius.count)].map { Self.entPhysicalName.appending($0.0) }
            for varBind in try await lenient(batch, target, &counter) {
                if let index = varBind.oid.suffix(after: Self.entPhysicalName), let text = Self.displayText(varBind.value),
                   !text.isEmpty {
                    names[index] = text
                }
            }
        }
        return celsius.map { HealthReading(kind: .temperature, label: names[$0.0] ?? $0.0.description, value: $0.1) }
    }

    /// One vendor source of the profile.
    func vendorHealth(_ source: VendorProfile.HealthSource, _ target: SNMPTarget, _ counter: inout VarbindCounter)
        async throws -> [HealthReading] {
        var scaled: [OID: Double] = [:]
        if source.value != nil {
            for (index, value) in try await column(source.value, target, &counter) {
                if let raw = Self.number(value) { scaled[index] = raw * (source.scale ?? 1) }
            }
        } else {
            let used = try await column(source.used, target, &counter)
            let free = try await column(source.free, target, &counter)
            let total = try await column(source.total, target, &counter)
            for (index, value) in used {
                guard let usedValue = Self.number(value) else { continue }
                if let freeValue = Self.number(free[index]), usedValue + freeValue > 0 {
                    scaled[index] = Self.percent(usedValue, of: usedValue + freeValue)
                } else if let totalValue = Self.number(total[index]), totalValue > 0 {
                    scaled[index] = Self.percent(usedValue, of: totalValue)
                }
            }
        }
        let labels = try await column(source.label, target, &counter)
        return scaled.sorted(by: { $0.key < $1.key }).compactMap { index, value in
            if let min = source.min, value < min { return nil }
            if let max = source.max, value > max { return nil }
            let label = labels[index].flatMap(Self.displayText).flatMap { $0.isEmpty ? nil : $0 }
                ?? source.name ?? (index == [0] ? "" : index.description)
            return HealthReading(kind: source.kind, label: label, value: value)
        }
    }

    static func percent(_ part: Double, of whole: Double) -> Double {
        ((part / whole) * 10_000).rounded() / 100
    }
}

private func pow10(_ exponent: Double) -> Double {
    var result = 1.0
    let steps = Int(exponent.magnitude)
    for _ in 0..<steps { result *= 10 }
    return exponent < 0 ? 1 / result : result
}
