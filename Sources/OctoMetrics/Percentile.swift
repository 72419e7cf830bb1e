import Foundation

/// Percentiles as used for bandwidth billing.
public enum Percentile {
    /// The nearest-rank percentile: sort ascending and take the value at rank `⌈p·n⌉` (1-based). For the
    /// 95th percentile of a month of 5-minute rates this discards the top 5 % of intervals.
    /// `nil` for no values.
    public static func nearestRank(_ values: [Double], _ p: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        // The epsilon keeps 0.95 × 20 (19.000000000000004 in binary) at rank 19.
        let rank = Int((p * Double(sorted.count) - 1e-9).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
