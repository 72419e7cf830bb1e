/// What a series of round trips measured: loss, min/avg/max, mean deviation (as `ping`'s `mdev`:
/// the standard deviation) and jitter (the mean absolute difference of consecutive replies).
public struct PingStatistics: Sendable, Hashable, Codable {
    /// Probes sent.
    public var sent: Int
    /// Replies received.
    public var received: Int
    /// Lost probes in percent.
    public var lossPercent: Double
    /// Shortest round trip (ms).
    public var minMs: Double?
    /// Mean round trip (ms).
    public var avgMs: Double?
    /// Longest round trip (ms).
    public var maxMs: Double?
    /// Standard deviation of the round trips (ms).
    public var mdevMs: Double?
    /// Mean absolute difference between consecutive round trips (ms).
    public var jitterMs: Double?

    /// The statistics of `rtts` (`nil` entries are lost probes), in the order they were sent.
    public init(rtts: [Double?]) {
        let values = rtts.compactMap { $0 }
        sent = rtts.count
        received = values.count
        lossPercent = sent == 0 ? 0 : Durations.rounded(Double(sent - received) * 100 / Double(sent), 100)
        guard !values.isEmpty else { return }
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        minMs = Durations.rounded(values.min()!)
        maxMs = Durations.rounded(values.max()!)
        avgMs = Durations.rounded(mean)
        mdevMs = Durations.rounded(variance.squareRoot())
        if values.count > 1 {
            let differences = zip(values.dropFirst(), values).map { abs($0 - $1) }
            jitterMs = Durations.rounded(differences.reduce(0, +) / Double(differences.count))
        }
    }
}
