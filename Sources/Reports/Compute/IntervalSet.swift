import Foundation

/// A set of half-open time intervals `[start, end)`, kept sorted and disjoint: overlapping or touching
/// intervals are merged, so overlapping outages count once.
public struct IntervalSet: Sendable, Hashable {
    /// One interval.
    public struct Interval: Sendable, Hashable {
        /// Start, inclusive.
        public var start: Date
        /// End, exclusive.
        public var end: Date
        /// Creates an interval.
        public init(_ start: Date, _ end: Date) {
            self.start = start
            self.end = end
        }
        /// Seconds.
        public var duration: TimeInterval { end.timeIntervalSince(start) }
    }

    /// The disjoint intervals, oldest first.
    public private(set) var intervals: [Interval] = []

    /// An empty set.
    public init() {}

    /// The union of `intervals` (empty ones ignored).
    public init(_ intervals: [Interval]) {
        let sorted = intervals.filter { $0.end > $0.start }.sorted { $0.start < $1.start }
        var merged: [Interval] = []
        for interval in sorted {
            if let last = merged.last, interval.start <= last.end {
                merged[merged.count - 1].end = max(last.end, interval.end)
            } else {
                merged.append(interval)
            }
        }
        self.intervals = merged
    }

    /// Total seconds covered.
    public var total: TimeInterval { intervals.reduce(0) { $0 + $1.duration } }

    /// The union with `other`.
    public func union(_ other: IntervalSet) -> IntervalSet { IntervalSet(intervals + other.intervals) }

    /// The parts inside `[from, to)`.
    public func clipped(to from: Date, _ to: Date) -> IntervalSet {
        IntervalSet(intervals.compactMap { interval in
            let start = max(interval.start, from), end = min(interval.end, to)
            return end > start ? Interval(start, end) : nil
        })
    }

    /// The parts not covered by `other`.
    public func subtracting(_ other: IntervalSet) -> IntervalSet {
        var result: [Interval] = []
        var index = 0
        let cuts = other.intervals
        for interval in intervals {
            var start = interval.start
            while index < cuts.count && cuts[index].end <= start { index += 1 }
            var probe = index
            while probe < cuts.count && cuts[probe].start < interval.end {
                if cuts[probe].start > start { result.append(Interval(start, cuts[probe].start)) }
                start = max(start, cuts[probe].end)
                probe += 1
            }
            if start < interval.end { result.append(Interval(start, interval.end)) }
        }
        return IntervalSet(result)
    }

    /// The parts covered by both.
    public func intersection(_ other: IntervalSet) -> IntervalSet {
        subtracting(subtracting(other))
    }
}
