import Monitoring
import Testing

@Suite struct InterfaceRatesTests {
    private func reading(in inOctets: UInt64, out outOctets: UInt64, bits: Int = 32, speed: UInt64? = 1_000_000_000)
        -> InterfaceReading {
        InterfaceReading(ifIndex: 1, name: "eth0", speedBitsPerSecond: speed, inOctets: inOctets, outOctets: outOctets,
                         octetCounterBits: bits)
    }

    @Test func steadyTraffic() {
        let rates = InterfaceRates.between(reading(in: 1_000, out: 5_000), reading(in: 1_251_000, out: 2_505_000),
                                           seconds: 10, earlierUptime: 100, laterUptime: 1_100)
        #expect(rates.inBitsPerSecond == 1_000_000)
        #expect(rates.outBitsPerSecond == 2_000_000)
        #expect(rates.inUtilization == 0.1)
        #expect(rates.outUtilization == 0.2)
    }

    @Test func a32BitWrapCountsTheWrappedIncrease() {
        // 4294967000 → 704 is an increase of 296 + 704 = 1000 octets.
        let rates = InterfaceRates.between(reading(in: 4_294_967_000, out: 0), reading(in: 704, out: 0), seconds: 1)
        #expect(rates.inBitsPerSecond == 8_000)
        #expect(rates.outBitsPerSecond == 0)
    }

    @Test func a64BitCounterDoesNotWrapAt32Bits() {
        let rates = InterfaceRates.between(reading(in: 4_294_967_000, out: 0, bits: 64),
                                           reading(in: 4_294_968_000, out: 0, bits: 64), seconds: 1)
        #expect(rates.inBitsPerSecond == 8_000)
        // A 64-bit counter going down is a reset, not a wrap.
        let reset = InterfaceRates.between(reading(in: 4_294_967_000, out: 0, bits: 64), reading(in: 704, out: 0, bits: 64), seconds: 1)
        #expect(reset.inBitsPerSecond == nil)
    }

    @Test func aRestartGivesNoRate() {
        let rates = InterfaceRates.between(reading(in: 1_000_000, out: 1_000_000), reading(in: 2_000_000, out: 2_000_000),
                                           seconds: 60, earlierUptime: 900_000, laterUptime: 3_000)
        #expect(rates == InterfaceRates())
    }

    @Test func aGapLongerThanAllowedGivesNoRate() {
        let rates = InterfaceRates.between(reading(in: 0, out: 0), reading(in: 1_000, out: 1_000), seconds: 3_600, maxGap: 900)
        #expect(rates.inBitsPerSecond == nil)
        let inside = InterfaceRates.between(reading(in: 0, out: 0), reading(in: 1_000, out: 1_000), seconds: 800, maxGap: 900)
        #expect(inside.inBitsPerSecond == 10)
    }

    @Test func ratesAreClampedToTheSpeedAndImplausibleWrapsAreResets() {
        // 100 Mbit/s port; 25 MB in one second would be 200 Mbit/s: clamped to 100%.
        let clamped = InterfaceRates.between(reading(in: 0, out: 0, speed: 100_000_000),
                                             reading(in: 25_000_000, out: 0, speed: 100_000_000), seconds: 1)
        #expect(clamped.inBitsPerSecond == 100_000_000)
        #expect(clamped.inUtilization == 100)
        // Going down from 3e9 to 1e9 on a 100 Mbit/s port: a wrap would mean ~2.3 Gbit/s, so it is a reset.
        let reset = InterfaceRates.between(reading(in: 3_000_000_000, out: 0, speed: 100_000_000),
                                           reading(in: 1_000_000_000, out: 0, speed: 100_000_000), seconds: 10)
        #expect(reset.inBitsPerSecond == nil)
    }

    @Test func changedCounterWidthOrNoTimeGivesNoRate() {
        #expect(InterfaceRates.between(reading(in: 0, out: 0, bits: 32), reading(in: 10, out: 10, bits: 64), seconds: 1) == InterfaceRates())
        #expect(InterfaceRates.between(reading(in: 0, out: 0), reading(in: 10, out: 10), seconds: 0) == InterfaceRates())
    }
}
