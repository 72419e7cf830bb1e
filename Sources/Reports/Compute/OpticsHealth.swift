import Foundation
import OctoCore

/// How an ONU's received power behaved over a period.
public struct OpticsHealth: Sendable, Hashable {
    /// Verdicts.
    public enum Status: String, Sendable, Hashable, Codable {
        /// Inside the window and stable.
        case ok
        /// Inside the window but the last day's mean fell by at least `degradation` dB against the first day's.
        case degrading
        /// The last reading is outside the window.
        case outOfRange = "out_of_range"
        /// No reading in the period.
        case noData = "no_data"
    }

    /// Mean of the first day, dBm.
    public var firstDayMean: Double?
    /// Mean of the last day, dBm.
    public var lastDayMean: Double?
    /// Lowest reading.
    public var lowest: Double?
    /// Last reading.
    public var last: Double?

    /// Creates the figures.
    public init(firstDayMean: Double?, lastDayMean: Double?, lowest: Double?, last: Double?) {
        self.firstDayMean = firstDayMean
        self.lastDayMean = lastDayMean
        self.lowest = lowest
        self.last = last
    }

    /// dB lost from the first to the last day (positive: weaker).
    public var drop: Double? {
        guard let firstDayMean, let lastDayMean else { return nil }
        return firstDayMean - lastDayMean
    }

    /// The verdict against `thresholds`; a drop of `degradation` dB or more is degrading.
    public func status(_ thresholds: OpticalThresholds, degradation: Double = 2) -> Status {
        guard let last else { return .noData }
        if last < thresholds.rxMin || last > thresholds.rxMax { return .outOfRange }
        if let drop, drop >= degradation { return .degrading }
        return .ok
    }

    /// The OLT port of an ONU from its label (`gpon-onu_1/2/1:5` → `1/2/1`, `0/1/3 ONT 12` → `0/1/3`),
    /// else the table index without its last arc (`268501248.5` → `268501248`).
    public static func port(label: String?, index: String) -> String {
        if let label {
            if let range = label.range(of: #"\d+/\d+/\d+"#, options: .regularExpression) { return String(label[range]) }
            if let range = label.range(of: #"\d+/\d+"#, options: .regularExpression) { return String(label[range]) }
        }
        guard let dot = index.lastIndex(of: ".") else { return index }
        return String(index[..<dot])
    }
}
