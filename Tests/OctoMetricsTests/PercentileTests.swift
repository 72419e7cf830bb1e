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

extension PercentileTests {
    @Test func selectionAgreesWithSortingForEveryRank() {
        // Sizes around the insertion-sort cut-off and beyond, many duplicates, every rank.
        var generator = SystemRandomNumberGenerator()
        for count in [1, 2, 3, 16, 17, 18, 100, 1000, 8640] {
            let values = (0..<count).map { _ in Double(Int.random(in: 0..<max(count / 3, 2), using: &generator)) }
            let sorted = values.sorted()
            for p in [0.01, 0.5, 0.95, 0.99, 1.0] {
                let rank = Int((p * Double(count) - 1e-9).rounded(.up))
                #expect(Percentile.nearestRank(values, p) == sorted[min(max(rank, 1), count) - 1], "n \(count), p \(p)")
            }
        }
        let sorted = (1...5000).map(Double.init)
        #expect(Percentile.nearestRank(sorted, 0.95) == 4750)
        #expect(Percentile.nearestRank(Array(sorted.reversed()), 0.95) == 4750)
        #expect(Percentile.nearestRank([Double](repeating: 7, count: 3000), 0.95) == 7)
    }
}
