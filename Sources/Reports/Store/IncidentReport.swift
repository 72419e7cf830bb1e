import Foundation
import OctoCore
import OctoStore
import PostgresNIO

/// The incidents report: every incident open at some point of the period that touches the scope
/// (by device, or by POP when it has no device), with affected devices and customers, time to
/// acknowledge and to resolve, the rules whose alerts joined it, a timeline, and summaries by POP
/// and by rule.
enum IncidentReport {
    struct Row {
        var id: UUID
        var title: String
        var severity: String
        var status: String
        var device: String?
        var pop: String?
        var customer: String?
        var affected: Int
        var openedAt: Date
        var acknowledgedAt: Date?
        var resolvedAt: Date?
        var rules: [String]
        var tta: Double? { acknowledgedAt.map { $0.timeIntervalSince(openedAt) } }
        var ttr: Double? { resolvedAt.map { $0.timeIntervalSince(openedAt) } }
    }

    struct Summary {
        var count = 0, critical = 0
        var ackSum = 0.0, acks = 0, resolveSum = 0.0, resolves = 0
        mutating func add(_ row: Row) {
            count += 1
            if row.severity == "critical" { critical += 1 }
            if let tta = row.tta { ackSum += tta; acks += 1 }
            if let ttr = row.ttr { resolveSum += ttr; resolves += 1 }
        }
        var mtta: Double? { acks > 0 ? ackSum / Double(acks) : nil }
        var mttr: Double? { resolves > 0 ? resolveSum / Double(resolves) : nil }
    }

