import Foundation
import OctoCore
import OctoMetrics
import OctoStore
import PostgresNIO

/// The bandwidth report: per interface, device, POP and customer, the in/out volume, average, peak
/// and 95th percentile of the 5-minute rates (as transit is billed), from the devices' traffic days
/// (``TrafficDays``: derived from the 5-minute rollups, never raw samples). Devices are read in batches
/// ordered by customer and device, each summed over the period by the task that read it, so a
/// customer's summed series is complete when the next one starts and is dropped then; only each
/// interface's and device's figures (not their samples) are kept until the tables are written.
enum BandwidthReport {
    struct Interface {
        var deviceId: UUID
        var device: String
        var pop: String?
        var customerId: UUID?
        var customer: String?
        var ifIndex: Int32
        var name: String
        var speed: Double?
        var inSeries: Int64
        var outSeries: Int64
        var inBits: Int
        var outBits: Int
        var maxRate: Double?
    }

    struct Figures {
        var label: String
        var extra: String?
        var id: String
        var speed: Double?
        var `in`: TrafficStats
        var out: TrafficStats
        var billable: Double? { [`in`.p95Bps, out.p95Bps].compactMap { $0 }.max() }
        var cells: [ReportCell] {
            [.text(label), .text(extra ?? ""), .text(id), speed.map(ReportCell.number) ?? .empty,
             .number(`in`.bytes), .number(out.bytes), `in`.averageBps.map(ReportCell.number) ?? .empty, out.averageBps.map(ReportCell.number) ?? .empty,
             `in`.peakBps.map(ReportCell.number) ?? .empty, out.peakBps.map(ReportCell.number) ?? .empty,
             `in`.p95Bps.map(ReportCell.number) ?? .empty, out.p95Bps.map(ReportCell.number) ?? .empty, billable.map(ReportCell.number) ?? .empty]
        }
    }

    /// The columns of every bandwidth table; the PDF shows volume, 95th percentiles and the peak (the
    /// averages and per-direction peaks are in the CSV).
    static func columns(_ first: (String, String, String), _ second: (String, String, String)?) -> [ReportColumn] {
        [ReportColumn(first.0, first.1, first.2, width: 2.2),
         ReportColumn(second?.0 ?? "extra", second?.1 ?? "", second?.2 ?? "", width: 1.1, inPDF: second != nil),
         ReportColumn("id", "ID", "ID", inPDF: false), ReportColumn("speed_bps", "Velocidade", "Speed", .bitsPerSecond, inPDF: false),
         ReportColumn("in_bytes", "Volume entrada", "Volume in", .bytes), ReportColumn("out_bytes", "Volume saída", "Volume out", .bytes),
         ReportColumn("in_avg_bps", "Média entrada", "Average in", .bitsPerSecond, inPDF: false),
         ReportColumn("out_avg_bps", "Média saída", "Average out", .bitsPerSecond, inPDF: false),
         ReportColumn("in_peak_bps", "Pico entrada", "Peak in", .bitsPerSecond, inPDF: false),
         ReportColumn("out_peak_bps", "Pico saída", "Peak out", .bitsPerSecond, inPDF: false),
         ReportColumn("in_p95_bps", "P95 entrada", "95th in", .bitsPerSecond), ReportColumn("out_p95_bps", "P95 saída", "95th out", .bitsPerSecond),
         ReportColumn("billable_p95_bps", "P95 faturável", "Billable 95th", .bitsPerSecond)]
    }

