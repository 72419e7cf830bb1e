import Foundation
import OctoCore
import OctoMetrics
import OctoStore
import OctoTestSupport
import PostgresNIO
@testable import Reports
import Testing

extension ReportDatabaseTests {
    /// The optical health report reads the hourly rollups of each ONU's received power: a steady ONU is
    /// left out, one whose last day's mean fell 3 dB is degrading, one below the range is out of range
    /// (statuses in the default language, pt-BR).
    @Test func theOpticalReportReadsTheHourlyRollups() async throws {
        try await TestDatabase.with(clock: ManualWallClock(Self.nov1(72))) { stack in
            let f = try await Self.fixture(stack)
            try await stack.database.withTenant(f.provider) { tx in
                var rollups: [Int64: (provider: UUID, buckets: [MetricRollup])] = [:]
                for (item, power) in [(1, { (_: Int) in -20.0 }), (2, { (hour: Int) in hour < 24 ? -20.0 : -23.0 }), (3, { (_: Int) in -30.0 })] {
                    let series = try await tx.metricSeries.register(MetricSeriesInput(deviceId: f.a, metric: "opticalRxPower",
                                                                                      labels: ["onu": "\(item)"], unit: "dBm", kind: .gauge))
                    try await tx.query("""
                        INSERT INTO snmp_optics (provider_id, device_id, scope, item, label, rx_series_id, updated_at)
                        VALUES (\(f.provider), \(f.a), 'onu', \("268501248.\(item)"), \("gpon-onu_1/2/3:\(item)"), \(series.id), \(Self.nov1(48)))
                        """)
                    rollups[series.id] = (f.provider, (0..<48).map { hour in
                        let value = power(hour)
                        return MetricRollup(at: Self.nov1(hour), count: 60, min: value - 0.5, max: value, sum: value * 60, last: value,
                                            lastAt: Self.nov1(hour).addingTimeInterval(3540))
                    })
                }
                #expect(try await MetricRollupPeriods.write(tx, resolution: .hour, rollups) == 3 * 48)
            }
            let request = ReportRequest(kind: .optics, from: "2026-11-01", to: "2026-11-02", formats: [.csv])
            let files = try await stack.database.withTenant(f.provider) { tx in
                try await ReportGenerator.generate(request, period: try request.period(timeZone: Self.sp), tx: tx)
            }
            let rows = try Self.csv(files[.csv])
            #expect(rows.map { $0["onu"] } == ["gpon-onu_1/2/3:2", "gpon-onu_1/2/3:3"])
            let degrading = try #require(rows.first), low = try #require(rows.last)
            #expect(degrading["port"] == "1/2/3" && degrading["status"] == "degradando")
            #expect(degrading["first_day_dbm"].flatMap(Double.init) == -20 && degrading["last_day_dbm"].flatMap(Double.init) == -23)
            #expect(degrading["lowest_dbm"].flatMap(Double.init) == -23.5 && degrading["last_dbm"].flatMap(Double.init) == -23)
            #expect(low["status"] == "fora da faixa" && low["lowest_dbm"].flatMap(Double.init) == -30.5)
        }
    }
}
