import Foundation
import OctoCore

/// How the values of a series behave.
public enum MetricKind: String, Codable, Sendable, CaseIterable {
    /// A monotonically increasing counter (octets, packets); charts show its rate.
    case counter
    /// An instantaneous value (temperature, CPU, optical power).
    case gauge
}

/// A time series: one metric of one device, told apart from its siblings by labels (e.g. `ifIndex`).
public struct MetricSeries: Codable, Sendable, Hashable {
    /// Identifier used by ingest, queries and realtime topics (`metrics/<id>`).
    public var id: Int64
    /// The owning provider.
    public var providerId: UUID
    /// The device the values come from.
    public var deviceId: UUID
    /// Metric name, e.g. `ifHCInOctets`, `sysUpTime`, `cpu`.
    public var metric: String
    /// Labels that tell series of one device and metric apart.
    public var labels: [String: String]
    /// Unit of the values, e.g. `octets`, `celsius`, `dBm`.
    public var unit: String
    /// Counter or gauge.
    public var kind: MetricKind
    /// Width of a counter (32 or 64 bits), for wrap detection.
    public var counterBits: Int
    /// Largest plausible rate in value units per second (e.g. interface speed in octets/s); rates are
    /// clamped to it and drops too big to be a wrap at this rate are resets.
    public var maxRate: Double?

    /// Creates a series value.
    public init(id: Int64, providerId: UUID, deviceId: UUID, metric: String, labels: [String: String], unit: String,
                kind: MetricKind, counterBits: Int, maxRate: Double?) {
        self.id = id
        self.providerId = providerId
        self.deviceId = deviceId
        self.metric = metric
        self.labels = labels
        self.unit = unit
        self.kind = kind
        self.counterBits = counterBits
        self.maxRate = maxRate
    }
}

/// What registers a series; registering the same device, metric and labels again returns the existing one.
public struct MetricSeriesInput: Codable, Sendable {
    /// The device.
    public var deviceId: UUID
    /// Metric name.
    public var metric: String
    /// Labels.
    public var labels: [String: String]
    /// Unit.
    public var unit: String
    /// Counter or gauge.
    public var kind: MetricKind
    /// 32 or 64 for counters.
    public var counterBits: Int
    /// Largest plausible rate in units per second.
    public var maxRate: Double?

    /// Creates the input.
    public init(deviceId: UUID, metric: String, labels: [String: String] = [:], unit: String = "", kind: MetricKind,
                counterBits: Int = 64, maxRate: Double? = nil) {
        self.deviceId = deviceId
        self.metric = metric
        self.labels = labels
        self.unit = unit
        self.kind = kind
        self.counterBits = counterBits
        self.maxRate = maxRate
    }

    /// Checks the input, throwing ``OctoError`` with the field at fault.
    public func validate() throws(OctoError) {
        if metric.isEmpty || metric.count > 200 { throw OctoError.invalid("metric", "metric must have 1 to 200 characters") }
        if unit.count > 50 { throw OctoError.invalid("unit", "unit must have at most 50 characters") }
        if counterBits != 32 && counterBits != 64 { throw OctoError.invalid("counter_bits", "counter_bits must be 32 or 64") }
        if let maxRate, !(maxRate > 0 && maxRate.isFinite) { throw OctoError.invalid("max_rate", "max_rate must be positive") }
    }
}

/// One observation of a series.
public struct MetricSample: Codable, Sendable, Hashable {
    /// The series.
    public var seriesId: Int64
    /// When it was observed (stored rounded to the millisecond).
    public var at: Date
    /// The value.
    public var value: Double

    /// Creates a sample.
    public init(seriesId: Int64, at: Date, value: Double) {
        self.seriesId = seriesId
        self.at = at
        self.value = value
    }

    /// Milliseconds since 1970, the stored form of ``at``.
    public var atMilliseconds: Int64 { Int64((at.timeIntervalSince1970 * 1000).rounded()) }
}