    static func run(_ context: ReportContext, now: Date) async throws {
        let tx = context.tx, from = context.period.from, to = context.period.to
        try context.begin(titlePT: "Relatório de consumo de banda", titleEN: "Bandwidth report", now: now)
        let timings = context.options.timings
        let interfaces = try await timings.measure("bandwidth: interface list") { try await tx.query("""
            SELECT i.device_id, d.name AS device, p.name AS pop, d.customer_id, c.name AS customer, i.if_index,
                   coalesce(nullif(i.alias, ''), i.name) AS name, i.speed_bps::float8 AS speed, i.in_series_id, i.out_series_id,
                   si.counter_bits AS in_bits, so.counter_bits AS out_bits, si.max_rate
            FROM snmp_interfaces i JOIN devices d ON d.id = i.device_id
            JOIN metric_series si ON si.id = i.in_series_id JOIN metric_series so ON so.id = i.out_series_id
            LEFT JOIN pops p ON p.id = d.pop_id LEFT JOIN customers c ON c.id = d.customer_id
            WHERE i.device_id = ANY(\(context.deviceIds))
            ORDER BY c.name NULLS LAST, d.customer_id NULLS LAST, d.name, d.id, i.if_index
            """).reportRows { row in
                Interface(deviceId: try row.value("device_id"), device: try row.value("device"), pop: try row.value("pop"),
                          customerId: try row.value("customer_id"), customer: try row.value("customer"), ifIndex: try row.value("if_index"),
                          name: try row.value("name"), speed: try row.value("speed"), inSeries: try row.value("in_series_id"),
                          outSeries: try row.value("out_series_id"), inBits: Int(try row.value("in_bits", as: Int16.self)),
                          outBits: Int(try row.value("out_bits", as: Int16.self)), maxRate: try row.value("max_rate"))
            } }
        try await context.progress(5)
        var perInterface: [Figures] = []
        perInterface.reserveCapacity(interfaces.count)
        var perDevice: [Figures] = [], perCustomer: [Figures] = []
        var pops: [String: TrafficAggregate] = [:]
        var provider = TrafficAggregate()
        var histogram = UtilizationHistogram()
        var customer: (info: Interface, aggregate: TrafficAggregate)?
        func closeCustomer() {
            guard let current = customer, let id = current.info.customerId else { customer = nil; return }
            let stats = current.aggregate.stats()
            perCustomer.append(Figures(label: current.info.customer ?? "", extra: nil, id: id.lowercased, speed: nil, in: stats.in, out: stats.out))
            customer = nil
        }
        // The devices in the list's order (customer, device), each with the rows of its interfaces.
        var groups: [(device: TrafficDays.Device, rows: Range<Int>)] = []
        for (index, interface) in interfaces.enumerated() {
            let item = TrafficDays.Device.Interface(inSeries: interface.inSeries, outSeries: interface.outSeries, inBits: interface.inBits,
                                                    outBits: interface.outBits, maxRate: interface.maxRate)
            if let last = groups.last, last.device.id == interface.deviceId {
                groups[groups.count - 1].device.interfaces.append(item)
                groups[groups.count - 1].rows = last.rows.lowerBound..<(index + 1)
            } else {
                groups.append((TrafficDays.Device(id: interface.deviceId, interfaces: [item]), index..<(index + 1)))
            }
        }
        // Traffic days are read for whole devices, about `trafficBatch` interfaces at a time. With
        // overlapped reads the next batch is being read by PostgreSQL while this one is computed; with
        // parallel readers, the next `readers` batches, each in its own transaction.
        let batch = max(context.options.trafficBatch, 1)
        var batches: [Range<Int>] = []
        var batchStart = 0, batchInterfaces = 0
        for (index, group) in groups.enumerated() {
            batchInterfaces += group.device.interfaces.count
            if batchInterfaces >= batch || index == groups.count - 1 {
                batches.append(batchStart..<(index + 1))
                batchStart = index + 1
                batchInterfaces = 0
            }
        }
        let days = try TrafficDays.days(context.period)
        let zone = context.period.timeZone
        let parallel = context.options.parallelReads
        let ahead = parallel.map { max($0.readers, 1) } ?? (context.options.overlapReads ? 1 : 0)
        let tenant = tx.providerID
        // A batch is read and summed per device by the same task: with parallel readers, on as many
        // cores as there are readers; only the customers' and POPs' sums stay on the report's task.
        let batchDevices = batches.map { groups[$0].map(\.device) }
        @Sendable func load(_ tx: Transaction, _ devices: [TrafficDays.Device]) async throws -> [UUID: DeviceTraffic] {
            DeviceTraffic.summarize(try await TrafficDays.read(tx, devices: devices, days: days, timeZone: zone), devices: devices)
        }
        func read(_ number: Int) -> Task<[UUID: DeviceTraffic], any Error> {
            let devices = batchDevices[number]
            if let database = parallel?.database {
                return Task { try await database.withTenantReading(tenant) { try await load($0, devices) } }
            }
            return Task { try await load(tx, devices) }
        }
        var pending: [Task<[UUID: DeviceTraffic], any Error>] = batches.indices.prefix(ahead).map(read)
        defer { for task in pending { task.cancel() } }
        // Interfaces whose 95th percentile the days' heads cannot tell: read again from the rollups.
        var exactLater: [Int] = []
        let noData = SeriesTotals().stats()!
        for (number, range) in batches.enumerated() {
            let traffic = try await timings.measure("bandwidth: waiting for the traffic-day reads and device sums") {
                guard !pending.isEmpty else { return try await load(tx, batchDevices[number]) }
                let current = pending.removeFirst()
                if number + ahead < batches.count { pending.append(read(number + ahead)) }
                return try await current.value
            }
            timings.time("bandwidth: customers, POPs and tables") {
                for group in groups[range] {
                    let device = traffic[group.device.id] ?? DeviceTraffic()
                    for row in group.rows {
                        let interface = interfaces[row]
                        let statsIn = device.series[interface.inSeries] ?? noData
                        let statsOut = device.series[interface.outSeries] ?? noData
                        let figures = Figures(label: "\(interface.device) · \(interface.name)", extra: interface.pop,
                                              id: "\(interface.deviceId.lowercased)/\(interface.ifIndex)", speed: interface.speed,
                                              in: statsIn ?? noData, out: statsOut ?? noData)
                        if statsIn == nil || statsOut == nil { exactLater.append(perInterface.count) } else {
                            histogram.add(p95Bps: figures.billable, speedBps: interface.speed)
                        }
                        perInterface.append(figures)
                    }
                    let info = interfaces[group.rows.lowerBound]
                    var aggregate = device.aggregate
                    aggregate.countInterfaces(group.device.interfaces.count)
                    perDevice.append(Figures(label: info.device, extra: info.pop, id: info.deviceId.lowercased, speed: nil,
                                             in: device.stats.in, out: device.stats.out))
                    if customer?.info.customerId != info.customerId { closeCustomer(); customer = (info, TrafficAggregate()) }
                    customer?.aggregate.add(aggregate)
                    pops[info.pop ?? context.l("(sem POP)", "(no POP)"), default: TrafficAggregate()].add(aggregate)
                }
            }
            try await context.progress(5 + 80 * batches[number].upperBound / max(groups.count, 1))
        }
        closeCustomer()
        // Every device is in one POP entry (or the one of devices without a POP): the provider is their sum.
        for name in pops.keys.sorted() { provider.add(pops[name]!) }
        try await timings.measure("bandwidth: interfaces read again from the rollups (\(exactLater.count))") {
            let rollupBatch = max(context.options.rollupBatch, 1)
            for chunk in stride(from: 0, to: exactLater.count, by: rollupBatch) {
                let rows = exactLater[chunk..<min(chunk + rollupBatch, exactLater.count)]
                let ids = rows.flatMap { [interfaces[$0].inSeries, interfaces[$0].outSeries] }
                let readings = try await fiveMinuteReadings(tx, series: ids, from: from.addingTimeInterval(-TrafficDays.lookBack), to: to)
                for row in rows {
                    let interface = interfaces[row]
                    func stats(_ series: Int64, bits: Int) -> TrafficStats {
                        TrafficStats.compute(TrafficStats.samples(readings: readings[series] ?? [], bits: bits, maxRate: interface.maxRate, from: from, to: to))
                    }
                    perInterface[row].in = stats(interface.inSeries, bits: interface.inBits)
                    perInterface[row].out = stats(interface.outSeries, bits: interface.outBits)
                    histogram.add(p95Bps: perInterface[row].billable, speedBps: interface.speed)
                }
            }
        }

        let total = provider.stats()
        let f = context.formatter
        let top = context.request.effectiveTop
        let providerBillable = [total.in.p95Bps, total.out.p95Bps].compactMap { $0 }.max()
        try timings.time("bandwidth: tables to the writers") { try context.each { writer in
            try writer.section(context.l("Resumo", "Summary"))
            try writer.figures([
                (context.l("Volume entrada", "Volume in"), f.bytes(total.in.bytes)),
                (context.l("Volume saída", "Volume out"), f.bytes(total.out.bytes)),
                (context.l("Interfaces", "Interfaces"), f.number(Double(interfaces.count))),
                (context.l("P95 entrada", "95th percentile in"), total.in.p95Bps.map(f.bits) ?? "—"),
                (context.l("P95 saída", "95th percentile out"), total.out.p95Bps.map(f.bits) ?? "—"),
                (context.l("Pico", "Peak"), [total.in.peakBps, total.out.peakBps].compactMap { $0 }.max().map(f.bits) ?? "—"),
            ])
            try writer.paragraph(context.l(
                "95º percentil: das taxas de 5 minutos do período, descartam-se os 5 % mais altos (posição ⌈0,95·n⌉), como no faturamento de trânsito. Os agregados somam as taxas das interfaces em cada intervalo de 5 minutos antes de calcular o percentil.",
                "95th percentile: of the period's 5-minute rates the top 5 % are discarded (rank ⌈0.95·n⌉), as transit is billed. Aggregates add the interfaces' rates in each 5-minute interval before taking the percentile."))
            try writer.chart(.traffic(title: context.l("Tráfego total (5 min) e 95º percentil", "Total traffic (5 min) and 95th percentile"),
                                      points: hourly(provider.series()), p95: providerBillable))
            var bands: [(label: String, count: Int)] = (0..<10).map { ("\($0 * 10)–\($0 * 10 + 10)%", histogram.counts[$0]) }
            bands.append(("> 100%", histogram.counts[10]))
            try writer.chart(.histogram(title: context.l("Interfaces por utilização (P95 ÷ velocidade)", "Interfaces by utilization (95th ÷ speed)"),
                                        bands: bands))
            try writer.beginTable(ReportTable(title: context.l("Por POP", "Per POP"), columns: columns(("pop", "POP", "POP"), ("interfaces", "Interfaces", "Interfaces"))))
            for (name, aggregate) in pops.sorted(by: { $0.key < $1.key }) {
                let stats = aggregate.stats()
                try writer.row(Figures(label: name, extra: f.number(Double(aggregate.interfaces)), id: "", speed: nil, in: stats.in, out: stats.out).cells,
                               highlight: false)
            }
            try writer.endTable()
            if !perCustomer.isEmpty {
                try writer.beginTable(ReportTable(title: context.l("Por cliente", "Per customer"), columns: columns(("customer", "Cliente", "Customer"), nil)))
                for row in perCustomer { try writer.row(row.cells, highlight: false) }
                try writer.endTable()
            }
            try writer.section(context.l("Maiores consumos", "Top consumers"))
            try writer.beginTable(ReportTable(title: context.l("Top \(top) interfaces por P95", "Top \(top) interfaces by 95th percentile"),
                                              columns: columns(("interface", "Interface", "Interface"), ("pop", "POP", "POP"))))
            for row in topN(perInterface, top) { try writer.row(row.cells, highlight: false) }
            try writer.endTable()
            try writer.beginTable(ReportTable(title: context.l("Top \(top) dispositivos por P95", "Top \(top) devices by 95th percentile"),
                                              columns: columns(("device", "Dispositivo", "Device"), ("pop", "POP", "POP"))))
            for row in topN(perDevice, top) { try writer.row(row.cells, highlight: false) }
            try writer.endTable()
            try writer.beginTable(ReportTable(title: context.l("Todas as interfaces", "Every interface"),
                                              columns: columns(("interface", "Interface", "Interface"), ("pop", "POP", "POP")), primary: true, inPDF: false))
            for row in perInterface { try writer.row(row.cells, highlight: false) }
            try writer.endTable()
        } }
        try await context.progress(95)
    }

