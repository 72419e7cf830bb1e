import Foundation
import SNMP

extension SNMPDevicePoller {
    /// GPON optical power from the profile's tables: one reading per row of the rx/tx columns.
    func collectOptics(_ target: SNMPTarget, profile: VendorProfile, _ counter: inout VarbindCounter) async throws -> [OpticalReading] {
        var readings: [OpticalReading] = []
        for source in profile.optics ?? [] {
            let rx = try await column(source.rx, target, &counter)
            let tx = try await column(source.tx, target, &counter)
            let labels = try await column(source.label, target, &counter)
            let pattern = source.pattern.flatMap { try? NSRegularExpression(pattern: $0) }  // checked at load
            for index in Set(rx.keys).union(tx.keys).sorted() {
                var reading = OpticalReading(scope: source.scope, index: index.description)
                reading.rxDbm = Self.dBm(rx[index], source, pattern)
                reading.txDbm = Self.dBm(tx[index], source, pattern)
                reading.label = Self.label(index: index, labels: labels, arcs: source.labelIndexArcs)
                readings.append(reading)
            }
        }
        return readings
    }

    static func dBm(_ value: SNMPValue?, _ source: VendorProfile.OpticsSource, _ pattern: NSRegularExpression?) -> Double? {
        var raw = number(value)
        if let pattern, case .octetString(let octets) = value {
            raw = Fingerprinter.firstCapture(pattern, in: text(octets)).flatMap(Double.init)
        }
        guard let raw else { return nil }
        if let invalid = source.invalid, invalid.contains(where: { Double($0) == raw }) { return nil }
        let scaled = raw * source.scale + (source.offset ?? 0)
        return (scaled * 1000).rounded() / 1000
    }

    static func label(index: OID, labels: [OID: SNMPValue], arcs: Int?) -> String? {
        let count = min(arcs ?? index.count, index.count)
        let key = OID(Array(index.arcs.prefix(count)))
        guard let value = labels[key], let text = displayText(value), !text.isEmpty else { return nil }
        let rest = index.arcs.dropFirst(count).map(String.init).joined(separator: ".")
        return rest.isEmpty ? text : "\(text):\(rest)"
    }
}
