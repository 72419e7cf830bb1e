import Foundation
import OctoCore
import OctoMetrics
import OctoStore
import PostgresNIO

/// The optical health report (GPON): ONUs whose received power (as their OLT reports it) ended the
/// period out of range or fell by 2 dB or more between the first and the last day, from the hourly
/// rollups; a summary per OLT port.
enum OpticsReport {
    struct Row {
        var olt: String
        var pop: String?
        var port: String
        var onu: String
        var health: OpticsHealth
        var status: OpticsHealth.Status
    }

    static func run(_ context: ReportContext, now: Date) async throws {
        let tx = context.tx, from = context.period.from, to = context.period.to
        try context.begin(titlePT: "Relatório de saúde óptica (GPON)", titleEN: "Optical health report (GPON)", now: now)
        let dayAfterStart = from.addingTimeInterval(86_400), dayBeforeEnd = to.addingTimeInterval(-86_400)
        let onus = try await tx.query("""
            SELECT d.name AS olt, p.name AS pop, o.item, o.label, o.rx_series_id
            FROM snmp_optics o JOIN devices d ON d.id = o.device_id LEFT JOIN pops p ON p.id = d.pop_id
            WHERE o.scope = 'onu' AND o.device_id = ANY(\(context.deviceIds))
            ORDER BY d.name, o.device_id, o.item
            """).reportRows { row -> (olt: String, pop: String?, item: String, label: String?, series: Int64?) in
                (try row.value("olt"), try row.value("pop"), try row.value("item"), try row.value("label"), try row.value("rx_series_id"))
            }
        let hours = try await MetricRollupPeriods.read(tx, series: onus.compactMap(\.series), resolution: .hour, from: from, to: to)
        let rows = onus.map { onu -> Row in
            let buckets = onu.series.flatMap { hours[$0] } ?? []
            func mean(_ part: some Collection<MetricRollup>) -> Double? {
                let count = part.reduce(0) { $0 + $1.count }
                return count > 0 ? part.reduce(0.0) { $0 + $1.sum } / Double(count) : nil
            }
            let health = OpticsHealth(firstDayMean: mean(buckets.lazy.filter { $0.at < dayAfterStart }),
                                      lastDayMean: mean(buckets.lazy.filter { $0.at >= dayBeforeEnd }),
                                      lowest: buckets.map(\.min).min(), last: buckets.last?.last)
            return Row(olt: onu.olt, pop: onu.pop, port: OpticsHealth.port(label: onu.label, index: onu.item), onu: onu.label ?? onu.item,
                       health: health, status: health.status(.onu))
        }
        try await context.progress(60)
        struct Port { var olt: String; var port: String; var onus = 0, outOfRange = 0, degrading = 0; var worst: Double? }
        var ports: [String: Port] = [:]
        for row in rows {
            let key = "\(row.olt)\u{1}\(row.port)"
            var port = ports[key] ?? Port(olt: row.olt, port: row.port)
            port.onus += 1
            if row.status == .outOfRange { port.outOfRange += 1 }
            if row.status == .degrading { port.degrading += 1 }
            if let lowest = row.health.lowest { port.worst = min(port.worst ?? lowest, lowest) }
            ports[key] = port
        }
        let f = context.formatter
        let names: [OpticsHealth.Status: String] = context.language == .ptBR
            ? [.ok: "ok", .degrading: "degradando", .outOfRange: "fora da faixa", .noData: "sem dados"]
            : [.ok: "ok", .degrading: "degrading", .outOfRange: "out of range", .noData: "no data"]
        try context.each { writer in
            try writer.section(context.l("Resumo", "Summary"))
            try writer.figures([
                ("ONUs", f.number(Double(rows.count))),
                (context.l("Fora da faixa", "Out of range"), f.number(Double(rows.filter { $0.status == .outOfRange }.count))),
                (context.l("Degradando", "Degrading"), f.number(Double(rows.filter { $0.status == .degrading }.count))),
            ])
            try writer.paragraph(context.l(
                "Faixa aceitável de potência recebida: \(f.number(OpticalThresholds.onu.rxMin)) a \(f.number(OpticalThresholds.onu.rxMax)) dBm (GPON classe B+). Degradando: a média do último dia caiu 2 dB ou mais em relação à do primeiro.",
                "Acceptable received power: \(f.number(OpticalThresholds.onu.rxMin)) to \(f.number(OpticalThresholds.onu.rxMax)) dBm (GPON class B+). Degrading: the last day's mean fell by 2 dB or more against the first day's."))
            try writer.beginTable(ReportTable(title: context.l("Por porta PON", "Per PON port"), columns: [
                ReportColumn("olt", "OLT", "OLT", width: 1.6), ReportColumn("port", "Porta", "Port"), ReportColumn("onus", "ONUs", "ONUs", .integer),
                ReportColumn("out_of_range", "Fora da faixa", "Out of range", .integer), ReportColumn("degrading", "Degradando", "Degrading", .integer),
                ReportColumn("worst_dbm", "Pior Rx (dBm)", "Worst Rx (dBm)", .decimal(places: 2)),
            ]))
            for port in ports.values.sorted(by: { ($0.olt, $0.port) < ($1.olt, $1.port) }) {
                try writer.row([.text(port.olt), .text(port.port), .number(Double(port.onus)), .number(Double(port.outOfRange)),
                                .number(Double(port.degrading)), port.worst.map(ReportCell.number) ?? .empty],
                               highlight: port.outOfRange > 0)
            }
            try writer.endTable()
            try writer.beginTable(ReportTable(title: context.l("ONUs fora da faixa ou degradando", "ONUs out of range or degrading"), columns: [
                ReportColumn("olt", "OLT", "OLT", width: 1.4), ReportColumn("pop", "POP", "POP", inPDF: false), ReportColumn("port", "Porta", "Port", width: 0.8),
                ReportColumn("onu", "ONU", "ONU", width: 1.5), ReportColumn("status", "Situação", "Status"),
                ReportColumn("first_day_dbm", "1º dia (dBm)", "First day (dBm)", .decimal(places: 2)),
                ReportColumn("last_day_dbm", "Último dia (dBm)", "Last day (dBm)", .decimal(places: 2)),
                ReportColumn("lowest_dbm", "Mínimo (dBm)", "Lowest (dBm)", .decimal(places: 2)),
                ReportColumn("last_dbm", "Último (dBm)", "Last (dBm)", .decimal(places: 2)),
            ], primary: true))
            for row in rows where row.status == .outOfRange || row.status == .degrading {
                let cells: [ReportCell] = [.text(row.olt), row.pop.map(ReportCell.text) ?? .empty, .text(row.port), .text(row.onu),
                                           .text(names[row.status] ?? row.status.rawValue),
                                           row.health.firstDayMean.map(ReportCell.number) ?? .empty, row.health.lastDayMean.map(ReportCell.number) ?? .empty,
                                           row.health.lowest.map(ReportCell.number) ?? .empty, row.health.last.map(ReportCell.number) ?? .empty]
                try writer.row(cells, highlight: row.status == .outOfRange)
            }
            try writer.endTable()
        }
        try await context.progress(95)
    }
}