    /// One device's traffic over the period, from its days: its summed series and their statistics, and
    /// each series' statistics (nil where the days' heads cannot tell the percentile).
    struct DeviceTraffic: Sendable {
        var aggregate = TrafficAggregate()
        var stats = (in: SeriesTotals().stats()!, out: SeriesTotals().stats()!)
        var series: [Int64: TrafficStats?] = [:]

        static func summarize(_ days: [UUID: [TrafficDay]], devices: [TrafficDays.Device]) -> [UUID: DeviceTraffic] {
            var result: [UUID: DeviceTraffic] = [:]
            result.reserveCapacity(devices.count)
            for device in devices {
                var traffic = DeviceTraffic()
                var totals: [Int64: SeriesTotals] = [:]
                for day in days[device.id] ?? [] {
                    traffic.aggregate.add(day: day)
                    for series in day.series { totals[series.id, default: SeriesTotals()].add(series) }
                }
                traffic.stats = traffic.aggregate.stats()
                for (id, total) in totals { traffic.series[id] = .some(total.stats()) }
                result[device.id] = traffic
            }
            return result
        }
    }

    /// The `n` rows with the highest billable 95th percentile (ties by label). Sorts (value, index) pairs
    /// computed once rather than the rows themselves.
    static func topN(_ rows: [Figures], _ n: Int) -> [Figures] {
        var keyed: [(billable: Double, index: Int)] = []
        keyed.reserveCapacity(rows.count)
        for (index, row) in rows.enumerated() { if let billable = row.billable { keyed.append((billable, index)) } }
        keyed.sort { $0.billable != $1.billable ? $0.billable > $1.billable : rows[$0.index].label < rows[$1.index].label }
        return keyed.prefix(n).map { rows[$0.index] }
    }

