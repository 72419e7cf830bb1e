import Foundation
import OctoMetrics
import Testing

@Suite struct PercentileTests {
    @Test func nearestRankOfTwentyValuesDiscardsTheTopOne() {
        // 20 values: ⌈0.95 × 20⌉ = 19, so the 19th smallest (the largest is discarded).
        let values = (1...20).map(Double.init).shuffled()
        #expect(Percentile.nearestRank(values, 0.95) == 19)
    }
}

extension PercentileTests {
    @Test func emptyHasNoPercentile() {
        #expect(Percentile.nearestRank([], 0.95) == nil)
    }

    @Test func monthOfFiveMinuteIntervalsDiscardsTheTop432() {
        // 30 days = 8640 intervals; ⌈0.95 × 8640⌉ = 8208, so the 432 largest are discarded.
        let values = (1...8640).map(Double.init)
        #expect(Percentile.nearestRank(values, 0.95) == 8208)
    }
}
