import Foundation
import Logging
import NIOCore
import OctoCore
import OctoJobs
import OctoMetrics
import OctoStore
import OctoTestSupport
@testable import Reports
import Testing

/// Traffic days: their stored form, the 95th percentile told from daily heads, and the aggregates of
/// stored days against those of the samples themselves.
@Suite struct TrafficDayTests {
    static let start = ComputationTests.nov1(0)

    /// A day of 5-minute samples with the rates `rates` (bits per second), the first ending at 00:05.
    static func samples(_ rates: [Double?], day: Int = 0) -> [TrafficStats.Sample] {
        rates.enumerated().compactMap { index, rate in
            rate.map { TrafficStats.Sample(at: start.addingTimeInterval(Double(day) * 86_400 + Double(index + 1) * 300 - 1),
                                           seconds: 300, bitsPerSecond: $0) }
        }
    }

    static func bits(_ values: [Double]) -> [UInt64] { values.map(\.bitPattern) }

    @Test func aStoredDayReadsBackAsItWasWritten() throws {
        var generator = SplitMix64(seed: 7)
        let inA = Self.samples((0..<288).map { $0 % 7 == 0 ? nil : Double.random(in: 0..<1e9, using: &generator) })
        let outA = Self.samples((0..<288).map { _ in Double.random(in: 0..<1e8, using: &generator) })
        let inB = Self.samples((0..<10).map { Double($0) })
        let day = try #require(TrafficDay(start: Self.start, end: Self.start.addingTimeInterval(86_400),
                                          interfaces: [(in: 1, out: 2, samplesIn: inA, samplesOut: outA), (in: 3, out: 4, samplesIn: inB, samplesOut: [])]))
        #expect(day.slots == 288)
        #expect(day.series.map(\.head.count) == [TrafficDay.headSize, TrafficDay.headSize, 10, 0])
        #expect(day.series[0].intervals == inA.count && day.series[3].intervals == 0)
        // Slot 0 has no inbound sample of A, only B's 0 bit/s; slot 1 both.
        #expect(day.sumsIn[0] == 0 && day.sumsIn[1] == inA[0].bitsPerSecond + 1)
        #expect(day.sumsIn[287].isNaN && day.sumsIn[286] == inA.last?.bitsPerSecond)
        let read = try TrafficDay(start: day.start, end: day.end, sums: ByteBuffer(bytes: day.encodedSums), series: ByteBuffer(bytes: day.encodedSeries))
        #expect(Self.bits(read.sumsIn) == Self.bits(day.sumsIn) && Self.bits(read.sumsOut) == Self.bits(day.sumsOut))
        #expect(read.series == day.series)
        // Malformed rows are refused, not misread.
        let sums = ByteBuffer(bytes: day.encodedSums), series = day.encodedSeries
        #expect(throws: ReportError.self) {
            try TrafficDay(start: day.start, end: day.end.addingTimeInterval(300), sums: sums, series: ByteBuffer(bytes: series))
        }
        #expect(throws: ReportError.self) { try TrafficDay(start: day.start, end: day.end, sums: sums, series: ByteBuffer(bytes: series.dropLast(3))) }
        var longHead = TrafficDay(start: day.start, slots: day.slots, sumsIn: day.sumsIn, sumsOut: day.sumsOut, series: [day.series[2]])
        longHead.series[0].intervals = 5
        #expect(throws: ReportError.self) {
            try TrafficDay(start: day.start, end: day.end, sums: sums, series: ByteBuffer(bytes: longHead.encodedSeries))
        }
        // A day that does not start on a 5-minute boundary is not a traffic day.
        #expect(TrafficDay(start: Self.start.addingTimeInterval(60), end: Self.start.addingTimeInterval(86_460), interfaces: []) == nil)
    }

    /// Months of rates of several shapes: whenever the heads give a percentile it is the exact one, and
    /// for ordinary traffic (a daily curve, noise, quiet weekends, gaps) they always give it.
    @Test func thePercentileFromDailyHeadsIsExactOrDeclined() {
        var generator = SplitMix64(seed: 42)
        var declined = 0
        for trial in 0..<400 {
            let days = Int.random(in: 1...31, using: &generator)
            let shape = trial % 4
            var totals = SeriesTotals()
            var all: [Double] = [], allSamples: [TrafficStats.Sample] = []
            let skewedDay = Int.random(in: 0..<days, using: &generator)
            for day in 0..<days {
                let weekend = day % 7 >= 5
                let rates: [Double?] = (0..<288).map { slot in
                    if shape == 3 && Double.random(in: 0..<1, using: &generator) < 0.3 { return nil }
                    let curve = 1 + sin(Double(slot) / 288 * 2 * .pi - .pi / 2)
                    var rate = 1e8 * (0.2 + curve) * (weekend ? 0.4 : 1) * Double.random(in: 0.9...1.1, using: &generator)
                    // A day with an attack: its highest hour dwarfs the rest of the month.
                    if shape == 1 && day == skewedDay && (120..<180).contains(slot) { rate *= 50 }
                    // Flat traffic: many equal rates.
                    if shape == 2 { rate = Double(Int(rate / 5e7)) * 5e7 }
                    return rate
                }
                let samples = Self.samples(rates, day: day)
                totals.add(TrafficDay.Series(id: 1, outbound: false, samples: samples))
                all += samples.map(\.bitsPerSecond)
                allSamples += samples
            }
            let exact = TrafficStats.compute(allSamples)
            guard let stats = totals.stats() else {
                declined += 1
                #expect(shape == 1, "ordinary traffic must not need a second read (trial \(trial), \(days) days)")
                continue
            }
            #expect(stats.p95Bps == Percentile.nearestRank(all, 0.95), "trial \(trial)")
            #expect(stats.peakBps == exact.peakBps && stats.intervals == exact.intervals)
            #expect(abs(stats.bytes - exact.bytes) <= exact.bytes * 1e-12)
            #expect(abs((stats.averageBps ?? 0) - (exact.averageBps ?? 0)) <= (exact.averageBps ?? 0) * 1e-12)
        }
        // The attacked months of more than two days cannot be told from the heads: an hour of 12
        // intervals × 50 fills a day's head, and its lowest kept rate is above the month's percentile.
        #expect(declined > 50)
    }

    /// A device's, customer's and POP's percentiles from stored days are those of the interfaces'
    /// samples added one by one.
    @Test func aggregatesOfDaysAreThoseOfTheSamples() throws {
        var generator = SplitMix64(seed: 3)
        var bySamples = TrafficAggregate(), byDays = TrafficAggregate()
        for _ in 0..<3 {
            var device = TrafficAggregate()
            for day in 0..<3 {
                var interfaces: [(in: Int64, out: Int64, samplesIn: [TrafficStats.Sample], samplesOut: [TrafficStats.Sample])] = []
                for index in 0..<4 {
                    let samplesIn = Self.samples((0..<288).map { _ in Double.random(in: 0..<1e9, using: &generator) }, day: day)
                    let samplesOut = Self.samples((0..<288).map { slot in slot % 5 == 0 ? nil : Double(Int.random(in: 0..<1000, using: &generator)) }, day: day)
                    bySamples.add(in: samplesIn, out: samplesOut)
                    interfaces.append((in: Int64(index * 2), out: Int64(index * 2 + 1), samplesIn: samplesIn, samplesOut: samplesOut))
                }
                let start = Self.start.addingTimeInterval(Double(day) * 86_400)
                device.add(day: try #require(TrafficDay(start: start, end: start.addingTimeInterval(86_400), interfaces: interfaces)))
            }
            device.countInterfaces(4)
            byDays.add(device)
        }
        let expected = bySamples.stats(), actual = byDays.stats()
        #expect(byDays.interfaces == 12)
        #expect(actual.in.p95Bps.map { abs($0 - expected.in.p95Bps!) <= $0 * 1e-12 } == true)
        #expect(actual.out.p95Bps == expected.out.p95Bps, "whole numbers add exactly in any order")
        #expect(actual.out.intervals == expected.out.intervals && actual.in.intervals == 864)
        #expect(abs(actual.in.bytes - expected.in.bytes) <= expected.in.bytes * 1e-12)
        #expect(byDays.series().map(\.at) == bySamples.series().map(\.at))
    }
}
