import Foundation
import OctoCore
import OctoMetrics
import OctoStore
import PostgresNIO

/// The stored traffic days (`traffic_days`): computed from the 5-minute rollups by the hourly
/// `reports.traffic` job for the hours the metrics maintenance marked as changed
/// (`metric_rate_changes`), and read by the bandwidth report. A day the report finds missing, of
/// another time zone, or with a changed hour not yet refreshed is computed from the rollups then and
/// there, so the report never depends on the job having run; the job only makes it fast.
enum TrafficDays {
    /// A local day, `(start, end]` for the samples ending in it.
    struct Day: Hashable {
        var start: Date
        var end: Date
    }

    /// One device's interfaces: their counter series and how to turn readings into rates.
    struct Device {
        struct Interface {
            var inSeries: Int64
            var outSeries: Int64
            var inBits: Int
            var outBits: Int
            var maxRate: Double?
        }
        var id: UUID
        var interfaces: [Interface]
        var seriesIds: [Int64] { interfaces.flatMap { [$0.inSeries, $0.outSeries] } }
    }

    /// Readings this long before a day are read with it: the first interval of the day may start in
    /// the previous one (at most `CounterRate`'s gap of 900 s).
    static let lookBack = 900.0

    /// The local days of `period`.
    static func days(_ period: ReportPeriod) throws -> [Day] {
        let calendar = try ReportPeriod.calendar(period.timeZone)
        var result: [Day] = []
        var start = period.from
        while start < period.to {
            guard let next = calendar.date(byAdding: .day, value: 1, to: start), next > start else { break }
            result.append(Day(start: start, end: min(next, period.to)))
            start = next
        }
        return result
    }

    /// The local day `instant` falls in.
    static func day(containing instant: Date, _ calendar: Calendar) -> Day? {
        guard let interval = calendar.dateInterval(of: .day, for: instant) else { return nil }
        return Day(start: interval.start, end: interval.end)
    }

    /// The days computed from the 5-minute rollups of `devices`' series, one per device.
    static func compute(_ tx: Transaction, devices: [Device], day: Day) async throws -> [UUID: TrafficDay] {
        let ids = devices.flatMap(\.seriesIds)
        guard !ids.isEmpty else { return [:] }
        let readings = try await BandwidthReport.fiveMinuteReadings(tx, series: ids, from: day.start.addingTimeInterval(-lookBack), to: day.end)
        var result: [UUID: TrafficDay] = [:]
        for device in devices {
            let interfaces = device.interfaces.map { interface in
                (in: interface.inSeries, out: interface.outSeries,
                 samplesIn: TrafficStats.samples(readings: readings[interface.inSeries] ?? [], bits: interface.inBits, maxRate: interface.maxRate,
                                                 from: day.start, to: day.end),
                 samplesOut: TrafficStats.samples(readings: readings[interface.outSeries] ?? [], bits: interface.outBits, maxRate: interface.maxRate,
                                                  from: day.start, to: day.end))
            }
            guard let computed = TrafficDay(start: day.start, end: day.end, interfaces: interfaces) else {
                throw ReportError.data("the day starting \(day.start) does not start on a 5-minute boundary")
            }
            result[device.id] = computed
        }
        return result
    }

    /// `devices`' days of `days`: stored ones when they are of `timeZone` and no hour of theirs changed
    /// since, the others computed from the rollups (not stored: the report reads only).
    static func read(_ tx: Transaction, devices: [Device], days: [Day], timeZone: String) async throws -> [UUID: [TrafficDay]] {
        guard let first = days.first, let last = days.last, !devices.isEmpty else { return [:] }
        let ids = devices.map(\.id)
        var stored: [UUID: [Date: TrafficDay]] = [:]
        let rows = try await tx.query("""
            SELECT device_id, day_start, day_end, sums, series FROM traffic_days
            WHERE device_id = ANY(\(ids)) AND day_start >= \(first.start) AND day_start < \(last.end) AND time_zone = \(timeZone)
            """)
        let wanted = Dictionary(days.map { ($0.start, $0.end) }, uniquingKeysWith: { first, _ in first })
        for try await (device, start, end, sums, series) in rows.decode((UUID, Date, Date, ByteBuffer, ByteBuffer).self) {
            guard wanted[start] == end else { continue }
            stored[device, default: [:]][start] = try TrafficDay(start: start, end: end, sums: sums, series: series)
        }
        // Hours changed since: their days are computed again.
        var owner: [Int64: UUID] = [:]
        for device in devices { for id in device.seriesIds { owner[id] = device.id } }
        let changed = try await tx.query("""
            SELECT series_id, hour FROM metric_rate_changes
            WHERE series_id = ANY(\(Array(owner.keys))) AND hour >= \(first.start.addingTimeInterval(-3600 - lookBack)) AND hour < \(last.end)
            """)
        for try await (series, hour) in changed.decode((Int64, Date).self) {
            guard let device = owner[series] else { continue }
            for day in days where affected(day, byHour: hour) { stored[device]?[day.start] = nil }
        }
        var missing: [Day: [Device]] = [:]
        for device in devices {
            for day in days where stored[device.id]?[day.start] == nil { missing[day, default: []].append(device) }
        }
        for (day, devices) in missing.sorted(by: { $0.key.start < $1.key.start }) {
            for (device, computed) in try await compute(tx, devices: devices, day: day) { stored[device, default: [:]][day.start] = computed }
        }
        return stored.mapValues { $0.values.sorted { $0.start < $1.start } }
    }

