import Foundation
import Logging
import NIOCore
import OctoCore
import OctoJobs
import OctoMetrics
import OctoStore
import OctoTestSupport
import PostgresNIO
@testable import Reports
import Testing

/// Traffic days through PostgreSQL: counters ingested as the pollers write them, rolled up by the
/// metrics maintenance (which marks the changed hours), stored by the hourly refresh, read by the
/// bandwidth report; the report's figures checked against the same rates computed from the rollups
/// directly. Stored days are really read (a tampered one shows), a changed hour or another time zone
/// makes the report compute from the rollups, and the rows are isolated per provider and expire.
@Suite(.serialized) struct TrafficDayDatabaseTests {
    typealias Row = [ReportCell]

    /// Records every table's raw cells.
    final class RecordingWriter: ReportWriter {
        var tables: [(title: String, rows: [Row])] = []
        func begin(_ meta: ReportMeta) throws {}
        func section(_ title: String) throws {}
        func figures(_ items: [(label: String, value: String)]) throws {}
        func paragraph(_ text: String) throws {}
        func chart(_ chart: ReportChart) throws {}
        func beginTable(_ table: ReportTable) throws { tables.append((table.title, [])) }
        func row(_ cells: [ReportCell], highlight: Bool) throws { tables[tables.count - 1].rows.append(cells) }
        func endTable() throws {}
        func finish() throws -> [UInt8] { [] }
        func table(_ prefix: String) -> [String: Row] {
            let rows = tables.first { $0.title.hasPrefix(prefix) }?.rows ?? []
            return Dictionary(rows.map { (Self.text($0[0]), $0) }, uniquingKeysWith: { first, _ in first })
        }
        static func text(_ cell: ReportCell) -> String { if case .text(let value) = cell { value } else { "" } }
    }

    struct Network {
        var fixture: ReportDatabaseTests.Fixture
        /// (device, name, in series, out series)
        var interfaces: [(device: UUID, label: String, in: Int64, out: Int64)]
    }

    /// Devices A (two interfaces) and B (one) of the report fixture, with counters sampled every
    /// minute from 23:55 on 31 October to 00:10 on 4 November (São Paulo), rates following a daily
    /// curve; A's first interface takes 50 times its rate for three hours on 2 November (an attack: 36 of the
    /// period's 864 intervals, fewer than the 44 the percentile discards, more than a day's head holds).
    static func network(_ stack: TestStack) async throws -> Network {
        let f = try await ReportDatabaseTests.fixture(stack)
        var interfaces: [(device: UUID, label: String, in: Int64, out: Int64)] = []
        try await stack.database.withTenant(f.provider) { tx in
            for (device, deviceName, ifIndex, mbps) in [(f.a, "RTR-A", 1, 10), (f.a, "RTR-A", 2, 20), (f.b, "RTR-B", 1, 30)] {
                let series = try await ReportDatabaseTests.interface(tx, f, device: device, ifIndex: ifIndex)
                let ids = [series.in, series.out]
                let attack = device == f.a && ifIndex == 1
                // As the ingest writes samples: counters of octets, cumulated minute by minute.
                try await tx.query("""
                    INSERT INTO metric_ingest (provider_id, series_id, at_ms, value)
                    SELECT \(f.provider), s.id, \(Int64(ReportDatabaseTests.nov1(0).timeIntervalSince1970 * 1000)) + m * 60000,
                           sum(s.rate * 60 / 8) OVER (PARTITION BY s.id ORDER BY m)
                    FROM generate_series(-5, 3 * 1440 + 10) m,
                         LATERAL (VALUES (\(ids[0]), \(Double(mbps)) * 1e6 * (1.2 + sin(2 * pi() * m / 1440.0))
                                                     * CASE WHEN \(attack) AND m >= 1440 + 600 AND m < 1440 + 780 THEN 50 ELSE 1 END),
                                         (\(ids[1]), \(Double(mbps)) * 1e5 * (1.2 + cos(2 * pi() * m / 1440.0)))) AS s(id, rate)
                    """)
                interfaces.append((device, "\(deviceName) · port\(ifIndex)", ids[0], ids[1]))
            }
        }
        let maintenance = MetricsMaintenance(database: stack.database, clock: stack.clock, logger: Logger(label: "test"))
        let report = try await maintenance.runOnce()
        #expect(report.compactedSamples == 3 * 2 * (3 * 1440 + 16))
        return Network(fixture: f, interfaces: interfaces)
    }

