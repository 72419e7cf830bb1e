import Alerts
import Foundation
import PostgresNIO
import OctoCore
import OctoMetrics
@testable import Reports
import Testing

/// Report arithmetic against figures worked out by hand: availability with overlapping outages and a
/// maintenance window, the 95th percentile of a known series, and period edges at midnight in São
/// Paulo (UTC−3) and across a month.
struct ComputationTests {
    static let sp = "America/Sao_Paulo"

    /// A local São Paulo time on 2026-11-01 (UTC−3, no DST since 2019).
    static func nov1(_ hour: Int, _ minute: Int = 0) -> Date {
        Date(timeIntervalSince1970: 1_793_491_200 + 3 * 3600 + Double(hour * 3600 + minute * 60))
    }

    @Test func aSãoPauloDayRunsFrom03hUTCToThe03hUTCOfTheNextDay() throws {
        let day = try ReportPeriod.days("2026-11-01", through: "2026-11-01", timeZone: Self.sp)
        #expect(day.from == Date(timeIntervalSince1970: 1_793_502_000)) // 2026-11-01T03:00:00Z
        #expect(day.to == Date(timeIntervalSince1970: 1_793_588_400))   // 2026-11-02T03:00:00Z
        #expect(day.from == Self.nov1(0))
        let february = try ReportPeriod.month(2026, 2, timeZone: Self.sp)
        #expect(february.from == Date(timeIntervalSince1970: 1_769_914_800)) // 2026-02-01T03:00:00Z
        #expect(february.seconds == 28 * 86_400)
        // Two days across the end of October.
        let edge = try ReportPeriod.days("2026-10-31", through: "2026-11-01", timeZone: Self.sp)
        #expect(edge.from == Self.nov1(0).addingTimeInterval(-86_400) && edge.to == day.to)
        // 2026-12-01T02:00Z is 23:00 on 30 November in São Paulo: the previous month is still October.
        let lateNovember = Date(timeIntervalSince1970: 1_796_090_400) // 2026-12-01T02:00:00Z = 2026-11-30 23:00 local
        let previous = try ReportPeriod.previous(.month, before: lateNovember, timeZone: Self.sp)
        #expect(previous.from == (try ReportPeriod.month(2026, 10, timeZone: Self.sp)).from, "still November locally: the previous month is October")
        #expect(throws: OctoError.self) { try ReportPeriod.days("2026-02-30", through: "2026-03-01", timeZone: Self.sp) }
        #expect(throws: OctoError.self) { try ReportPeriod.days("2026-11-01", through: "2026-11-01", timeZone: "Mars/Olympus") }
    }

    /// Device A: down 10:00–11:00 and 14:00–14:30; maintenance 10:30–12:00.
    /// Period 86 400 s; maintenance 5 400 s; counted down 1 800 + 1 800 = 3 600 s; measured 81 000 s;
    /// uptime = 77 400 / 81 000 = 95.5̄ %.
    @Test func availabilityExcludesMaintenanceFromMeasuredAndDownTime() throws {
        let day = try ReportPeriod.days("2026-11-01", through: "2026-11-01", timeZone: Self.sp)
        let maintenance = IntervalSet([.init(Self.nov1(10, 30), Self.nov1(12))])
        let a = Availability.compute(from: day.from, to: day.to, initial: "up", changes: [
            .init(at: Self.nov1(10), state: "down"), .init(at: Self.nov1(11), state: "up"),
            .init(at: Self.nov1(14), state: "down"), .init(at: Self.nov1(14, 30), state: "snmp_failing"),
        ], maintenance: maintenance)
        #expect(a.maintenanceSeconds == 5400)
        #expect(a.measuredSeconds == 81_000)
        #expect(a.downSeconds == 3600)
        #expect(abs(a.uptimePercent! - 95.555_555_555) < 1e-6)
        #expect(a.outages.map(\.countedSeconds) == [1800, 1800])
        #expect(a.outages.map(\.seconds) == [3600, 1800])
        #expect(a.mttrSeconds == 1800)
    }

