import Alerts
import Foundation

/// Availability of one device over a period from its recorded reachability states.
///
/// - `down` is unavailable; `up` and `snmp_failing` (answers ICMP echo) are available; `unknown`, and
///   the time before the first recorded state, is not measured.
/// - Maintenance windows are excluded from the measured time; a down state inside one is not counted.
/// - uptime % = (measured − counted down) / measured.
public struct Availability: Sendable, Hashable {
    /// A reachability state from `at` on.
    public struct Change: Sendable, Hashable {
        /// When the state began.
        public var at: Date
        /// `up`, `snmp_failing`, `down` or `unknown`.
        public var state: String
        /// Creates a change.
        public init(at: Date, state: String) {
            self.at = at
            self.state = state
        }
    }

    /// One outage: a span the device was down, clipped to the period.
    public struct Outage: Sendable, Hashable {
        /// Start (the period start when the outage began earlier).
        public var start: Date
        /// End (the period end when it was still down).
        public var end: Date
        /// Seconds counted against availability (the outage minus maintenance).
        public var countedSeconds: TimeInterval
        /// The device was still down at the end of the period.
        public var ongoing: Bool
        /// Seconds.
        public var seconds: TimeInterval { end.timeIntervalSince(start) }
    }

    /// Seconds in the period.
    public var periodSeconds: TimeInterval
    /// Seconds inside maintenance windows.
    public var maintenanceSeconds: TimeInterval
    /// Seconds without a known state (outside maintenance).
    public var unknownSeconds: TimeInterval
    /// Seconds measured: period − maintenance − unknown.
    public var measuredSeconds: TimeInterval
    /// Down seconds counted (outside maintenance).
    public var downSeconds: TimeInterval
    /// The outages, oldest first.
    public var outages: [Outage]
    /// The counted down spans (for unions across devices).
    public var downSet: IntervalSet
    /// The unmeasured spans (unknown state), maintenance excluded.
    public var unknownSet: IntervalSet
    /// The maintenance spans inside the period.
    public var maintenanceSet: IntervalSet

    /// Percent available; `nil` when nothing was measured.
    public var uptimePercent: Double? {
        measuredSeconds > 0 ? (measuredSeconds - downSeconds) / measuredSeconds * 100 : nil
    }

    /// Mean counted duration of the outages that ended within the period (mean time to repair).
    public var mttrSeconds: TimeInterval? {
        let ended = outages.filter { !$0.ongoing }
        return ended.isEmpty ? nil : ended.reduce(0) { $0 + $1.countedSeconds } / Double(ended.count)
    }

    /// Computes a device's availability over `[from, to)`. `initial` is the last state recorded before
    /// `from` (nil: none); `changes` are the states recorded in the period, in any order.
    public static func compute(from: Date, to: Date, initial: String?, changes: [Change], maintenance: IntervalSet) -> Availability {
        let sorted = changes.filter { $0.at >= from && $0.at < to }.sorted { $0.at < $1.at }
        var down: [IntervalSet.Interval] = [], unknown: [IntervalSet.Interval] = []
        var state = initial ?? "unknown", since = from
        func close(_ end: Date) {
            guard end > since else { return }
            if state == "down" { down.append(.init(since, end)) }
            if state == "unknown" { unknown.append(.init(since, end)) }
        }
        for change in sorted where change.state != state {
            close(change.at)
            state = change.state
            since = change.at
        }
        close(to)
        let window = maintenance.clipped(to: from, to)
        let downSet = IntervalSet(down)
        let counted = downSet.subtracting(window)
        let unknownSet = IntervalSet(unknown).subtracting(window)
        let outages = downSet.intervals.map { span in
            Outage(start: span.start, end: span.end, countedSeconds: IntervalSet([span]).subtracting(window).total,
                   ongoing: span.end == to && state == "down")
        }
        let period = to.timeIntervalSince(from)
        return Availability(periodSeconds: period, maintenanceSeconds: window.total, unknownSeconds: unknownSet.total,
                            measuredSeconds: period - window.total - unknownSet.total, downSeconds: counted.total,
                            outages: outages, downSet: counted, unknownSet: unknownSet, maintenanceSet: window)
    }

    /// Several devices seen as one service (a customer with two access links): down when any of them is
    /// down, so overlapping outages count once; unmeasured only when all are; maintenance of any excluded.
    public static func union(_ devices: [Availability], from: Date, to: Date) -> Availability {
        guard let first = devices.first else {
            return compute(from: from, to: to, initial: nil, changes: [], maintenance: IntervalSet())
        }
        let maintenance = devices.dropFirst().reduce(first.maintenanceSet) { $0.union($1.maintenanceSet) }
        let down = devices.dropFirst().reduce(first.downSet) { $0.union($1.downSet) }.subtracting(maintenance)
        let unknown = devices.dropFirst().reduce(first.unknownSet) { $0.intersection($1.unknownSet) }.subtracting(maintenance).subtracting(down)
        let period = to.timeIntervalSince(from)
        let ongoing = devices.contains { $0.outages.last?.ongoing == true }
        let outages = down.intervals.map { span in
            Outage(start: span.start, end: span.end, countedSeconds: span.duration, ongoing: ongoing && span.end == to)
        }
        return Availability(periodSeconds: period, maintenanceSeconds: maintenance.total, unknownSeconds: unknown.total,
                            measuredSeconds: period - maintenance.total - unknown.total, downSeconds: down.total,
                            outages: outages, downSet: down, unknownSet: unknown, maintenanceSet: maintenance)
    }
}

/// Device-time weighted availability of many devices (a POP, a group, the provider).
public struct AvailabilityTotal: Sendable, Hashable {
    /// Devices counted.
    public var devices = 0
    /// Σ measured seconds.
    public var measuredSeconds: TimeInterval = 0
    /// Σ counted down seconds.
    public var downSeconds: TimeInterval = 0
    /// Number of outages.
    public var outages = 0
    /// Σ durations of ended outages, and how many, for the MTTR.
    public var repairSeconds: TimeInterval = 0
    /// Ended outages.
    public var repaired = 0

    /// An empty total.
    public init() {}

    /// Adds a device.
    public mutating func add(_ availability: Availability) {
        devices += 1
        measuredSeconds += availability.measuredSeconds
        downSeconds += availability.downSeconds
        outages += availability.outages.count
        for outage in availability.outages where !outage.ongoing {
            repairSeconds += outage.countedSeconds
            repaired += 1
        }
    }

    /// Percent available; `nil` when nothing was measured.
    public var uptimePercent: Double? { measuredSeconds > 0 ? (measuredSeconds - downSeconds) / measuredSeconds * 100 : nil }
    /// Mean time to repair.
    public var mttrSeconds: TimeInterval? { repaired > 0 ? repairSeconds / Double(repaired) : nil }
}

extension MaintenanceWindow {
    /// The occurrences of this window that overlap `[from, to)`.
    public func occurrences(from: Date, to: Date) -> [IntervalSet.Interval] {
        let length = endsAt.timeIntervalSince(startsAt)
        guard let recurrence else {
            return endsAt > from && startsAt < to ? [.init(startsAt, endsAt)] : []
        }
        let period: TimeInterval = recurrence == .daily ? 86_400 : 604_800
        var index = max(0, ((from.timeIntervalSince(startsAt) - length) / period).rounded(.down))
        var result: [IntervalSet.Interval] = []
        while true {
            let start = startsAt.addingTimeInterval(index * period)
            if start >= to { break }
            if let until, start > until { break }
            let end = start.addingTimeInterval(length)
            if end > from { result.append(.init(start, end)) }
            index += 1
        }
        return result
    }
}
