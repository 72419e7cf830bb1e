import Alerts
import Foundation
import OctoCore
import OctoStore
import PostgresNIO

/// The SLA / availability report: uptime per device from its recorded reachability states
/// (`device_reachability_changes`), maintenance excluded; device-time weighted totals per POP, group
/// and provider; customers as one service over their devices (overlapping outages count once),
/// compared with their contracted target; outages with their incident; MTTA and MTTR.
enum SLAReport {
    struct DeviceInfo {
        var id: UUID
        var name: String
        var popId: UUID?
        var popName: String?
        var customerId: UUID?
        var customerName: String?
        var target: Double?
    }

    struct IncidentRef {
        var id: UUID
        var title: String
        var deviceId: UUID?
        var openedAt: Date
        var acknowledgedAt: Date?
        var resolvedAt: Date?
    }

    static func run(_ context: ReportContext, now: Date) async throws {
        let tx = context.tx, from = context.period.from, to = context.period.to
        try context.begin(titlePT: "Relatório de SLA e disponibilidade", titleEN: "SLA and availability report", now: now)
        let ids = context.deviceIds
        let timings = context.options.timings
        // Only devices with a reachability history (monitored by SNMP/ICMP) are measured.
        let devices = try await timings.measure("sla: devices") { try await tx.query("""
            SELECT d.id, d.name, d.pop_id, p.name AS pop_name, d.customer_id, c.name AS customer_name,
                   c.sla_target_percent::float8 AS target
            FROM devices d JOIN snmp_devices s ON s.device_id = d.id
            LEFT JOIN pops p ON p.id = d.pop_id LEFT JOIN customers c ON c.id = d.customer_id
            WHERE d.id = ANY(\(ids)) ORDER BY p.name NULLS LAST, d.name, d.id
            """).reportRows { row in
                DeviceInfo(id: try row.value("id"), name: try row.value("name"), popId: try row.value("pop_id"), popName: try row.value("pop_name"),
                           customerId: try row.value("customer_id"), customerName: try row.value("customer_name"), target: try row.value("target"))
            } }
        try await context.progress(10)
        let maintenance = try await timings.measure("sla: maintenance windows") { try await maintenanceByDevice(tx, devices: devices, from: from, to: to) }
        let incidents = try await timings.measure("sla: incidents") { try await tx.query("""
            SELECT id, title, device_id, opened_at, acknowledged_at, resolved_at FROM incidents
            WHERE device_id = ANY(\(devices.map(\.id))) AND opened_at < \(to) AND coalesce(resolved_at, 'infinity') >= \(from)
            ORDER BY opened_at
            """).reportRows { row in
                IncidentRef(id: try row.value("id"), title: try row.value("title"), deviceId: try row.value("device_id"),
                            openedAt: try row.value("opened_at"), acknowledgedAt: try row.value("acknowledged_at"), resolvedAt: try row.value("resolved_at"))
            } }
        var incidentsByDevice: [UUID: [IncidentRef]] = [:]
        for incident in incidents { if let device = incident.deviceId { incidentsByDevice[device, default: []].append(incident) } }

        var results: [(DeviceInfo, Availability)] = []
        var provider = AvailabilityTotal()
        var pops: [String: AvailabilityTotal] = [:]
        var customers: [UUID: (name: String, target: Double?, parts: [Availability])] = [:]
        // Reachability history 2,000 devices at a time; with overlapped reads the next batch is being
        // read while this one is computed.
        let batch = 2000
        let starts = Array(stride(from: 0, to: devices.count, by: batch))
        func batchIds(_ start: Int) -> [UUID] { devices[start..<min(start + batch, devices.count)].map(\.id) }
        func read(_ start: Int) -> Task<[UUID: (initial: String?, changes: [Availability.Change])], any Error> {
            let slice = batchIds(start)
            return Task { try await states(tx, devices: slice, from: from, to: to) }
        }
        var pending = context.options.overlapReads ? starts.first.map(read) : nil
        defer { pending?.cancel() }
        for (number, start) in starts.enumerated() {
            let slice = devices[start..<min(start + batch, devices.count)]
            let changes = try await timings.measure("sla: waiting for the reachability history") {
                if let current = pending {
                    let value = try await current.value
                    pending = number + 1 < starts.count ? read(starts[number + 1]) : nil
                    return value
                }
                return try await states(tx, devices: batchIds(start), from: from, to: to)
            }
            timings.time("sla: availability per device") {
                for device in slice {
                    let history = changes[device.id]
                    let availability = Availability.compute(from: from, to: to, initial: history?.initial, changes: history?.changes ?? [],
                                                            maintenance: maintenance[device.id] ?? IntervalSet())
                    results.append((device, availability))
                    provider.add(availability)
                    pops[device.popName ?? context.l("(sem POP)", "(no POP)"), default: AvailabilityTotal()].add(availability)
                    if let customer = device.customerId {
                        customers[customer, default: (device.customerName ?? "", device.target, [])].parts.append(availability)
                    }
                }
            }
            try await context.progress(10 + 60 * min(start + batch, devices.count) / max(devices.count, 1))
        }
        let customerRows = timings.time("sla: customers as one service") { customers.map { id, entry in
            (id: id, name: entry.name, target: entry.target, availability: Availability.union(entry.parts, from: from, to: to))
        }.sorted { ($0.name, $0.id.uuidString) < ($1.name, $1.id.uuidString) } }
        let acked = incidents.compactMap { incident in incident.acknowledgedAt.map { $0.timeIntervalSince(incident.openedAt) } }
        let mtta = acked.isEmpty ? nil : acked.reduce(0, +) / Double(acked.count)
        let breaches = customerRows.filter { row in row.target.map { target in (row.availability.uptimePercent ?? 100) < target } ?? false }

        // Past the PDF's detail limit, its tables list the longest outages and the lowest availabilities.
        let limit = max(1, context.options.pdfDetailRows)
        let outages = results.flatMap { device, availability in availability.outages.map { (device, $0) } }
        let listedOutages = outages.count > limit
            ? Array(outages.enumerated().sorted { $0.element.1.countedSeconds != $1.element.1.countedSeconds
                ? $0.element.1.countedSeconds > $1.element.1.countedSeconds : $0.offset < $1.offset }.prefix(limit).map(\.element))
            : outages
        let lowest = results.count > limit
            ? Array(results.indices.sorted { a, b in
                let left = results[a].1.uptimePercent ?? 100, right = results[b].1.uptimePercent ?? 100
                return left != right ? left < right : a < b
            }.prefix(limit))
            : []
        let f = context.formatter
        try timings.time("sla: tables to the writers") { try context.each { writer in
            try writer.section(context.l("Resumo", "Summary"))
            try writer.figures([
                (context.l("Disponibilidade", "Availability"), provider.uptimePercent.map(f.percent) ?? "—"),
                (context.l("Dispositivos medidos", "Devices measured"), f.number(Double(provider.devices))),
                (context.l("Quedas", "Outages"), f.number(Double(provider.outages))),
                (context.l("Tempo fora (dispositivo × tempo)", "Downtime (device × time)"), f.duration(provider.downSeconds)),
                ("MTTR", provider.mttrSeconds.map(f.duration) ?? "—"),
                ("MTTA", mtta.map(f.duration) ?? "—"),
                (context.l("Clientes com meta", "Customers with a target"), f.number(Double(customerRows.filter { $0.target != nil }.count))),
                (context.l("Metas violadas", "Targets breached"), f.number(Double(breaches.count))),
                (context.l("Incidentes", "Incidents"), f.number(Double(incidents.count))),
            ])
            try writer.paragraph(context.l(
                "Disponibilidade = (tempo medido − tempo fora) ÷ tempo medido. Janelas de manutenção e períodos sem estado conhecido não entram no tempo medido. POPs e o provedor somam dispositivo × tempo; um cliente está fora quando qualquer um dos seus dispositivos está fora (quedas sobrepostas contam uma vez).",
                "Availability = (measured time − downtime) ÷ measured time. Maintenance windows and time without a known state are not measured. POPs and the provider add up device × time; a customer is down while any of its devices is down (overlapping outages count once)."))
            let popBars = pops.sorted { $0.key < $1.key }.compactMap { name, total in total.uptimePercent.map { (label: name, percent: $0, target: Double?.none) } }
            try writer.chart(.availability(title: context.l("Disponibilidade por POP", "Availability per POP"), bars: popBars))
            try writer.beginTable(ReportTable(title: context.l("Por POP", "Per POP"), columns: [
                ReportColumn("pop", "POP", "POP", width: 2), ReportColumn("devices", "Dispositivos", "Devices", .integer),
                ReportColumn("uptime_percent", "Disponibilidade", "Availability", .percent),
                ReportColumn("down_seconds", "Tempo fora", "Downtime", .duration), ReportColumn("outages", "Quedas", "Outages", .integer),
                ReportColumn("mttr_seconds", "MTTR", "MTTR", .duration),
            ]))
            for (name, total) in pops.sorted(by: { $0.key < $1.key }) {
                try writer.row([.text(name), .number(Double(total.devices)), total.uptimePercent.map(ReportCell.number) ?? .empty,
                                .number(total.downSeconds), .number(Double(total.outages)), total.mttrSeconds.map(ReportCell.number) ?? .empty],
                               highlight: false)
            }
            try writer.endTable()
            if !customerRows.isEmpty {
                try writer.section(context.l("Clientes", "Customers"))
                let bars = customerRows.filter { $0.target != nil }.prefix(20).compactMap { row in
                    row.availability.uptimePercent.map { (label: row.name, percent: $0, target: row.target) }
                }
                try writer.chart(.availability(title: context.l("Disponibilidade × meta contratada", "Availability vs contracted target"), bars: Array(bars)))
                try writer.beginTable(ReportTable(title: context.l("Disponibilidade por cliente", "Availability per customer"), columns: [
                    ReportColumn("customer", "Cliente", "Customer", width: 2.2), ReportColumn("target_percent", "Meta", "Target", .percent),
                    ReportColumn("uptime_percent", "Disponibilidade", "Availability", .percent),
                    ReportColumn("down_seconds", "Tempo fora", "Downtime", .duration), ReportColumn("outages", "Quedas", "Outages", .integer),
                    ReportColumn("breach", "Violação", "Breach", width: 0.7),
                ]))
                for row in customerRows {
                    let breach = row.target.map { (row.availability.uptimePercent ?? 100) < $0 } ?? false
                    try writer.row([.text(row.name), row.target.map(ReportCell.number) ?? .empty,
                                    row.availability.uptimePercent.map(ReportCell.number) ?? .empty, .number(row.availability.downSeconds),
                                    .number(Double(row.availability.outages.count)), .text(breach ? context.l("SIM", "YES") : "")],
                                   highlight: breach)
                }
                try writer.endTable()
            }
            try writer.section(context.l("Quedas", "Outages"))
            let shownOutages = outages.count > limit ? context.l("Quedas mais longas: \(f.number(Double(limit))) de \(f.number(Double(outages.count)))",
                                                               "Longest outages: \(f.number(Double(limit))) of \(f.number(Double(outages.count)))")
                                                     : context.l("Quedas no período", "Outages in the period")
            try writer.beginTable(ReportTable(title: shownOutages, columns: [
                ReportColumn("device", "Dispositivo", "Device", width: 1.6), ReportColumn("start", "Início", "Start", .dateTime, width: 1.2),
                ReportColumn("end", "Fim", "End", .dateTime, width: 1.2), ReportColumn("counted_seconds", "Duração", "Duration", .duration, width: 0.8),
                ReportColumn("cause", "Causa / incidente", "Cause / incident", width: 2),
            ]))
            for (device, outage) in listedOutages {
                let cause = incidentsByDevice[device.id]?.first { $0.openedAt >= outage.start.addingTimeInterval(-600) && $0.openedAt <= outage.end }
                try writer.row([.text(device.name), .date(outage.start), outage.ongoing ? .empty : .date(outage.end),
                                .number(outage.countedSeconds), cause.map { .text($0.title) } ?? .empty], highlight: false)
            }
            try writer.endTable()
            try writer.section(context.l("Dispositivos", "Devices"))
            let deviceColumns = [
                ReportColumn("device", "Dispositivo", "Device", width: 1.5), ReportColumn("device_id", "ID", "ID", inPDF: false),
                ReportColumn("pop", "POP", "POP", width: 1.1), ReportColumn("customer", "Cliente", "Customer", width: 1.5),
                ReportColumn("target_percent", "Meta", "Target", .percent, width: 0.9),
                ReportColumn("uptime_percent", "Disponibilidade", "Availability", .percent, width: 1.1),
                ReportColumn("measured_seconds", "Tempo medido", "Measured", .duration, width: 0.8),
                ReportColumn("down_seconds", "Tempo fora", "Downtime", .duration, width: 0.8),
                ReportColumn("maintenance_seconds", "Manutenção", "Maintenance", .duration, width: 0.9),
                ReportColumn("outages", "Quedas", "Outages", .integer, width: 0.6),
                ReportColumn("mttr_seconds", "MTTR", "MTTR", .duration, width: 0.8),
            ]
            func deviceRow(_ device: DeviceInfo, _ availability: Availability) throws {
                let breach = device.target.map { (availability.uptimePercent ?? 100) < $0 } ?? false
                try writer.row([.text(device.name), .text(device.id.lowercased), device.popName.map(ReportCell.text) ?? .empty,
                                device.customerName.map(ReportCell.text) ?? .empty, device.target.map(ReportCell.number) ?? .empty,
                                availability.uptimePercent.map(ReportCell.number) ?? .empty, .number(availability.measuredSeconds),
                                .number(availability.downSeconds), .number(availability.maintenanceSeconds),
                                .number(Double(availability.outages.count)), availability.mttrSeconds.map(ReportCell.number) ?? .empty],
                               highlight: breach)
            }
            // Every device goes to the CSV; past the limit the PDF lists the lowest availabilities instead.
            let everyDeviceInPDF = results.count <= limit
            try writer.beginTable(ReportTable(title: context.l("Disponibilidade por dispositivo", "Availability per device"), columns: deviceColumns,
                                              primary: true, inPDF: everyDeviceInPDF))
            for (device, availability) in results { try deviceRow(device, availability) }
            try writer.endTable()
            if !everyDeviceInPDF {
                try writer.beginTable(ReportTable(
                    title: context.l("Menor disponibilidade: \(f.number(Double(limit))) de \(f.number(Double(results.count))) dispositivos (todos no CSV)",
                                     "Lowest availability: \(f.number(Double(limit))) of \(f.number(Double(results.count))) devices (all in the CSV)"),
                    columns: deviceColumns))
                for index in lowest { try deviceRow(results[index].0, results[index].1) }
                try writer.endTable()
            }
        } }
        try await context.progress(95)
    }