    static func run(_ context: ReportContext, now: Date) async throws {
        let tx = context.tx, from = context.period.from, to = context.period.to
        try context.begin(titlePT: "Relatório de incidentes", titleEN: "Incident report", now: now)
        let providerWide = context.request.effectiveScope == .provider
        let rows = try await tx.query("""
            SELECT i.id, i.title, i.title_pt, i.severity, i.status, d.name AS device, p.name AS pop, c.name AS customer, i.affected,
                   i.opened_at, i.acknowledged_at, i.resolved_at,
                   coalesce((SELECT array_agg(DISTINCT r.name ORDER BY r.name) FROM alerts a JOIN alert_rules r ON r.id = a.rule_id
                             WHERE a.incident_id = i.id), '{}') AS rules
            FROM incidents i LEFT JOIN devices d ON d.id = i.device_id LEFT JOIN pops p ON p.id = coalesce(i.pop_id, d.pop_id)
            LEFT JOIN customers c ON c.id = d.customer_id
            WHERE i.opened_at < \(to) AND coalesce(i.resolved_at, 'infinity') >= \(from)
              AND (\(providerWide) OR i.device_id = ANY(\(context.deviceIds)))
            ORDER BY i.opened_at, i.id
            """).reportRows { row in
                // The incident's title in the report's language (English for incidents opened before it was written in both).
                Row(id: try row.value("id"), title: context.l(try row.value("title_pt", as: String?.self) ?? row.value("title"), try row.value("title")), severity: try row.value("severity"), status: try row.value("status"),
                    device: try row.value("device"), pop: try row.value("pop"), customer: try row.value("customer"),
                    affected: Int(try row.value("affected", as: Int32.self)), openedAt: try row.value("opened_at"),
                    acknowledgedAt: try row.value("acknowledged_at"), resolvedAt: try row.value("resolved_at"), rules: try row.value("rules"))
            }
        try await context.progress(40)
        var total = Summary()
        var byPop: [String: Summary] = [:], byRule: [String: Summary] = [:]
        for row in rows {
            total.add(row)
            byPop[row.pop ?? context.l("(sem POP)", "(no POP)"), default: Summary()].add(row)
            for rule in row.rules.isEmpty ? [context.l("(manual)", "(manual)")] : row.rules { byRule[rule, default: Summary()].add(row) }
        }
        let f = context.formatter
        let sev: [String: String] = context.language == .ptBR ? ["critical": "crítico", "warning": "alerta", "info": "info"] : [:]
        let status: [String: String] = context.language == .ptBR ? ["open": "aberto", "acknowledged": "reconhecido", "resolved": "resolvido"] : [:]
        func summaryTable(_ writer: any ReportWriter, _ title: String, _ first: (String, String), _ entries: [String: Summary]) throws {
            try writer.beginTable(ReportTable(title: title, columns: [
                ReportColumn("name", first.0, first.1, width: 2), ReportColumn("incidents", "Incidentes", "Incidents", .integer),
                ReportColumn("critical", "Críticos", "Critical", .integer), ReportColumn("mtta_seconds", "MTTA", "MTTA", .duration),
                ReportColumn("mttr_seconds", "MTTR", "MTTR", .duration),
            ]))
            for (name, summary) in entries.sorted(by: { ($0.value.count, $1.key) > ($1.value.count, $0.key) }) {
                try writer.row([.text(name), .number(Double(summary.count)), .number(Double(summary.critical)),
                                summary.mtta.map(ReportCell.number) ?? .empty, summary.mttr.map(ReportCell.number) ?? .empty], highlight: false)
            }
            try writer.endTable()
        }
        try context.each { writer in
            try writer.section(context.l("Resumo", "Summary"))
            try writer.figures([
                (context.l("Incidentes", "Incidents"), f.number(Double(total.count))),
                (context.l("Críticos", "Critical"), f.number(Double(total.critical))),
                (context.l("Em aberto no fim", "Open at the end"), f.number(Double(rows.filter { ($0.resolvedAt ?? .distantFuture) >= to }.count))),
                ("MTTA", total.mtta.map(f.duration) ?? "—"),
                ("MTTR", total.mttr.map(f.duration) ?? "—"),
                (context.l("Dispositivos afetados", "Devices affected"), f.number(Double(rows.reduce(0) { $0 + $1.affected }))),
            ])
            try summaryTable(writer, context.l("Por POP", "Per POP"), ("POP", "POP"), byPop)
            try summaryTable(writer, context.l("Por regra", "Per rule"), ("Regra", "Rule"), byRule)
            try writer.section(context.l("Incidentes", "Incidents"))
            try writer.beginTable(ReportTable(title: context.l("Lista de incidentes", "Incident list"), columns: [
                ReportColumn("id", "ID", "ID", inPDF: false), ReportColumn("title", "Título", "Title", width: 2.2),
                ReportColumn("severity", "Severidade", "Severity", width: 0.8), ReportColumn("status", "Estado", "Status", width: 0.9),
                ReportColumn("pop", "POP", "POP"), ReportColumn("device", "Dispositivo", "Device", width: 1.2),
                ReportColumn("customer", "Cliente", "Customer", inPDF: false), ReportColumn("affected", "Afetados", "Affected", .integer, width: 0.7),
                ReportColumn("opened_at", "Aberto", "Opened", .dateTime, width: 1.2),
                ReportColumn("acknowledged_at", "Reconhecido", "Acknowledged", .dateTime, inPDF: false),
                ReportColumn("resolved_at", "Resolvido", "Resolved", .dateTime, inPDF: false),
                ReportColumn("tta_seconds", "Tempo p/ reconhecer", "Time to ack", .duration, width: 0.9),
                ReportColumn("ttr_seconds", "Tempo p/ resolver", "Time to resolve", .duration, width: 0.9),
                ReportColumn("rules", "Regras", "Rules", inPDF: false),
            ], primary: true))
            for row in rows {
                try writer.row([.text(row.id.lowercased), .text(row.title), .text(sev[row.severity] ?? row.severity),
                                .text(status[row.status] ?? row.status), row.pop.map(ReportCell.text) ?? .empty,
                                row.device.map(ReportCell.text) ?? .empty, row.customer.map(ReportCell.text) ?? .empty,
                                .number(Double(row.affected)), .date(row.openedAt), row.acknowledgedAt.map(ReportCell.date) ?? .empty,
                                row.resolvedAt.map(ReportCell.date) ?? .empty, row.tta.map(ReportCell.number) ?? .empty,
                                row.ttr.map(ReportCell.number) ?? .empty, .text(row.rules.joined(separator: ", "))],
                               highlight: row.severity == "critical" && row.resolvedAt == nil)
            }
            try writer.endTable()
        }
        // Timelines of the first incidents (the PDF's appendix).
        let shown = Array(rows.prefix(50))
        if !shown.isEmpty {
            let events = try await tx.query("""
                SELECT incident_id, at, kind, actor, text FROM incident_events WHERE incident_id = ANY(\(shown.map(\.id))) ORDER BY incident_id, id
                """).reportRows { row in
                    (try row.value("incident_id", as: UUID.self), try row.value("at", as: Date.self), try row.value("kind", as: String.self),
                     try row.value("actor", as: String.self), try row.value("text", as: String?.self))
                }
            let byIncident = Dictionary(grouping: events, by: \.0)
            try context.each { writer in
                try writer.section(context.l("Linha do tempo", "Timeline"))
                try writer.beginTable(ReportTable(title: context.l("Eventos dos incidentes", "Incident events"), columns: [
                    ReportColumn("incident", "Incidente", "Incident", width: 2), ReportColumn("at", "Quando", "When", .dateTime, width: 1.1),
                    ReportColumn("kind", "Evento", "Event", width: 0.9), ReportColumn("actor", "Por", "By"), ReportColumn("text", "Nota", "Note", width: 1.8),
                ]))
                for incident in shown {
                    for event in byIncident[incident.id] ?? [] {
                        try writer.row([.text(incident.title), .date(event.1), .text(event.2), .text(event.3), event.4.map(ReportCell.text) ?? .empty],
                                       highlight: false)
                    }
                }
                try writer.endTable()
            }
        }
        try await context.progress(95)
    }
}