    /// Customer with devices A (above) and B: B down 10:45–11:15 (inside maintenance) and 14:15–14:45.
    /// Counted downs: A [10:00,10:30) [14:00,14:30), B [14:15,14:45) → union [10:00,10:30) ∪ [14:00,14:45)
    /// = 1 800 + 2 700 = 4 500 s; measured 81 000 s; uptime = 76 500 / 81 000 = 94.4̄ %.
    @Test func overlappingOutagesOfACustomersDevicesCountOnce() throws {
        let day = try ReportPeriod.days("2026-11-01", through: "2026-11-01", timeZone: Self.sp)
        let maintenance = IntervalSet([.init(Self.nov1(10, 30), Self.nov1(12))])
        let a = Availability.compute(from: day.from, to: day.to, initial: "up", changes: [
            .init(at: Self.nov1(10), state: "down"), .init(at: Self.nov1(11), state: "up"),
            .init(at: Self.nov1(14), state: "down"), .init(at: Self.nov1(14, 30), state: "up"),
        ], maintenance: maintenance)
        let b = Availability.compute(from: day.from, to: day.to, initial: "up", changes: [
            .init(at: Self.nov1(10, 45), state: "down"), .init(at: Self.nov1(11, 15), state: "up"),
            .init(at: Self.nov1(14, 15), state: "down"), .init(at: Self.nov1(14, 45), state: "up"),
        ], maintenance: maintenance)
        #expect(b.downSeconds == 1800)
        let customer = Availability.union([a, b], from: day.from, to: day.to)
        #expect(customer.downSeconds == 4500)
        #expect(customer.measuredSeconds == 81_000)
        #expect(abs(customer.uptimePercent! - 94.444_444_444) < 1e-6)
        #expect(customer.outages.count == 2)
        // POP: device-time weighted, (77 400 + 79 200) / 162 000 = 96.6̄ %.
        var pop = AvailabilityTotal()
        pop.add(a)
        pop.add(b)
        #expect(abs(pop.uptimePercent! - 96.666_666_666) < 1e-6)
        #expect(pop.outages == 4)
    }

    /// Down from 23:00 on 31 October to 01:00 on 1 November (local): each month's report counts the
    /// hour on its side of local midnight; October's outage is still ongoing at its end.
    @Test func anOutageAcrossLocalMidnightAtTheEndOfAMonthIsSplitAtTheEdge() throws {
        let october = try ReportPeriod.month(2026, 10, timeZone: Self.sp)
        let november = try ReportPeriod.month(2026, 11, timeZone: Self.sp)
        #expect(october.to == november.from && november.from == Self.nov1(0))
        let changes: [Availability.Change] = [.init(at: Self.nov1(-1), state: "down"), .init(at: Self.nov1(1), state: "up")]
        let oct = Availability.compute(from: october.from, to: october.to, initial: "up", changes: changes, maintenance: IntervalSet())
        let nov = Availability.compute(from: november.from, to: november.to, initial: "down", changes: changes, maintenance: IntervalSet())
        #expect(oct.downSeconds == 3600 && oct.outages.count == 1 && oct.outages[0].ongoing)
        #expect(oct.periodSeconds == 31 * 86_400)
        #expect(nov.downSeconds == 3600 && nov.outages[0].start == november.from && !nov.outages[0].ongoing)
        #expect(nov.periodSeconds == 30 * 86_400)
        // November: 1 h down of 2 592 000 s → 99.861 1 %.
        #expect(abs(nov.uptimePercent! - (1 - 3600.0 / 2_592_000) * 100) < 1e-9)
    }

    @Test func timeWithoutAKnownStateIsNotMeasured() throws {
        let day = try ReportPeriod.days("2026-11-01", through: "2026-11-01", timeZone: Self.sp)
        let a = Availability.compute(from: day.from, to: day.to, initial: nil, changes: [
            .init(at: Self.nov1(6), state: "up"), .init(at: Self.nov1(12), state: "down"), .init(at: Self.nov1(13), state: "up"),
        ], maintenance: IntervalSet())
        #expect(a.unknownSeconds == 6 * 3600)
        #expect(a.measuredSeconds == 18 * 3600)
        #expect(abs(a.uptimePercent! - 17.0 / 18 * 100) < 1e-9)
        let never = Availability.compute(from: day.from, to: day.to, initial: nil, changes: [], maintenance: IntervalSet())
        #expect(never.uptimePercent == nil)
    }