    /// Whether a change of the rollups in `[hour, hour + 1 h)` changes `day`: its readings are the
    /// current or previous reading of intervals ending up to `lookBack` later.
    static func affected(_ day: Day, byHour hour: Date) -> Bool {
        day.start < hour.addingTimeInterval(3600 + lookBack) && day.end >= hour
    }

    /// Computes and stores the days of `provider` whose rollups changed (at most `limit` changed
    /// series-hours per call), and deletes days older than `keepDays`. Returns the marks taken (those of
    /// counters that are no interface's traffic, such as error counters, included) and the days written.
    static func refresh(_ database: Database, provider: UUID, keepDays: Int, limit: Int = 50_000) async throws -> (marks: Int, days: Int) {
        try await database.withTenant(provider) { tx in
            let zone = try await ReportGenerator.timeZone(tx)
            let calendar = try ReportPeriod.calendar(zone)
            let now = tx.clock.now
            try await tx.query("DELETE FROM traffic_days WHERE day_end < \(now.addingTimeInterval(-Double(keepDays) * 86_400))")
            let claimed = try await tx.query("""
                DELETE FROM metric_rate_changes WHERE ctid = ANY(ARRAY(SELECT ctid FROM metric_rate_changes LIMIT \(limit)))
                RETURNING series_id, hour
                """).reportRows { (try $0.value("series_id", as: Int64.self), try $0.value("hour", as: Date.self)) }
            guard !claimed.isEmpty else { return (0, 0) }
            let devices = try await interfaces(tx, ofSeries: Array(Set(claimed.map(\.0))))
            var owner: [Int64: Device] = [:]
            for device in devices { for id in device.seriesIds { owner[id] = device } }
            var due: [Day: [UUID: Device]] = [:]
            for (series, hour) in claimed {
                guard let device = owner[series] else { continue }
                for instant in [hour, hour.addingTimeInterval(3600 + lookBack)] {
                    if let day = day(containing: instant, calendar), affected(day, byHour: hour) { due[day, default: [:]][device.id] = device }
                }
            }
            var written = 0
            for (day, devices) in due.sorted(by: { $0.key.start < $1.key.start }) {
                let list = Array(devices.values)
                for chunk in stride(from: 0, to: list.count, by: 200) {
                    let computed = try await compute(tx, devices: Array(list[chunk..<min(chunk + 200, list.count)]), day: day)
                    guard !computed.isEmpty else { continue }
                    let ids = Array(computed.keys)
                    let sums = ids.map { ByteBuffer(bytes: computed[$0]!.encodedSums) }
                    let series = ids.map { ByteBuffer(bytes: computed[$0]!.encodedSeries) }
                    try await tx.query("""
                        INSERT INTO traffic_days (provider_id, device_id, day_start, day_end, time_zone, sums, series, computed_at)
                        SELECT \(tx.providerID), unnest(\(ids)::uuid[]), \(day.start), \(day.end), \(zone),
                               unnest(\(sums)::bytea[]), unnest(\(series)::bytea[]), \(now)
                        ON CONFLICT (device_id, day_start) DO UPDATE
                            SET day_end = excluded.day_end, time_zone = excluded.time_zone, sums = excluded.sums,
                                series = excluded.series, computed_at = excluded.computed_at
                        """)
                    written += ids.count
                }
            }
            return (claimed.count, written)
        }
    }

    /// The interfaces of the devices owning `series`, in interface order.
    static func interfaces(_ tx: Transaction, ofSeries series: [Int64]) async throws -> [Device] {
        let rows = try await tx.query("""
            SELECT i.device_id, i.in_series_id, i.out_series_id, si.counter_bits AS in_bits, so.counter_bits AS out_bits, si.max_rate
            FROM snmp_interfaces i
            JOIN metric_series si ON si.id = i.in_series_id JOIN metric_series so ON so.id = i.out_series_id
            WHERE i.device_id IN (SELECT device_id FROM metric_series WHERE id = ANY(\(series)))
            ORDER BY i.device_id, i.if_index
            """)
        var devices: [Device] = []
        for try await (device, inSeries, outSeries, inBits, outBits, maxRate) in rows.decode((UUID, Int64, Int64, Int16, Int16, Double?).self) {
            let interface = Device.Interface(inSeries: inSeries, outSeries: outSeries, inBits: Int(inBits), outBits: Int(outBits), maxRate: maxRate)
            if devices.last?.id == device { devices[devices.count - 1].interfaces.append(interface) } else {
                devices.append(Device(id: device, interfaces: [interface]))
            }
        }
        return devices
    }
}
