import Alerts
import Foundation
import Logging
import Notifications
import OctoCore
import OctoJobs
import OctoMetrics
import OctoStore
import OctoTestSupport
import PostgresNIO
@testable import Reports
import Testing

/// Reports against PostgreSQL: reachability history recorded by the trigger the poller's writes fire,
/// the SLA and bandwidth numbers of the hand-computed fixtures through the real queries, the archive
/// under RLS with retention, and a scheduled report e-mailed to the test SMTP server.
@Suite(.serialized) struct ReportDatabaseTests {
    static let sp = "America/Sao_Paulo"
    static func nov1(_ hour: Int, _ minute: Int = 0) -> Date { ComputationTests.nov1(hour, minute) }

    struct Fixture {
        var provider: UUID
        var pop: UUID
        var customer: UUID
        var a: UUID
        var b: UUID
    }

    /// POP "Ribeirão" with customer "Padaria São João" (target 99.9 %) and its two devices A and B, polled
    /// over SNMP and up since a day before the period; a maintenance window on the POP, 10:30–12:00.
    static func fixture(_ stack: TestStack, slug: String = "acme") async throws -> Fixture {
        let provider = try await stack.makeProvider(slug).id
        return try await stack.database.withTenant(provider) { tx in
            let pop = UUID(), customer = UUID(), a = UUID(), b = UUID()
            try await tx.query("INSERT INTO pops (id, provider_id, name) VALUES (\(pop), \(provider), 'Ribeirão')")
            try await tx.query("""
                INSERT INTO customers (id, provider_id, pop_id, name, sla_target_percent) VALUES (\(customer), \(provider), \(pop), 'Padaria São João', 99.9)
                """)
            for (id, name, address) in [(a, "RTR-A", "127.9.0.1"), (b, "RTR-B", "127.9.0.2")] {
                try await tx.query("""
                    INSERT INTO devices (id, provider_id, pop_id, customer_id, name, kind) VALUES (\(id), \(provider), \(pop), \(customer), \(name), 'router')
                    """)
                try await tx.query("""
                    INSERT INTO snmp_devices (provider_id, device_id, address, reachability, reachability_since, created_at, updated_at)
                    VALUES (\(provider), \(id), \(address)::inet, 'up', \(nov1(-24)), \(nov1(-24)), \(nov1(-24)))
                    """)
            }
            try await tx.query("""
                INSERT INTO maintenance_windows (provider_id, name, scope, scope_id, starts_at, ends_at, created_by, created_at)
                VALUES (\(provider), 'Troca de switch', 'pop', \(pop), \(nov1(10, 30)), \(nov1(12)), 'noc', \(nov1(-48)))
                """)
            return Fixture(provider: provider, pop: pop, customer: customer, a: a, b: b)
        }
    }

    /// Changes reachability as the poller's `recordFailure` / `recordSuccess` statements do.
    static func reach(_ stack: TestStack, _ provider: UUID, _ device: UUID, _ state: String, at: Date) async throws {
        try await stack.database.withTenant(provider) { tx in
            try await tx.query("""
                UPDATE snmp_devices SET reachability_since = CASE WHEN reachability = \(state) THEN reachability_since ELSE \(at) END,
                    reachability = \(state), last_poll_at = \(at), updated_at = \(at) WHERE device_id = \(device)
                """)
        }
    }

    static func outages(_ stack: TestStack, _ f: Fixture) async throws {
        for (device, spans) in [(f.a, [(10, 0, 11, 0), (14, 0, 14, 30)]), (f.b, [(10, 45, 11, 15), (14, 15, 14, 45)])] {
            for (h0, m0, h1, m1) in spans {
                try await reach(stack, f.provider, device, "down", at: nov1(h0, m0))
                // A second failed poll a minute later changes nothing in the history.
                try await reach(stack, f.provider, device, "down", at: nov1(h0, m0 + 1))
                try await reach(stack, f.provider, device, "up", at: nov1(h1, m1))
            }
        }
    }