    @Test func dailyMaintenanceRecursInsideThePeriod() throws {
        let window = MaintenanceWindow(id: UUID(), name: "nightly", scope: .provider, scopeId: nil, startsAt: Self.nov1(-22), endsAt: Self.nov1(-21),
                                       recurrence: .daily, until: Self.nov1(48), reason: nil, createdBy: "t", createdAt: Self.nov1(-48))
        let week = try ReportPeriod.days("2026-11-01", through: "2026-11-07", timeZone: Self.sp)
        let spans = window.occurrences(from: week.from, to: week.to)
        // 02:00–03:00 local on 1 and 2 November; the 3 November occurrence starts after `until` (3 Nov 00:00).
        #expect(spans.map(\.start) == [Self.nov1(2), Self.nov1(26)])
        #expect(IntervalSet(spans).total == Double(spans.count) * 3600)
    }

    @Test func intervalSetsMergeSubtractAndIntersect() {
        let t = { (s: Double) in Date(timeIntervalSince1970: s) }
        let set = IntervalSet([.init(t(0), t(10)), .init(t(5), t(20)), .init(t(30), t(40)), .init(t(20), t(25))])
        #expect(set.intervals == [.init(t(0), t(25)), .init(t(30), t(40))])
        #expect(set.subtracting(IntervalSet([.init(t(5), t(8)), .init(t(24), t(35))])).total == 5 + 16 + 5)
        #expect(set.intersection(IntervalSet([.init(t(20), t(32))])).total == 7)
    }

    /// Rates 1…20 Mbit/s over twenty 5-minute intervals: nearest rank ⌈0.95 × 20⌉ = 19 → 19 Mbit/s;
    /// mean 10.5 Mbit/s; volume Σ 300 s × k Mbit/s / 8 = 300 × 210 / 8 MB = 7 875 MB. A 32-bit wrap
    /// in the middle is counted through the top.
    @Test func the95thPercentileOfAKnownSeries() {
        let start = Self.nov1(0)
        var counter = 4_294_967_296.0 - 100_000_000 // wraps during the run
        var readings = [CounterRate.Reading(at: start, value: counter)]
        for k in 1...20 {
            let octets = Double(k) * 1_000_000 / 8 * 300
            counter = (counter + octets).truncatingRemainder(dividingBy: 4_294_967_296)
            readings.append(.init(at: start.addingTimeInterval(Double(k) * 300), value: counter))
        }
        let samples = TrafficStats.samples(readings: readings, bits: 32, maxRate: 125_000_000, from: start, to: start.addingTimeInterval(6000))
        #expect(samples.count == 20)
        let stats = TrafficStats.compute(samples)
        #expect(abs(stats.p95Bps! - 19_000_000) < 1e-3)
        #expect(abs(stats.peakBps! - 20_000_000) < 1e-3)
        #expect(abs(stats.averageBps! - 10_500_000) < 1e-3)
        #expect(abs(stats.bytes - 7_875_000_000) < 1)
        // The interval that ends exactly at `from` belongs to the previous period.
        #expect(TrafficStats.samples(readings: readings, bits: 32, maxRate: nil, from: start.addingTimeInterval(300), to: start.addingTimeInterval(6000)).count == 19)
    }

