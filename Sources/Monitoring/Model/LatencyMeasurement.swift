/// Reachability and round-trip time of a device measured during a poll, by ICMP echo or, when no
/// ICMP socket may be opened, by one timed SNMP GET.
public struct LatencyMeasurement: Sendable, Hashable, Codable {
    /// How it was measured.
    public enum Method: String, Sendable, Hashable, Codable {
        /// ICMP echo (``ICMPPinger``).
        case icmp
        /// A GET of sysUpTime.0 (``SNMPDevicePoller/ping(_:)``).
        case snmp
    }

    /// How it was measured.
    public var method: Method
    /// Mean round trip in milliseconds; `nil` when nothing answered.
    public var rttMs: Double?
    /// Probes lost, in percent (0…100).
    public var lossPercent: Double

    /// Creates a measurement.
    public init(method: Method, rttMs: Double?, lossPercent: Double) {
        self.method = method
        self.rttMs = rttMs
        self.lossPercent = lossPercent
    }

    /// The ICMP result as a measurement.
    public init(_ echo: ICMPPingResult) {
        self.init(method: .icmp, rttMs: echo.avgMs, lossPercent: echo.lossPercent)
    }

    /// At least one probe answered.
    public var answered: Bool { lossPercent < 100 }

    /// The metric series keys and samples: `rtt` (ms, when answered) and `packetLoss` (percent),
    /// labelled with the method.
    var series: [(key: String, metric: String, unit: String, value: Double)] {
        var series: [(key: String, metric: String, unit: String, value: Double)] = []
        if let rttMs { series.append(("rtt/\(method.rawValue)", "rtt", "ms", rttMs)) }
        series.append(("packetLoss/\(method.rawValue)", "packetLoss", "percent", lossPercent))
        return series
    }
}