    static func csv(_ bytes: [UInt8]?) throws -> [[String: String]] {
        let records = CSVReader.parse(try #require(bytes), separator: ",")
        let header = try #require(records.first)
        return records.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }

    @Test func theSLAReportComputesTheFixtureFromRecordedStates() async throws {
        try await TestDatabase.with(clock: ManualWallClock(Self.nov1(48))) { stack in
            let f = try await Self.fixture(stack)
            try await Self.outages(stack, f)
            let history = try await stack.database.withTenant(f.provider) { tx in
                try await tx.query("SELECT state FROM device_reachability_changes WHERE device_id = \(f.a) ORDER BY at").reportRows { try $0.value("state", as: String.self) }
            }
            #expect(history == ["up", "down", "up", "down", "up"], "one row per change, none for a repeated state")
            let request = ReportRequest(kind: .sla, from: "2026-11-01", to: "2026-11-01", formats: [.csv, .pdf])
            let files = try await stack.database.withTenant(f.provider) { tx in
                try await ReportGenerator.generate(request, period: try request.period(timeZone: try await ReportGenerator.timeZone(tx)), tx: tx)
            }
            let rows = try Self.csv(files[.csv])
            let a = try #require(rows.first { $0["device"] == "RTR-A" })
            #expect(a["uptime_percent"] == "95.5556")
            #expect(a["measured_seconds"] == "81000" && a["down_seconds"] == "3600" && a["maintenance_seconds"] == "5400")
            #expect(a["outages"] == "2" && a["target_percent"] == "99.9000" && a["customer"] == "Padaria São João")
            let b = try #require(rows.first { $0["device"] == "RTR-B" })
            #expect(b["down_seconds"] == "1800")
            // The PDF: the customer as one service (94,444 %), breaching its 99,9 % target.
            let file = WriterTests.temporary("sla.pdf")
            try Data(try #require(files[.pdf])).write(to: file)
            let text = try await WriterTests.tool(["/usr/bin/pdftotext", "-layout", file.path, "-"])
            #expect(text.contains("Relatório de SLA e disponibilidade"))
            #expect(text.contains("Padaria São João"))
            #expect(text.contains("94,444 %"), "customer availability, overlapping outages counted once")
            #expect(text.contains("96,667 %"), "POP availability, device-time weighted")
            #expect(text.contains("SIM"), "the breach is flagged")
            #expect(text.contains("01/11/2026 10:00"), "outages in local time")
        }
    }

    /// Past `pdfDetailRows` the PDF lists the longest outages and the devices with the lowest
    /// availability, and says how many it left out; the CSV still has every device.
    @Test func aPDFPastItsDetailLimitListsTheLongestOutagesAndTheLowestAvailabilities() async throws {
        try await TestDatabase.with(clock: ManualWallClock(Self.nov1(48))) { stack in
            let f = try await Self.fixture(stack)
            try await Self.outages(stack, f)
            let request = ReportRequest(kind: .sla, from: "2026-11-01", to: "2026-11-01", formats: [.csv, .pdf])
            let files = try await stack.database.withTenant(f.provider) { tx in
                try await ReportGenerator.generate(request, period: try request.period(timeZone: try await ReportGenerator.timeZone(tx)), tx: tx,
                                                   options: ReportOptions(pdfDetailRows: 1))
            }
            #expect(Set(try Self.csv(files[.csv]).compactMap { $0["device"] }) == ["RTR-A", "RTR-B"], "the CSV keeps every device")
            let file = WriterTests.temporary("sla-limited.pdf")
            try Data(try #require(files[.pdf])).write(to: file)
            let text = try await WriterTests.tool(["/usr/bin/pdftotext", "-layout", file.path, "-"])
            #expect(text.contains("Quedas mais longas: 1 de 4"))
            #expect(text.contains("Menor disponibilidade: 1 de 2 dispositivos (todos no CSV)"))
            // A's 10:00 outage (30 counted minutes, the first of the three that long) and A, the lower availability.
            #expect(text.contains("01/11/2026 10:00") && text.contains("RTR-A"))
            #expect(!text.contains("RTR-B") && !text.contains("01/11/2026 14:15"), "B's rows are left out of the PDF")
        }
    }

    /// A dynamic device group (rule: vendor MikroTik) as the scope, resolved as the device list resolves
    /// it: only RTR-A matches. A maintenance window on the same group, 14:00–14:30, covers A's second
    /// outage: A is measured 86,400 − 5,400 (POP window) − 1,800 = 79,200 s and down 1,800 s (10:00–10:30,
    /// before the POP window) → 77,400 ÷ 79,200 = 97.7273 %.
    @Test func aDynamicGroupScopeTakesTheDevicesItsRuleSelects() async throws {
        try await TestDatabase.with(clock: ManualWallClock(Self.nov1(48))) { stack in
            let f = try await Self.fixture(stack)
            try await Self.outages(stack, f)
            let group = try await stack.database.withTenant(f.provider) { tx in
                try await tx.query("UPDATE devices SET vendor = 'MikroTik' WHERE id = \(f.a)")
                try await tx.query("UPDATE devices SET vendor = 'Huawei' WHERE id = \(f.b)")
                let group = try await tx.deviceGroups.create(DeviceGroupInput(name: "Roteadores MikroTik", kind: .dynamic,
                                                                             filter: DeviceGroupFilter(vendor: "mikrotik")), by: .system)
                try await tx.query("""
                    INSERT INTO maintenance_windows (provider_id, name, scope, scope_id, starts_at, ends_at, created_by, created_at)
                    VALUES (\(f.provider), 'Firmware MikroTik', 'group', \(group.id), \(Self.nov1(14)), \(Self.nov1(14, 30)), 'noc', \(Self.nov1(-48)))
                    """)
                return group.id
            }
            let request = ReportRequest(kind: .sla, scope: .group, scopeId: group, from: "2026-11-01", to: "2026-11-01", formats: [.csv])
            let files = try await stack.database.withTenant(f.provider) { tx in
                try await ReportGenerator.generate(request, period: try request.period(timeZone: Self.sp), tx: tx)
            }
            let rows = try Self.csv(files[.csv])
            #expect(rows.map { $0["device"] } == ["RTR-A"], "only the device the rule selects")
            let a = try #require(rows.first)
            #expect(a["measured_seconds"] == "79200" && a["down_seconds"] == "1800" && a["maintenance_seconds"] == "7200")
            #expect(a["uptime_percent"] == "97.7273")
        }
    }

    /// Interface `port<ifIndex>` of `device` (1 Gbit/s) with its two 64-bit octet counter series; their ids.
    static func interface(_ tx: Transaction, _ f: Fixture, device: UUID, ifIndex: Int) async throws -> (in: Int64, out: Int64) {
        var ids: [Int64] = []
        for metric in ["ifInOctets", "ifOutOctets"] {
            ids += try await tx.query("""
                INSERT INTO metric_series (provider_id, device_id, metric, labels, unit, kind, counter_bits)
                VALUES (\(f.provider), \(device), \(metric), jsonb_build_object('ifIndex', \(String(ifIndex))), 'octets', 'counter', 64)
                RETURNING id
                """).reportRows { try $0.value("id", as: Int64.self) }
        }
        try await tx.query("""
            INSERT INTO snmp_interfaces (provider_id, device_id, if_index, name, speed_bps, in_series_id, out_series_id, updated_at)
            VALUES (\(f.provider), \(device), \(Int32(ifIndex)), \("port\(ifIndex)"), 1000000000, \(ids[0]), \(ids[1]), \(nov1(0)))
            """)
        return (ids[0], ids[1])
    }

    /// A 5-minute rollup per interval with the counter's newest value: rates 1…20 Mbit/s in, 2 Mbit/s
    /// out, the first interval ending at 00:05 local. 95th percentile in = 19 Mbit/s.
    @Test func theBandwidthReportTakesThe95thPercentileFrom5MinuteRollups() async throws {
        try await TestDatabase.with(clock: ManualWallClock(Self.nov1(48))) { stack in
            let f = try await Self.fixture(stack)
            try await stack.database.withTenant(f.provider) { tx in
                let inSeries = try await tx.query("""
                    INSERT INTO metric_series (provider_id, device_id, metric, labels, unit, kind, counter_bits, max_rate)
                    VALUES (\(f.provider), \(f.a), 'ifInOctets', '{"ifIndex": "1"}', 'octets', 'counter', 64, 125000000) RETURNING id
                    """).reportRows { try $0.value("id", as: Int64.self) }[0]
                let outSeries = try await tx.query("""
                    INSERT INTO metric_series (provider_id, device_id, metric, labels, unit, kind, counter_bits, max_rate)
                    VALUES (\(f.provider), \(f.a), 'ifOutOctets', '{"ifIndex": "1"}', 'octets', 'counter', 64, 125000000) RETURNING id
                    """).reportRows { try $0.value("id", as: Int64.self) }[0]
                try await tx.query("""
                    INSERT INTO snmp_interfaces (provider_id, device_id, if_index, name, alias, speed_bps, in_series_id, out_series_id, updated_at)
                    VALUES (\(f.provider), \(f.a), 1, 'ge-0/0/1', 'Trânsito IX', 1000000000, \(inSeries), \(outSeries), \(Self.nov1(0)))
                    """)
                var counterIn = 0.0, counterOut = 0.0
                var rollups: [Int64: (provider: UUID, buckets: [MetricRollup])] = [inSeries: (f.provider, []), outSeries: (f.provider, [])]
                // Bucket 23:55 local (the reading before the period) and twenty more, plus one of the next day.
                for k in 0...20 {
                    let bucket = Self.nov1(0).addingTimeInterval(Double(k - 1) * 300)
                    let at = bucket.addingTimeInterval(299)
                    if k > 0 {
                        counterIn += Double(k) * 1_000_000 / 8 * 300
                        counterOut += 2_000_000.0 / 8 * 300
                    }
                    for (series, value) in [(inSeries, counterIn), (outSeries, counterOut)] {
                        rollups[series]?.buckets.append(MetricRollup(at: bucket, count: 1, min: value, max: value, sum: value, last: value, lastAt: at))
                    }
                }
                try await MetricRollupPeriods.write(tx, resolution: .fiveMinutes, rollups)
            }
            let request = ReportRequest(kind: .bandwidth, from: "2026-11-01", to: "2026-11-01", formats: [.csv, .csvPtBR, .pdf])
            let files = try await stack.database.withTenant(f.provider) { tx in
                try await ReportGenerator.generate(request, period: try request.period(timeZone: Self.sp), tx: tx)
            }
            let rows = try Self.csv(files[.csv])
            #expect(rows.count == 1)
            let row = try #require(rows.first)
            #expect(row["interface"] == "RTR-A · Trânsito IX")
            #expect(row["in_p95_bps"] == "19000000" && row["in_peak_bps"] == "20000000" && row["in_avg_bps"] == "10500000")
            #expect(row["out_p95_bps"] == "2000000" && row["billable_p95_bps"] == "19000000")
            #expect(row["in_bytes"] == "7875000000")
            let brazilian = CSVReader.parse(try #require(files[.csvPtBR]), separator: ";")
            #expect(brazilian[0].contains("P95 entrada") && brazilian[1].contains("19000000"))
            let file = WriterTests.temporary("bw.pdf")
            try Data(try #require(files[.pdf])).write(to: file)
            let text = try await WriterTests.tool(["/usr/bin/pdftotext", "-layout", file.path, "-"])
            #expect(text.contains("Relatório de consumo de banda"))
            #expect(text.contains("19,0 Mbit/s"))
            #expect(text.contains("7,88 GB"), "volume in")
        }
    }

    /// Traffic days read (and computed from the rollups) in batches by parallel transactions give the same
    /// report as one batch after another in the report's own transaction: five interfaces with different
    /// rates, two per batch.
    @Test func parallelReadsGiveTheSameReportAsReadsInTurn() async throws {
        try await TestDatabase.with(clock: ManualWallClock(Self.nov1(48))) { stack in
            let f = try await Self.fixture(stack)
            try await stack.database.withTenant(f.provider) { tx in
                for (device, ifIndex, mbps) in [(f.a, 1, 10), (f.a, 2, 20), (f.a, 3, 30), (f.b, 1, 40), (f.b, 2, 50)] {
                    let series = try await Self.interface(tx, f, device: device, ifIndex: ifIndex)
                    let ids = [series.in, series.out]
                    // The interval ending at 00:05 + 5k minutes carries k × mbps Mbit/s in and mbps out.
                    var rollups: [Int64: (provider: UUID, buckets: [MetricRollup])] = [ids[0]: (f.provider, []), ids[1]: (f.provider, [])]
                    for k in 0...30 {
                        let bucket = Self.nov1(0).addingTimeInterval(Double(k - 1) * 300)
                        let base = Double(mbps) * 1e6 / 8 * 300 * Double(k)
                        for (series, value) in [(ids[0], base * Double(k + 1) / 2), (ids[1], base)] {
                            rollups[series]?.buckets.append(MetricRollup(at: bucket, count: 1, min: value, max: value, sum: value, last: value,
                                                                         lastAt: bucket.addingTimeInterval(299)))
                        }
                    }
                    try await MetricRollupPeriods.write(tx, resolution: .fiveMinutes, rollups)
                }
            }
            let request = ReportRequest(kind: .bandwidth, from: "2026-11-01", to: "2026-11-01", formats: [.csv])
            func generate(_ options: ReportOptions) async throws -> [UInt8] {
                var options = options
                options.rollupBatch = 2
                options.trafficBatch = 2
                return try await stack.database.withTenant(f.provider) { tx in
                    try await ReportGenerator.generate(request, period: try request.period(timeZone: Self.sp), tx: tx, options: options)
                }[.csv] ?? []
            }
            let inTurn = try await generate(ReportOptions(overlapReads: false))
            let parallel = try await generate(ReportOptions(parallelReads: (stack.database, 2)))
            #expect(parallel == inTurn)
            let rows = try Self.csv(inTurn).filter { $0["interface"] != nil }
            #expect(rows.count == 5)
            // Out: a constant mbps per interface, so each batch's figures landed on their own interfaces.
            #expect(rows.compactMap { $0["out_avg_bps"] }.sorted() == ["10000000", "20000000", "30000000", "40000000", "50000000"])
            #expect(rows.first { $0["interface"] == "RTR-B · port2" }?["out_p95_bps"] == "50000000")
        }
    }

    @Test func aCustomersContractedTargetIsCheckedStoredAndCleared() async throws {
        try await TestDatabase.with { stack in
            let provider = try await stack.makeProvider("acme").id
            try await stack.database.withTenant(provider) { tx in
                let actor = Actor(type: .system, id: nil, label: "noc")
                await #expect(throws: OctoError.self) { try await tx.customers.create(CustomerInput(name: "X", slaTargetPercent: 150), by: actor) }
                await #expect(throws: OctoError.self) { try await tx.customers.create(CustomerInput(name: "X", slaTargetPercent: 0), by: actor) }
                let customer = try await tx.customers.create(CustomerInput(name: "Hotel Paraíso", slaTargetPercent: 99.95), by: actor)
                #expect(customer.slaTargetPercent == 99.95)
                var clear = CustomerInput()
                clear.slaTargetPercent = .null
                #expect(try await tx.customers.update(customer.id, clear, by: actor).slaTargetPercent == nil)
                #expect(try await tx.customers.update(customer.id, CustomerInput(slaTargetPercent: 99.5), by: actor).slaTargetPercent == 99.5)
            }
        }
    }

    @Test func theArchiveIsIsolatedPerProviderAndExpires() async throws {
        try await TestDatabase.with(clock: ManualWallClock(Self.nov1(48))) { stack in
            let f = try await Self.fixture(stack)
            let other = try await stack.makeProvider("outro").id
            let queue = PostgresJobQueue(database: stack.database, clock: stack.clock)
            let service = ReportService(database: stack.database, queue: queue, secrets: nil, retentionDays: 30, logger: Logger(label: "test"))
            let actor = Actor(type: .system, id: nil, label: "noc@acme")
            // 400 naming the field, nothing written.
            await #expect(throws: OctoError.self) {
                try await service.request(ReportRequest(kind: .sla, from: "2026-11-01"), provider: f.provider, by: actor)
            }
            await #expect(throws: OctoError.self) {
                try await service.request(ReportRequest(kind: .sla, scope: .pop, scopeId: UUID(), from: "2026-11-01", to: "2026-11-01"),
                                          provider: f.provider, by: actor)
            }
            let run = try await service.request(ReportRequest(kind: .sla, scope: .pop, scopeId: f.pop, from: "2026-11-01", to: "2026-11-01",
                                                              formats: [.pdf, .csvPtBR]), provider: f.provider, by: actor)
            #expect(run.status == .queued)
            let jobs = try await stack.database.withTenant(f.provider) { tx in
                try await tx.query("SELECT count(*) AS n FROM jobs WHERE type = 'reports.generate'").reportRows { try $0.value("n", as: Int.self) }[0]
            }
            #expect(jobs == 1, "the job committed with the run")
            try await service.execute(run.id, provider: f.provider)
            let done = try await stack.database.withTenant(f.provider) { tx in try await tx.reportRuns.get(run.id) }
            #expect(done.status == .done && done.progress == 100)
            #expect(Set(done.files.map(\.format)) == [.pdf, .csvPtBR] && done.files.allSatisfy { $0.size > 0 })
            let pdf = try await stack.database.withTenant(f.provider) { tx in try await tx.reportRuns.file(run.id, format: .pdf) }
            #expect(pdf.name == "sla-2026-11-01-2026-11-01.pdf" && pdf.content.starts(with: Array("%PDF".utf8)))
            // Another provider sees neither the run nor its files nor the reachability history.
            try await stack.database.withTenant(other) { tx in
                await #expect(throws: OctoError.self) { try await tx.reportRuns.get(run.id) }
                await #expect(throws: OctoError.self) { try await tx.reportRuns.file(run.id, format: .pdf) }
                #expect(try await tx.reportRuns.list(page: try PageRequest()).total == 0)
                let leaked = try await tx.query("SELECT count(*) AS n FROM report_files").reportRows { try $0.value("n", as: Int.self) }[0]
                + (try await tx.query("SELECT count(*) AS n FROM device_reachability_changes").reportRows { try $0.value("n", as: Int.self) }[0])
                #expect(leaked == 0)
                // Nor can it write into the first provider's archive.
                await #expect(throws: (any Error).self) {
                    try await tx.query("""
                        INSERT INTO report_files (provider_id, run_id, format, name, content_type, content, created_at)
                        VALUES (\(f.provider), \(run.id), 'csv', 'x.csv', 'text/csv', '\\x00', now())
                        """)
                }
            }
            // Retention: nothing expires before 30 days; after, the run and its files go.
            #expect(try await service.deleteExpired(provider: f.provider) == 0)
            stack.clock.advance(by: 31 * 86_400)
            #expect(try await service.deleteExpired(provider: f.provider) == 1)
            let left = try await stack.database.withTenant(f.provider) { tx in
                try await tx.query("SELECT count(*) AS n FROM report_files").reportRows { try $0.value("n", as: Int.self) }[0]
            }
            #expect(left == 0)
        }
    }

    @Test func aScheduledReportArrivesByEmailWithItsAttachments() async throws {
        let host = try #require(ProcessInfo.processInfo.environment["OCTOISP_TEST_SMTP_HOST"], "run through scripts/test.sh (scripts/peers/smtp.sh)")
        let port = try #require(Int(ProcessInfo.processInfo.environment["OCTOISP_TEST_SMTP_PORT"] ?? ""))
        let pem = try String(contentsOfFile: try #require(ProcessInfo.processInfo.environment["OCTOISP_TEST_SMTP_CERT"]), encoding: .utf8)
        let decoded = URL(fileURLWithPath: try #require(ProcessInfo.processInfo.environment["OCTOISP_TEST_SMTP_DECODED"]))
        let user = try #require(ProcessInfo.processInfo.environment["OCTOISP_TEST_SMTP_USER"])
        let password = try #require(ProcessInfo.processInfo.environment["OCTOISP_TEST_SMTP_PASSWORD"])
        // 2026-12-01 07:00 local: the monthly schedule (1st, 06:00) is due for November.
        let clock = ManualWallClock(Date(timeIntervalSince1970: 1_796_119_200))
        try await TestDatabase.with(clock: clock) { stack in
            let f = try await Self.fixture(stack)
            try await Self.outages(stack, f)
            let secrets = try SecretBox(keyring: SecretBox.generateKeyring())
            let queue = PostgresJobQueue(database: stack.database, clock: stack.clock)
            let service = ReportService(database: stack.database, queue: queue, secrets: secrets, retentionDays: 30, logger: Logger(label: "test"))
            let actor = Actor(type: .system, id: nil, label: "noc@acme")
            let schedule = try await stack.database.withTenant(f.provider) { tx in
                let channel = try await tx.notificationChannels.create(NotificationChannelInput(
                    name: "E-mail NOC", channel: .email(EmailConfiguration(
                        host: host, port: port, trustedCertificatePEM: pem, username: user, password: NotificationSecret(password),
                        fromAddress: "relatorios@provedor.example", fromName: "Relatórios Provedor", recipients: ["noc@provedor.example"],
                        timeoutSeconds: 10))), secrets: secrets, by: actor)
                await #expect(throws: OctoError.self) {
                    try await tx.reportSchedules.create(ReportScheduleInput(name: "x", request: ReportRequest(kind: .sla), cadence: "cron",
                                                                            cron: "61 * * * *", channelId: channel.id, recipients: ["a@b.example"]), by: actor)
                }
                let created = try await tx.reportSchedules.create(ReportScheduleInput(
                    name: "SLA mensal", request: ReportRequest(kind: .sla, formats: [.pdf, .csvPtBR]), cadence: "monthly",
                    channelId: channel.id, recipients: ["diretoria@provedor.example", "regulatorio@provedor.example"]), by: actor)
                // Created at 07:00 on the 1st: the next firing is 1 January 06:00 local; make it due now.
                #expect(created.nextRunAt == Date(timeIntervalSince1970: 1_798_794_000))
                try await tx.query("UPDATE report_schedules SET next_run_at = \(clock.now.addingTimeInterval(-3600)) WHERE id = \(created.id)")
                return created
            }
            let runs = try await service.fireSchedules(provider: f.provider)
            #expect(runs.count == 1)
            #expect(try await service.fireSchedules(provider: f.provider).isEmpty, "fired once")
            try await service.execute(runs[0], provider: f.provider)
            let run = try await stack.database.withTenant(f.provider) { tx in try await tx.reportRuns.get(runs[0]) }
            #expect(run.status == .done && run.scheduleId == schedule.id)
            #expect(run.request.from == "2026-11-01" && run.request.to == "2026-11-30", "the previous local month")
            let after = try await stack.database.withTenant(f.provider) { tx in try await tx.reportSchedules.get(schedule.id) }
            #expect(after.lastRunId == run.id && after.nextRunAt == Date(timeIntervalSince1970: 1_798_794_000))
            // The server's own MIME decoding of what arrived.
            var summary: [String: Any]?
            for file in try FileManager.default.contentsOfDirectory(at: decoded, includingPropertiesForKeys: nil) where file.pathExtension == "json" {
                let object = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any]
                if object?["message_id"] as? String == "<report-\(run.id.lowercased)@provedor.example>" { summary = object }
            }
            let mail = try #require(summary)
            #expect(mail["rcpt_tos"] as? [String] == ["diretoria@provedor.example", "regulatorio@provedor.example"])
            #expect((mail["subject"] as? String)?.hasPrefix("Relatório de SLA — Acme — 01/11/2026 – 30/11/2026") == true)
            #expect(mail["content_type"] as? String == "multipart/mixed")
            #expect((mail["defects"] as? [String])?.isEmpty == true)
            let attachments = try #require(mail["attachments"] as? [[String: Any]])
            #expect(attachments.map { $0["filename"] as? String } == ["sla-2026-11-01-2026-11-30-pt-BR.csv", "sla-2026-11-01-2026-11-30.pdf"])
            #expect(attachments.map { $0["content_type"] as? String } == ["text/csv", "application/pdf"])
            let stored = try await stack.database.withTenant(f.provider) { tx in try await tx.reportRuns.file(run.id, format: .pdf) }
            #expect(attachments.last?["size"] as? Int == stored.content.count)
            let digest = try await sha256(stored.content)
            #expect(attachments.last?["sha256"] as? String == digest)
        }
    }
}

/// Hex SHA-256 via coreutils' sha256sum (the server side computes it with Python's hashlib).
func sha256(_ bytes: [UInt8]) async throws -> String {
    let file = WriterTests.temporary("blob")
    try Data(bytes).write(to: file)
    return try await ChildProcess.shell("sha256sum \(file.path)").split(separator: " ").first.map(String.init) ?? ""
}

/// A month of a small network, the PDF a NOC would send: three POPs, customers with targets, a
/// maintenance window, outages, the provider's logo. Rendered to PNG with pdftoppm; with
/// `OCTOISP_REPORT_SAMPLE_DIR` set, the PDF and its first two pages are copied there (the docs'
/// screenshot comes from this run).
@Suite(.serialized) struct ReportSampleTests {
    @Test func aMonthlySLAReportOfASmallNetwork() async throws {
        let november = try ReportPeriod.month(2026, 11, timeZone: "America/Sao_Paulo")
        try await TestDatabase.with(clock: ManualWallClock(november.to.addingTimeInterval(7 * 3600))) { stack in
            let provider = try await stack.makeProvider("saojoao").id
            let logo = WriterTests.temporary("logo.png")
            let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            try await ChildProcess.shell("rsvg-convert -w 160 -h 160 \(repo.path)/web/static/icon.svg -o \(logo.path)")
            let logoBytes = try Data(contentsOf: logo)
            try await stack.database.withGlobal { tx in
                try await tx.query("""
                    UPDATE providers SET name = 'Provedor São João Telecom', report_logo_png = \(ByteBuffer(bytes: logoBytes)) WHERE id = \(provider)
                    """)
            }
            let start = november.from
            try await stack.database.withTenant(provider) { tx in
                var device = 0
                for (p, pop) in ["Centro", "Ribeirão Preto", "São Carlos"].enumerated() {
                    let popId = UUID()
                    try await tx.query("INSERT INTO pops (id, provider_id, name) VALUES (\(popId), \(provider), \(pop))")
                    for c in 0..<3 {
                        let customer = UUID()
                        let names = ["Padaria Pão de Açúcar", "Clínica Saúde & Vida", "Escritório Conceição", "Mercado Três Irmãos",
                                     "Hotel Paraíso", "Colégio Santa Mônica", "Farmácia Popular", "Açougue União", "Academia Força"]
                        let target = [99.5, 99.9, 99.0][c]
                        try await tx.query("""
                            INSERT INTO customers (id, provider_id, pop_id, name, sla_target_percent)
                            VALUES (\(customer), \(provider), \(popId), \(names[p * 3 + c]), \(target))
                            """)
                        for d in 0..<2 {
                            device += 1
                            let id = UUID()
                            try await tx.query("""
                                INSERT INTO devices (id, provider_id, pop_id, customer_id, name, kind)
                                VALUES (\(id), \(provider), \(popId), \(customer), \("CPE-\(pop.prefix(3).uppercased())-\(c + 1)\(d == 0 ? "A" : "B")"), 'router')
                                """)
                            try await tx.query("""
                                INSERT INTO snmp_devices (provider_id, device_id, address, reachability, reachability_since, created_at, updated_at)
                                VALUES (\(provider), \(id), \("127.10.\(p).\(device)")::inet, 'up', \(start.addingTimeInterval(-86_400)),
                                        \(start.addingTimeInterval(-86_400)), \(start.addingTimeInterval(-86_400)))
                                """)
                            // Deterministic outages: device n is down n × 7 minutes on days n, n + 9 and n + 17.
                            for day in [device, device + 9, device + 17] where device % 3 != 0 {
                                let down = start.addingTimeInterval(Double(day) * 86_400 + Double(device) * 3600)
                                for (at, state) in [(down, "down"), (down.addingTimeInterval(Double(device) * 420), "up")] {
                                    try await tx.query("""
                                        UPDATE snmp_devices SET reachability_since = \(at), reachability = \(state), updated_at = \(at) WHERE device_id = \(id)
                                        """)
                                }
                            }
                        }
                    }
                    if p == 1 {
                        try await tx.query("""
                            INSERT INTO maintenance_windows (provider_id, name, scope, scope_id, starts_at, ends_at, created_by, created_at)
                            VALUES (\(provider), 'Troca do roteador de borda', 'pop', \(popId), \(start.addingTimeInterval(14 * 86_400 + 2 * 3600)),
                                    \(start.addingTimeInterval(14 * 86_400 + 4 * 3600)), 'noc', \(start))
                            """)
                    }
                }
            }
            let request = ReportRequest(kind: .sla, from: "2026-11-01", to: "2026-11-30", formats: [.pdf, .csvPtBR])
            let files = try await stack.database.withTenant(provider) { tx in
                try await ReportGenerator.generate(request, period: try request.period(timeZone: "America/Sao_Paulo"), tx: tx)
            }
            let pdf = WriterTests.temporary("sla-sample.pdf")
            try Data(try #require(files[.pdf])).write(to: pdf)
            let text = try await WriterTests.tool(["/usr/bin/pdftotext", "-layout", pdf.path, "-"])
            #expect(text.contains("Provedor São João Telecom") && text.contains("01/11/2026 – 30/11/2026"))
            #expect(text.contains("Clínica Saúde & Vida") && text.contains("Ribeirão Preto"))
            #expect(text.contains("Dispositivos medidos") && text.contains("18"))
            let images = try await WriterTests.tool(["/usr/bin/pdfimages", "-list", pdf.path])
            #expect(images.split(separator: "\n").count >= 3, "the logo is on the cover: \(images)")
            let prefix = pdf.deletingLastPathComponent().appendingPathComponent("sample").path
            _ = try await WriterTests.tool(["/usr/bin/pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "2", pdf.path, prefix])
            for page in 1...2 {
                let png = try Data(contentsOf: URL(fileURLWithPath: "\(prefix)-\(page).png"))
                #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 10_000)
            }
            if let directory = ProcessInfo.processInfo.environment["OCTOISP_REPORT_SAMPLE_DIR"] {
                for (from, to) in [(pdf.path, "report-sample.pdf"), ("\(prefix)-1.png", "report-sample.png"), ("\(prefix)-2.png", "report-sample-2.png")] {
                    try? FileManager.default.removeItem(atPath: "\(directory)/\(to)")
                    try FileManager.default.copyItem(atPath: from, toPath: "\(directory)/\(to)")
                }
            }
        }
    }
}
