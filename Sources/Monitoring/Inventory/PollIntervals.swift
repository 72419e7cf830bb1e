import Foundation
import OctoCore

/// How often each collector runs on a device: the defaults (5 minutes, interfaces 1 minute) with the
/// device's overrides. A collector is due once per interval-aligned bucket of time, so a device polled
/// every minute by a scheduler that fires every minute never skips a bucket or polls one twice.
public struct PollIntervals: Sendable, Hashable, Codable {
    /// Seconds per collector when the device sets none.
    public static let defaults: [CollectorKind: Int] = [.system: 300, .health: 300, .interfaces: 60, .optics: 300,
                                                        .neighbors: 900, .bgp: 300, .sessions: 300]
    /// The shortest interval accepted (the scheduler fires once a minute).
    public static let minimum = 60
    /// The longest interval accepted (one day).
    public static let maximum = 86_400

    /// The device's overrides, in seconds.
    public var overrides: [CollectorKind: Int]

    /// Creates intervals from overrides.
    public init(overrides: [CollectorKind: Int] = [:]) {
        self.overrides = overrides
    }

    /// Parses the stored `{"interfaces": 60}` object; unknown collectors are ignored.
    init(stored: [String: Int]) {
        var overrides: [CollectorKind: Int] = [:]
        for (key, value) in stored { if let kind = CollectorKind(rawValue: key) { overrides[kind] = value } }
        self.overrides = overrides
    }

    /// The stored form.
    var stored: [String: Int] { Dictionary(uniqueKeysWithValues: overrides.map { ($0.key.rawValue, $0.value) }) }

    /// Seconds between runs of `collector`.
    public func interval(_ collector: CollectorKind) -> Int {
        overrides[collector] ?? Self.defaults[collector] ?? 300
    }

    /// Every collector's effective interval, keyed by name.
    public var effective: [String: Int] {
        Dictionary(uniqueKeysWithValues: CollectorKind.allCases.map { ($0.rawValue, interval($0)) })
    }

    /// The collectors due at `now`, given when each last ran (seconds since the epoch).
    public func due(at now: Date, lastRun: [CollectorKind: Int64]) -> Set<CollectorKind> {
        let seconds = Int64(now.timeIntervalSince1970.rounded(.down))
        var due = Set<CollectorKind>()
        for collector in CollectorKind.allCases {
            let every = Int64(interval(collector))
            guard let last = lastRun[collector] else { due.insert(collector); continue }
            if seconds / every > last / every { due.insert(collector) }
        }
        return due
    }

    /// Checks every override is a known collector within ``minimum``…``maximum`` seconds.
    public static func validate(_ input: [String: Int]) throws -> PollIntervals {
        var overrides: [CollectorKind: Int] = [:]
        for (key, value) in input {
            guard let kind = CollectorKind(rawValue: key) else {
                throw OctoError.invalid("intervals", "unknown collector '\(key)'; known: \(CollectorKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard (minimum...maximum).contains(value) else {
                throw OctoError.invalid("intervals", "\(key): interval must be within \(minimum)…\(maximum) seconds")
            }
            overrides[kind] = value
        }
        return PollIntervals(overrides: overrides)
    }
}
