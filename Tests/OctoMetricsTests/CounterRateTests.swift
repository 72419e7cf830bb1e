import Foundation
import OctoMetrics
import Testing

@Suite struct CounterRateTests {
    func at(_ seconds: Double) -> Date { Date(timeIntervalSince1970: 1_750_000_000 + seconds) }

    @Test func increaseIsDividedByTheInterval() {
        let rates = CounterRate(bits: 64).rates([.init(at: at(0), value: 1_000), .init(at: at(300), value: 31_000)])
        #expect(rates == [.init(at: at(300), rate: 100)])
    }

    @Test func thirtyTwoBitWrapIsCountedThroughTheTop() {
        let calculator = CounterRate(bits: 32, maxRate: 125_000_000) // 1 Gbit/s in octets
        // 4_294_967_000 → 704: 296 to reach 2^32, then 704 more = 1000 octets in 10 s.
        #expect(calculator.rate(from: 4_294_967_000, to: 704, seconds: 10) == 100)
    }

    @Test func sixtyFourBitWrapIsCountedThroughTheTop() {
        let top = 18_446_744_073_709_551_616.0
        let calculator = CounterRate(bits: 64, maxRate: 1.25e9)
        let rate = calculator.rate(from: top - 4096, to: 4096, seconds: 1)
        #expect(rate == 8192)
    }

    @Test func dropTooBigToBeAWrapIsAReset() {
        // A 32-bit wrap from 1_000_000 to 500 would mean ~4.29e9 octets in 300 s (14 MB/s) on a 1 MB/s
        // link: a reset, not a wrap.
        let calculator = CounterRate(bits: 32, maxRate: 1_000_000)
        #expect(calculator.rate(from: 1_000_000, to: 500, seconds: 300) == nil)
        // Without a maximum rate, a drop from low in the range is a reset too.
        #expect(CounterRate(bits: 32).rate(from: 1_000_000, to: 500, seconds: 300) == nil)
        // A 64-bit counter going down is a reset.
        #expect(CounterRate(bits: 64).rate(from: 5_000_000, to: 10, seconds: 300) == nil)
    }

    @Test func uptimeGoingBackwardsIsAResetEvenWhenTheCounterGrew() {
        let counter: [CounterRate.Reading] = [.init(at: at(0), value: 1_000), .init(at: at(300), value: 50_000),
                                              .init(at: at(600), value: 80_000)]
        let uptime: [CounterRate.Reading] = [.init(at: at(0), value: 900_000), .init(at: at(300), value: 12_000),
                                             .init(at: at(600), value: 42_000)]
        let rates = CounterRate(bits: 64).rates(counter, uptime: uptime)
        #expect(rates == [.init(at: at(300), rate: nil), .init(at: at(600), rate: 100)])
    }

    @Test func gapsLongerThanTheLimitHaveNoRate() {
        let calculator = CounterRate(bits: 32, maxGap: 900)
        let rates = calculator.rates([.init(at: at(0), value: 0), .init(at: at(300), value: 3_000),
                                      .init(at: at(3_900), value: 4_000), .init(at: at(4_200), value: 7_000)])
        #expect(rates == [.init(at: at(300), rate: 10), .init(at: at(3_900), rate: nil), .init(at: at(4_200), rate: 10)])
    }

    @Test func ratesAreClampedAtTheInterfaceSpeed() {
        // A 100 Mbit/s port: 12.5 MB/s at most; a counter burst claiming 20 MB/s is clamped.
        let calculator = CounterRate(bits: 64, maxRate: 12_500_000)
        #expect(calculator.rate(from: 0, to: 20_000_000, seconds: 1) == 12_500_000)
        #expect(calculator.rate(from: 0, to: 10_000_000, seconds: 1) == 10_000_000)
    }

    @Test func readingsAtTheSameInstantAreSkipped() {
        let rates = CounterRate().rates([.init(at: at(0), value: 1), .init(at: at(0), value: 1), .init(at: at(10), value: 11)])
        #expect(rates == [.init(at: at(10), rate: 1)])
    }
}