    /// Hourly means of a 5-minute series, for the chart.
    static func hourly(_ series: [(at: Date, in: Double, out: Double)]) -> [(at: Date, in: Double, out: Double)] {
        guard series.count > 600 else { return series }
        var result: [(at: Date, in: Double, out: Double)] = []
        var current: Int64?, sumIn = 0.0, sumOut = 0.0, count = 0.0, at = Date()
        for point in series {
            let hour = Int64(point.at.timeIntervalSince1970 / 3600)
            if hour != current, let _ = current, count > 0 {
                result.append((at, sumIn / count, sumOut / count)); sumIn = 0; sumOut = 0; count = 0
            }
            if hour != current { current = hour; at = point.at }
            sumIn += point.in; sumOut += point.out; count += 1
        }
        if count > 0 { result.append((at, sumIn / count, sumOut / count)) }
        return result
    }

    /// The newest counter value of each 5-minute bucket of `series` from one bucket before `from` to `to`,
    /// in time order (a bucket's `last_at` lies inside it).
    static func fiveMinuteReadings(_ tx: Transaction, series: [Int64], from: Date, to: Date) async throws -> [Int64: [CounterRate.Reading]] {
        try await MetricRollupPeriods.readLast(tx, series: series, resolution: .fiveMinutes, from: from.addingTimeInterval(-300), to: to)
    }
}
