import Foundation
import OctoCore
import OctoMetrics
import OctoStore
import OctoTestSupport
import Testing

extension MetricsIntegrationTests {
    @Suite struct PercentileBillingTests {
        @Test func ninetyFifthPercentileOfInAndOutFromFiveMinuteData() async throws {
            try await TestDatabase.with { stack in
                let fixture = try await MetricsFixture.make(stack)
                let inbound = try await fixture.series("ifHCInOctets", kind: .counter, labels: ["ifIndex": "1"])
                let outbound = try await fixture.series("ifHCOutOctets", kind: .counter, labels: ["ifIndex": "1"])
                let start = hourStart(stack.clock.now, minus: 3)
                // 20 five-minute intervals. In: interval i carries i × 1000 octets/s.
                // Out: 100 × i octets/s, except two bursts of 50 000 (i = 7) and 40 000 (i = 13).
                let inRates = (1...20).map { Double($0) * 1_000 }
                let outRates: [Double] = (1...20).map { (index: Int) -> Double in
                    switch index {
                    case 7: 50_000
                    case 13: 40_000
                    default: Double(index) * 100
                    }
                }
                func readings(_ series: MetricSeries, _ rates: [Double]) -> [MetricSample] {
                    var counter = 1_000_000.0
                    var samples = [MetricSample(seriesId: series.id, at: start, value: counter)]
                    for (index, rate) in rates.enumerated() {
                        counter += rate * 300
                        samples.append(MetricSample(seriesId: series.id, at: start.addingTimeInterval(Double(index + 1) * 300), value: counter))
                    }
                    return samples
                }
                let samples = readings(inbound, inRates) + readings(outbound, outRates)
                try await withPipeline(stack.database, clock: stack.clock) { pipeline in try await pipeline.submit(samples) }
                _ = try await fixture.maintenance().runOnce()
                let billing = try await fixture.reader { reader in
                    try await reader.percentile95(in: inbound.id, out: outbound.id, from: start, to: start.addingTimeInterval(21 * 300))
                }
                // ⌈0.95 × 20⌉ = 19: the 19th smallest of each direction.
                // In: 1000 … 20 000 → 19 000. Out sorted: 100 … 2000 without 700 and 1300, then 40 000, 50 000 → 40 000.
                #expect(billing.in.intervals == 20 && billing.out.intervals == 20)
                #expect(billing.in.p95 == 19_000)
                #expect(billing.out.p95 == 40_000)
                #expect(billing.out.max == 50_000)
                #expect(billing.billable == 40_000)
            }
        }

        @Test func chartOfACounterShowsRatesAcrossAWrapAndAReset() async throws {
            try await TestDatabase.with { stack in
                let fixture = try await MetricsFixture.make(stack)
                let octets = try await fixture.series("ifInOctets", kind: .counter, labels: ["ifIndex": "2"], bits: 32, maxRate: 12_500_000)
                let uptime = try await fixture.series("sysUpTime", kind: .gauge)
                let start = hourStart(stack.clock.now, minus: 2)
                let top = 4_294_967_296.0
                // 0→300 s: +300 000 (1000/s); 300→600: wraps, +600 000 (2000/s); 600→900: restart (uptime drops).
                let values = [top - 400_000, top - 100_000, 500_000, 100]
                let uptimes = [1_000_000.0, 1_030_000, 1_060_000, 5_000]
                var samples: [MetricSample] = []
                for index in values.indices {
                    let at = start.addingTimeInterval(Double(index) * 300)
                    samples.append(MetricSample(seriesId: octets.id, at: at, value: values[index]))
                    samples.append(MetricSample(seriesId: uptime.id, at: at, value: uptimes[index]))
                }
                let readings = samples
                try await withPipeline(stack.database, clock: stack.clock) { pipeline in try await pipeline.submit(readings) }
                _ = try await fixture.maintenance().runOnce()
                let chart = try await fixture.reader { reader in
                    try await reader.query(.init(seriesIds: [octets.id], from: start, to: start.addingTimeInterval(1200), step: 300))
                }
                #expect(chart.series.first?.points.map(\.rate) == [nil, 1_000, 2_000, nil])
            }
        }
    }
}
