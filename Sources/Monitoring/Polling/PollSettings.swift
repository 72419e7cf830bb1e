import Foundation

/// How polls and discovery sweeps talk to agents.
public struct PollSettings: Sendable, Hashable {
    /// Wait for each SNMP request attempt.
    public var requestTimeout: Duration
    /// Retransmissions after the first attempt.
    public var retries: Int
    /// The most a whole poll of one device may take; a dead device costs this once, never more.
    public var pollTimeout: Duration
    /// Probes a discovery sweep runs at once.
    public var discoveryConcurrency: Int
    /// Wait for a discovery probe (no retries).
    public var discoveryTimeout: Duration
    /// ICMP echo for reachability and latency (polls send `count` probes, sweeps one per address);
    /// `nil` turns ICMP off and leaves SNMP alone.
    public var icmp: ICMPPinger?

    /// Creates settings. ICMP is off unless a pinger is given.
    public init(requestTimeout: Duration = .seconds(2), retries: Int = 1, pollTimeout: Duration = .seconds(30),
                discoveryConcurrency: Int = 64, discoveryTimeout: Duration = .seconds(1), icmp: ICMPPinger? = nil) {
        self.requestTimeout = requestTimeout
        self.retries = max(0, retries)
        self.pollTimeout = pollTimeout
        self.discoveryConcurrency = max(1, discoveryConcurrency)
        self.discoveryTimeout = discoveryTimeout
        self.icmp = icmp
    }

    /// Reads `OCTOISP_SNMP_TIMEOUT` (seconds per attempt, default 2), `OCTOISP_SNMP_RETRIES` (1),
    /// `OCTOISP_SNMP_POLL_TIMEOUT` (seconds per device poll, 30), `OCTOISP_SNMP_DISCOVERY_CONCURRENCY` (64)
    /// and `OCTOISP_SNMP_DISCOVERY_TIMEOUT` (seconds per probe, 1); ICMP is on unless `OCTOISP_ICMP` is
    /// `off`, with `OCTOISP_ICMP_TIMEOUT` (seconds per round, 1) and `OCTOISP_ICMP_COUNT` (probes per poll, 3).
    public init(environment: [String: String]) {
        func seconds(_ name: String, _ fallback: Double) -> Duration {
            .milliseconds(Int64((environment[name].flatMap(Double.init) ?? fallback) * 1000))
        }
        self.init(requestTimeout: seconds("OCTOISP_SNMP_TIMEOUT", 2),
                  retries: environment["OCTOISP_SNMP_RETRIES"].flatMap(Int.init) ?? 1,
                  pollTimeout: seconds("OCTOISP_SNMP_POLL_TIMEOUT", 30),
                  discoveryConcurrency: environment["OCTOISP_SNMP_DISCOVERY_CONCURRENCY"].flatMap(Int.init) ?? 64,
                  discoveryTimeout: seconds("OCTOISP_SNMP_DISCOVERY_TIMEOUT", 1),
                  icmp: ["off", "false", "0", "no"].contains(environment["OCTOISP_ICMP"]?.lowercased() ?? "on") ? nil
                      : ICMPPinger(timeout: seconds("OCTOISP_ICMP_TIMEOUT", 1), count: environment["OCTOISP_ICMP_COUNT"].flatMap(Int.init) ?? 3))
    }
}

/// A poll that ran out of its time.
public struct PollTimeoutError: Error, CustomStringConvertible {
    /// The limit that passed.
    public var limit: Duration
    /// `poll timed out after …`.
    public var description: String { "poll timed out after \(limit)" }
}
