import Foundation

/// The SNMP side of a device as the API shows it: where its agent answers, who it is, what is polled
/// how often, and how its polls went.
public struct SNMPDevice: Sendable, Codable, Hashable {
    /// The device (`devices.id`).
    public var deviceId: UUID
    /// Its POP.
    public var popId: UUID?
    /// Its name.
    public var name: String
    /// The agent's IPv4 or IPv6 address.
    public var address: String
    /// The agent's UDP port.
    public var port: Int
    /// The credential used; `nil` when none answers.
    public var credentialId: UUID?
    /// Whether the device is polled.
    public var enabled: Bool
    /// Seconds between runs, per collector (defaults merged with the device's overrides).
    public var intervals: [String: Int]
    /// The device's own overrides.
    public var intervalOverrides: [String: Int]
    /// When each collector last ran.
    public var collectedAt: [String: Date]
    /// The matching vendor profile.
    public var profile: String?
    /// Vendor.
    public var vendor: String?
    /// Operating system.
    public var os: String?
    /// Model.
    public var model: String?
    /// Software version.
    public var version: String?
    /// Serial number.
    public var serial: String?
    /// `sysObjectID.0`.
    public var sysObjectId: String?
    /// `sysDescr.0`.
    public var sysDescr: String?
    /// `sysName.0`.
    public var sysName: String?
    /// `sysLocation.0`.
    public var sysLocation: String?
    /// `sysContact.0`.
    public var sysContact: String?
    /// `sysUpTime.0` at the last poll, in hundredths of a second.
    public var uptimeTicks: Int64?
    /// `up`, `snmp_failing` (answers ICMP echo but not SNMP), `down` or `unknown`.
    public var reachability: String
    /// Since when the reachability holds.
    public var reachabilitySince: Date?
    /// When the last poll finished.
    public var lastPollAt: Date?
    /// How long it took, in milliseconds.
    public var lastPollMs: Int?
    /// Varbinds it received.
    public var lastPollVarbinds: Int?
    /// Its error (or the failed collectors), if any.
    public var lastError: String?
    /// Failed polls in a row.
    public var consecutiveFailures: Int
    /// Polls so far.
    public var polls: Int64
    /// Failed polls so far.
    public var failures: Int64
    /// Polls that ran out of time.
    public var timeouts: Int64
    /// Metric series of the device-level values (`sysUpTime`, `cpu/<label>`, …).
    public var series: [String: Int64]
    /// When discovery found it.
    public var discoveredAt: Date?
    /// Mean ICMP echo round trip of the last measurement, in milliseconds (`nil`: no reply or never measured).
    public var icmpRttMs: Double?
    /// Probes lost in the last ICMP measurement, in percent.
    public var icmpLossPercent: Double?
    /// When ICMP last measured the device.
    public var icmpCheckedAt: Date?
}

/// One interface of a device (Provider → POP → device → interface), with the metric series of its
/// octet and error counters for `/api/v1/metrics/query`.
public struct SNMPInterface: Sendable, Codable, Hashable {
    /// ifIndex.
    public var ifIndex: Int
    /// ifName, else ifDescr.
    public var name: String
    /// ifDescr.
    public var descr: String?
    /// ifAlias.
    public var alias: String?
    /// ifType.
    public var type: Int?
    /// Physical address.
    public var mac: String?
    /// MTU.
    public var mtu: Int?
    /// Bits per second.
    public var speedBps: Int64?
    /// ifAdminStatus is up.
    public var adminUp: Bool?
    /// ifOperStatus (1 up, 2 down, …).
    public var operStatus: Int?
    /// ifOperStatus as a word.
    public var status: String
    /// When the poller saw the oper status change.
    public var lastChangeAt: Date?
    /// 32 or 64.
    public var counterBits: Int
    /// Series of the input octet counter.
    public var inSeriesId: Int64?
    /// Series of the output octet counter.
    public var outSeriesId: Int64?
    /// Series of the input error counter (ifInErrors), when the device reports it.
    public var inErrorsSeriesId: Int64?
    /// Series of the output error counter (ifOutErrors), when the device reports it.
    public var outErrorsSeriesId: Int64?
    /// Last update.
    public var updatedAt: Date

    /// IF-MIB's names of ifOperStatus.
    static func statusName(_ code: Int?) -> String {
        switch code {
        case 1: "up"
        case 2: "down"
        case 3: "testing"
        case 5: "dormant"
        case 6: "not_present"
        case 7: "lower_layer_down"
        default: "unknown"
        }
    }
}

/// What the API sends to add a device by hand.
public struct SNMPDeviceInput: Sendable, Codable, Hashable {
    /// The agent's address (required).
    public var address: String?
    /// UDP port (default 161).
    public var port: Int?
    /// The POP (required).
    public var popId: UUID?
    /// A name (default: sysName, else the address).
    public var name: String?
    /// The credential to use; without one discovery's candidates are tried when the device is identified.
    public var credentialId: UUID?
    /// Interval overrides.
    public var intervals: [String: Int]?

    /// Creates an input.
    public init(address: String? = nil, port: Int? = nil, popId: UUID? = nil, name: String? = nil, credentialId: UUID? = nil,
                intervals: [String: Int]? = nil) {
        self.address = address
        self.port = port
        self.popId = popId
        self.name = name
        self.credentialId = credentialId
        self.intervals = intervals
    }
}

/// What the API sends to change a device's polling.
public struct SNMPDeviceSettings: Sendable, Codable, Hashable {
    /// Poll or not.
    public var enabled: Bool?
    /// Interval overrides; replaces the previous ones.
    public var intervals: [String: Int]?
    /// Another credential.
    public var credentialId: UUID?
    /// Another UDP port.
    public var port: Int?

    /// Creates settings.
    public init(enabled: Bool? = nil, intervals: [String: Int]? = nil, credentialId: UUID? = nil, port: Int? = nil) {
        self.enabled = enabled
        self.intervals = intervals
        self.credentialId = credentialId
        self.port = port
    }
}