    /// The state before `from` and the changes in the period, per device.
    static func states(_ tx: Transaction, devices: [UUID], from: Date, to: Date) async throws -> [UUID: (initial: String?, changes: [Availability.Change])] {
        var result: [UUID: (initial: String?, changes: [Availability.Change])] = [:]
        let rows = try await tx.query("""
            SELECT device_id, at, state, false AS initial FROM device_reachability_changes
            WHERE device_id = ANY(\(devices)) AND at >= \(from) AND at < \(to)
            UNION ALL
            SELECT DISTINCT ON (device_id) device_id, at, state, true FROM device_reachability_changes
            WHERE device_id = ANY(\(devices)) AND at < \(from) ORDER BY device_id, at DESC
            """)
        for try await (device, at, state, initial) in rows.decode((UUID, Date, String, Bool).self) {
            if initial {
                result[device, default: (nil, [])].initial = state
            } else {
                result[device, default: (nil, [])].changes.append(.init(at: at, state: state))
            }
        }
        return result
    }

    /// Maintenance occurrences in the period per device, by the windows' scopes.
    static func maintenanceByDevice(_ tx: Transaction, devices: [DeviceInfo], from: Date, to: Date) async throws -> [UUID: IntervalSet] {
        let windows = try await tx.query("""
            SELECT id, name, scope, scope_id, starts_at, ends_at, recurrence, until, reason, created_by, created_at
            FROM maintenance_windows WHERE starts_at < \(to)
            """).reportRows { row in
                MaintenanceWindow(id: try row.value("id"), name: try row.value("name"), scope: AlertScope(rawValue: try row.value("scope")) ?? .provider,
                                  scopeId: try row.value("scope_id"), startsAt: try row.value("starts_at"), endsAt: try row.value("ends_at"),
                                  recurrence: (try row.value("recurrence", as: String?.self)).flatMap(MaintenanceWindow.Recurrence.init(rawValue:)),
                                  until: try row.value("until"), reason: try row.value("reason"), createdBy: try row.value("created_by"),
                                  createdAt: try row.value("created_at"))
            }
        var result: [UUID: [IntervalSet.Interval]] = [:]
        for window in windows {
            let spans = window.occurrences(from: from, to: to)
            guard !spans.isEmpty else { continue }
            let members: [UUID]
            switch window.scope {
            case .provider: members = devices.map(\.id)
            case .pop: members = devices.filter { $0.popId == window.scopeId }.map(\.id)
            case .device: members = devices.filter { $0.id == window.scopeId }.map(\.id)
            case .group:
                // Static members or the devices a dynamic group's rule selects.
                if let group = window.scopeId { members = try await tx.deviceGroups.memberIds(group) ?? [] } else { members = [] }
            }
            for member in members { result[member, default: []] += spans }
        }
        return result.mapValues { IntervalSet($0) }
    }
}