    /// Two links peaking at different times: the 95th percentile of their sum is not the sum of their
    /// 95th percentiles. A: 100 in even intervals, 0 in odd; B the opposite → sum is 100 every interval.
    @Test func aggregatesTakeThePercentileOfTheSum() {
        let start = Self.nov1(0)
        var a: [TrafficStats.Sample] = [], b: [TrafficStats.Sample] = []
        for k in 1...40 {
            let at = start.addingTimeInterval(Double(k) * 300)
            a.append(.init(at: at, seconds: 300, bitsPerSecond: k % 2 == 0 ? 100 : 0))
            b.append(.init(at: at, seconds: 300, bitsPerSecond: k % 2 == 0 ? 0 : 100))
        }
        #expect(TrafficStats.compute(a).p95Bps == 100 && TrafficStats.compute(b).p95Bps == 100)
        var sum = TrafficAggregate()
        sum.add(in: a, out: [])
        sum.add(in: b, out: [])
        #expect(sum.stats().in.p95Bps == 100)
        #expect(sum.stats().in.bytes == 40 * 300 * 100 / 8 / 1)
        var histogram = UtilizationHistogram()
        histogram.add(p95Bps: 55, speedBps: 100)
        histogram.add(p95Bps: 150, speedBps: 100)
        histogram.add(p95Bps: 5, speedBps: nil)
        #expect(histogram.counts[5] == 1 && histogram.counts[10] == 1 && histogram.unknownSpeed == 1)
    }

    /// Top N by the billable (larger) 95th percentile, ties by label, rows without one left out.
    @Test func topNOrdersByBillableThenLabel() {
        func row(_ label: String, _ p95In: Double?, _ p95Out: Double?) -> BandwidthReport.Figures {
            func stats(_ p95: Double?) -> TrafficStats { TrafficStats(bytes: 0, averageBps: nil, peakBps: p95, p95Bps: p95, intervals: p95 == nil ? 0 : 1) }
            return BandwidthReport.Figures(label: label, extra: nil, id: label, speed: nil, in: stats(p95In), out: stats(p95Out))
        }
        let rows = [row("e", 5, 1), row("none", nil, nil), row("b", 9, 2), row("a", 3, 9), row("c", 7, 8), row("d", nil, 1)]
        #expect(BandwidthReport.topN(rows, 4).map(\.label) == ["a", "b", "c", "e"])
        #expect(BandwidthReport.topN(rows, 10).map(\.label) == ["a", "b", "c", "e", "d"])
    }

    @Test func opticsVerdictsAndPorts() {
        #expect(OpticsHealth(firstDayMean: -20, lastDayMean: -20.5, lowest: -21, last: -20.4).status(.onu) == .ok)
        #expect(OpticsHealth(firstDayMean: -20, lastDayMean: -22.5, lowest: -23, last: -22.6).status(.onu) == .degrading)
        #expect(OpticsHealth(firstDayMean: -25, lastDayMean: -27.5, lowest: -28, last: -27.8).status(.onu) == .outOfRange)
        #expect(OpticsHealth(firstDayMean: nil, lastDayMean: nil, lowest: nil, last: nil).status(.onu) == .noData)
        #expect(OpticsHealth.port(label: "gpon-onu_1/2/1:5", index: "1") == "1/2/1")
        #expect(OpticsHealth.port(label: "0/1/3 ONT 12", index: "1") == "0/1/3")
        #expect(OpticsHealth.port(label: nil, index: "268501248.5") == "268501248")
    }

    @Test func peopleReadNumbersInTheirLanguage() {
        let pt = ReportFormatter(language: .ptBR, timeZone: Self.sp), en = ReportFormatter(language: .en, timeZone: Self.sp)
        #expect(pt.percent(99.95) == "99,950 %" && en.percent(99.95) == "99.950 %")
        #expect(pt.number(1_234_567.891, places: 2) == "1.234.567,89" && en.number(1_234_567.891, places: 2) == "1,234,567.89")
        #expect(pt.bits(12_500_000) == "12,5 Mbit/s" && en.bytes(1_500_000_000) == "1.50 GB")
        #expect(pt.duration(3725) == "1h 02m" && pt.duration(90_000) == "1d 1h")
        #expect(pt.dateTime(Self.nov1(0)) == "01/11/2026 00:00" && en.dateTime(Self.nov1(0)) == "2026-11-01 00:00")
    }
}