    /// The figures the report must give over `period`, computed from the 5-minute rollups directly, one
    /// interface's samples after another (as the report did before traffic days).
    static func expected(_ stack: TestStack, _ network: Network, period: ReportPeriod)
        async throws -> (interfaces: [String: (TrafficStats, TrafficStats)], devices: [String: (TrafficStats, TrafficStats)], customer: (TrafficStats, TrafficStats)) {
        try await stack.database.withTenant(network.fixture.provider) { tx in
            let readings = try await BandwidthReport.fiveMinuteReadings(tx, series: network.interfaces.flatMap { [$0.in, $0.out] },
                                                                         from: period.from.addingTimeInterval(-TrafficDays.lookBack), to: period.to)
            var interfaces: [String: (TrafficStats, TrafficStats)] = [:]
            var devices: [String: TrafficAggregate] = [:]
            var customer = TrafficAggregate()
            for interface in network.interfaces {
                let samplesIn = TrafficStats.samples(readings: readings[interface.in] ?? [], bits: 64, maxRate: nil, from: period.from, to: period.to)
                let samplesOut = TrafficStats.samples(readings: readings[interface.out] ?? [], bits: 64, maxRate: nil, from: period.from, to: period.to)
                interfaces[interface.label] = (TrafficStats.compute(samplesIn), TrafficStats.compute(samplesOut))
                devices[interface.device == network.fixture.a ? "RTR-A" : "RTR-B", default: TrafficAggregate()].add(in: samplesIn, out: samplesOut)
                customer.add(in: samplesIn, out: samplesOut)
            }
            return (interfaces, devices.mapValues { $0.stats() }, customer.stats())
        }
    }

    static func report(_ stack: TestStack, _ provider: UUID, from: String, to: String, zone: String = ReportDatabaseTests.sp) async throws -> RecordingWriter {
        let writer = RecordingWriter()
        let request = ReportRequest(kind: .bandwidth, from: from, to: to, formats: [.csv], top: 50)
        try await stack.database.withTenant(provider) { tx in
            try await ReportGenerator.generate(request, period: try request.period(timeZone: zone), tx: tx, writers: [writer])
        }
        return writer
    }

    /// Whether a report row (label, extra, id, speed, in bytes, out bytes, in avg, out avg, in peak,
    /// out peak, in p95, out p95, billable) carries `stats`: percentiles and peaks exactly, sums to 1e-9.
    static func matches(_ row: Row?, _ stats: (TrafficStats, TrafficStats)) -> Bool {
        guard let row else { return false }
        func number(_ index: Int) -> Double? { if case .number(let value) = row[index] { value } else { nil } }
        func close(_ a: Double?, _ b: Double?) -> Bool {
            switch (a, b) {
            case (nil, nil): true
            case (let a?, let b?): abs(a - b) <= max(abs(b), 1) * 1e-9
            default: false
            }
        }
        return close(number(4), stats.0.bytes) && close(number(5), stats.1.bytes) && close(number(6), stats.0.averageBps)
            && close(number(7), stats.1.averageBps) && number(8) == stats.0.peakBps && number(9) == stats.1.peakBps
            && number(10) == stats.0.p95Bps && number(11) == stats.1.p95Bps
    }

