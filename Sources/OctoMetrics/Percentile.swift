import Foundation

/// Percentiles as used for bandwidth billing.
public enum Percentile {
    /// The nearest-rank percentile: sort ascending and take the value at rank `⌈p·n⌉` (1-based). For the
    /// 95th percentile of a month of 5-minute rates this discards the top 5 % of intervals.
    /// `nil` for no values.
    /// The value at that rank is found by selection (linear on average) rather than a full sort, which
    /// matters for a month of 5-minute rates (8,640 per series) over many series.
    public static func nearestRank(_ values: [Double], _ p: Double) -> Double? {
        var work = values
        return nearestRank(selecting: &work, p)
    }

    /// ``nearestRank(_:_:)`` of `values`, reordering them instead of copying.
    public static func nearestRank(selecting values: inout [Double], _ p: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        // The epsilon keeps 0.95 × 20 (19.000000000000004 in binary) at rank 19.
        let rank = Int((p * Double(values.count) - 1e-9).rounded(.up))
        let index = min(max(rank, 1), values.count) - 1
        if values.contains(where: \.isNaN) { return values.sorted()[index] }
        return select(&values, index)
    }

    /// The `k`-th smallest (0-based) of `values`, reordering them: quickselect with a median-of-three
    /// pivot, falling back to a sort if partitioning stops shrinking the range quickly.
    public static func select(_ values: inout [Double], _ k: Int) -> Double {
        var low = 0, high = values.count - 1, budget = 2 * (Int.bitWidth - values.count.leadingZeroBitCount) + 8
        while high - low > 16 {
            budget -= 1
            if budget == 0 {
                values[low...high].sort()
                return values[k]
            }
            let middle = low + (high - low) / 2
            if values[middle] < values[low] { values.swapAt(middle, low) }
            if values[high] < values[low] { values.swapAt(high, low) }
            if values[high] < values[middle] { values.swapAt(high, middle) }
            let pivot = values[middle]
            var i = low, j = high
            while i <= j {
                while values[i] < pivot { i += 1 }
                while pivot < values[j] { j -= 1 }
                if i <= j {
                    values.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if k <= j {
                high = j
            } else if k >= i {
                low = i
            } else {
                return values[k]
            }
        }
        values[low...high].sort()
        return values[k]
    }
}