    static func check(_ writer: RecordingWriter, _ expected: (interfaces: [String: (TrafficStats, TrafficStats)], devices: [String: (TrafficStats, TrafficStats)],
                                                              customer: (TrafficStats, TrafficStats)), sourceLocation: SourceLocation = #_sourceLocation) {
        let interfaces = writer.table("Todas as interfaces"), devices = writer.table("Top 50 dispositivos")
        #expect(interfaces.count == 3, sourceLocation: sourceLocation)
        for (label, stats) in expected.interfaces {
            #expect(matches(interfaces[label], stats), "\(label)", sourceLocation: sourceLocation)
        }
        for (label, stats) in expected.devices { #expect(matches(devices[label], stats), "\(label)", sourceLocation: sourceLocation) }
        #expect(matches(writer.table("Por cliente")["Padaria São João"], expected.customer), sourceLocation: sourceLocation)
        #expect(matches(writer.table("Por POP")["Ribeirão"], expected.customer), sourceLocation: sourceLocation)
    }

    static func count(_ stack: TestStack, _ provider: UUID, _ sql: String) async throws -> Int {
        try await stack.database.withTenant(provider) { tx in
            try await tx.query(PostgresQuery(unsafeSQL: sql)).reportRows { Int(try $0[0].decode(Int64.self)) }[0]
        }
    }

    @Test func theHourlyRefreshStoresTheDaysTheReportReads() async throws {
        try await TestDatabase.with(clock: ManualWallClock(ReportDatabaseTests.nov1(96))) { stack in
            let network = try await Self.network(stack)
            let provider = network.fixture.provider
            let service = ReportService(database: stack.database, queue: PostgresJobQueue(database: stack.database, clock: stack.clock),
                                        secrets: nil, logger: Logger(label: "test"))
            // The maintenance marked the rolled-up hours of the six counter series.
            #expect(try await Self.count(stack, provider, "SELECT count(DISTINCT series_id) FROM metric_rate_changes") == 6)
            // The hourly schedule queues a refresh for the provider with marks.
            let schedule = try #require(service.recurringSchedules().first { $0.name == "reports.traffic" })
            let jobs = try await schedule.jobs(stack.clock.now)
            #expect(jobs.map(\.providerID) == [provider] && jobs.map(\.type) == [ReportTrafficJob.jobType])

            let period = try ReportPeriod.days("2026-11-01", through: "2026-11-03", timeZone: ReportDatabaseTests.sp)
            let expected = try await Self.expected(stack, network, period: period)
            #expect(expected.interfaces["RTR-A · port1"]?.0.intervals == 864)
            // Before any refresh the report computes every day from the rollups.
            Self.check(try await Self.report(stack, provider, from: "2026-11-01", to: "2026-11-03"), expected)

            let written = try await service.refreshTraffic(provider: provider)
            // Both devices, 31 October (the minutes before midnight) to 4 November.
            #expect(written == 10)
            #expect(try await Self.count(stack, provider, "SELECT count(*) FROM metric_rate_changes") == 0)
            #expect(try await Self.count(stack, provider, "SELECT count(*) FROM traffic_days WHERE time_zone = 'America/Sao_Paulo'") == 10)
            #expect(try await service.refreshTraffic(provider: provider) == 0)
            // From stored days: the same figures; the attacked interface's percentile is read again from
            // its rollups (its 2 November head is all attack), the others come from the heads.
            let timings = ReportTimings()
            let writer = RecordingWriter()
            let request = ReportRequest(kind: .bandwidth, from: "2026-11-01", to: "2026-11-03", formats: [.csv], top: 50)
            try await stack.database.withTenant(provider) { tx in
                let context = try await ReportContext.load(tx: tx, request: request, period: period, writers: [writer],
                                                           options: ReportOptions(timings: timings), progress: { _ in })
                try await BandwidthReport.run(context, now: stack.clock.now)
            }
            Self.check(writer, expected)
            #expect(timings.phases.contains { $0.phase == "bandwidth: interfaces read again from the rollups (1)" })
            let attacked = try #require(expected.interfaces["RTR-A · port1"]?.0)
            let (p95, peak) = (try #require(attacked.p95Bps), try #require(attacked.peakBps))
            #expect(p95 < peak / 10, "the percentile discards the attack")

            // The report reads the stored rows: B's 2 November sums doubled show in B's figures...
            try await stack.database.withTenant(provider) { tx in
                let day = try TrafficDays.days(period)[1]
                let rows = try await tx.query("SELECT sums, series FROM traffic_days WHERE device_id = \(network.fixture.b) AND day_start = \(day.start)")
                    .reportRows { (try $0.value("sums", as: ByteBuffer.self), try $0.value("series", as: ByteBuffer.self)) }
                var stored = try TrafficDay(start: day.start, end: day.end, sums: rows[0].0, series: rows[0].1)
                stored.sumsIn = stored.sumsIn.map { $0 * 2 }
                try await tx.query("UPDATE traffic_days SET sums = \(ByteBuffer(bytes: stored.encodedSums)) WHERE device_id = \(network.fixture.b) AND day_start = \(day.start)")
            }
            var tampered = try await Self.report(stack, provider, from: "2026-11-01", to: "2026-11-03")
            #expect(!Self.matches(tampered.table("Top 50 dispositivos")["RTR-B"], try #require(expected.devices["RTR-B"])))
            // ...until an hour of that day changes again: then the day is computed from the rollups.
            try await stack.database.withTenant(provider) { tx in
                try await tx.query("""
                    INSERT INTO metric_rate_changes (provider_id, series_id, hour)
                    VALUES (\(provider), \(network.interfaces[2].in), \(ReportDatabaseTests.nov1(24 + 14)))
                    """)
            }
            tampered = try await Self.report(stack, provider, from: "2026-11-01", to: "2026-11-03")
            Self.check(tampered, expected)
            #expect(try await service.refreshTraffic(provider: provider) == 1)
            Self.check(try await Self.report(stack, provider, from: "2026-11-01", to: "2026-11-03"), expected)
            // Marks of counters that are no interface's traffic (an error counter) are taken as well, and
            // a round of only those does not end the refresh short of the traffic marks behind them.
            try await stack.database.withTenant(provider) { tx in
                let errors = try await tx.query("""
                    INSERT INTO metric_series (provider_id, device_id, metric, labels, unit, kind, counter_bits)
                    VALUES (\(provider), \(network.fixture.a), 'ifInErrors', '{"ifIndex": "1"}', 'errors', 'counter', 64) RETURNING id
                    """).reportRows { try $0.value("id", as: Int64.self) }[0]
                try await tx.query("""
                    INSERT INTO metric_rate_changes (provider_id, series_id, hour)
                    SELECT \(provider), \(errors), \(ReportDatabaseTests.nov1(0)) + k * interval '1 hour' FROM generate_series(0, 4) k
                    """)
                try await tx.query("""
                    INSERT INTO metric_rate_changes (provider_id, series_id, hour)
                    VALUES (\(provider), \(network.interfaces[2].in), \(ReportDatabaseTests.nov1(24 + 15)))
                    """)
            }
            #expect(try await service.refreshTraffic(provider: provider, marksPerRound: 2) == 1)
            #expect(try await Self.count(stack, provider, "SELECT count(*) FROM metric_rate_changes") == 0)

            // Another time zone: the São Paulo days are not used; Manaus days come from the rollups.
            try await stack.database.withTenant(provider) { tx in
                try await tx.query("UPDATE providers SET time_zone = 'America/Manaus' WHERE id = \(provider)")
            }
            let manaus = try ReportPeriod.days("2026-11-01", through: "2026-11-03", timeZone: "America/Manaus")
            let expectedManaus = try await Self.expected(stack, network, period: manaus)
            #expect(expectedManaus.interfaces["RTR-B · port1"]?.0.bytes != expected.interfaces["RTR-B · port1"]?.0.bytes)
            Self.check(try await Self.report(stack, provider, from: "2026-11-01", to: "2026-11-03", zone: "America/Manaus"), expectedManaus)

            // Isolated per provider: another tenant sees none and cannot write one.
            let other = try await stack.makeProvider("outro").id
            #expect(try await Self.count(stack, other, "SELECT count(*) FROM traffic_days") == 0)
            #expect(try await Self.count(stack, other, "SELECT count(*) FROM metric_rate_changes") == 0)
            await #expect(throws: (any Error).self) {
                try await stack.database.withTenant(other) { tx in
                    try await tx.query("""
                        INSERT INTO metric_rate_changes (provider_id, series_id, hour) VALUES (\(provider), 1, now())
                        """)
                }
            }
            // Kept as long as the 5-minute rollups: 35 days after its end a day is deleted.
            stack.clock.advance(by: 40 * 86_400)
            _ = try await service.refreshTraffic(provider: provider)
            #expect(try await Self.count(stack, provider, "SELECT count(*) FROM traffic_days") == 0)
        }
    }
}
