import Foundation
import NetTools
import OctoCore

/// Where a run executes.
public enum ToolOrigin: String, Sendable, Hashable, Codable, CaseIterable {
    /// A worker of the platform (queue `tools`).
    case platform
    /// The POP's agent (queue `tools-pop-<pop id>`).
    case pop
    /// The CPE itself, through TR-069 diagnostics.
    case cpe
}

/// A run's lifecycle.
public enum ToolRunStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case queued, running, succeeded, failed, cancelled

    /// Whether the run is over.
    public var finished: Bool { self == .succeeded || self == .failed || self == .cancelled }
}

/// A tool run as the history keeps it.
public struct ToolRun: Sendable, Hashable, Codable {
    public var id: UUID
    public var providerId: UUID
    public var tool: ToolKind
    public var origin: ToolOrigin
    public var popId: UUID?
    public var deviceId: UUID?
    public var customerId: UUID?
    /// What was tested, as typed (`10.0.0.1`, `example.com MX @192.0.2.53`, a URL, a CIDR).
    public var target: String
    /// The request's parameters.
    public var parameters: JSONValue
    public var status: ToolRunStatus
    public var cancelRequested: Bool
    /// The tool's result (its shape depends on the tool).
    public var result: JSONValue?
    /// A one-line summary of the result.
    public var summary: String?
    /// Why the run failed.
    public var error: String?
    /// Who asked (e-mail or key name).
    public var requestedBy: String
    /// Which process ran it.
    public var executedBy: String?
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
}

/// The body of `POST /tool-runs`: the tool, where it runs, what it is about, and the tool's own
/// request under the tool's name (`"ping": {"target": …}`).
public struct ToolRunInput: Decodable, Sendable {
    public var tool: ToolKind
    public var origin: ToolOrigin?
    public var popId: UUID?
    public var deviceId: UUID?
    public var customerId: UUID?
    public var ping: PingRequest?
    public var traceroute: TraceRequest?
    public var mtr: TraceRequest?
    public var portScan: PortScanRequest?
    public var ipScan: IPScanRequest?
    public var dns: DNSLookupRequest?
    public var http: HTTPTestRequest?
    public var speedtest: SpeedTestRequest?

    /// Creates an input.
    public init(tool: ToolKind, origin: ToolOrigin? = nil, popId: UUID? = nil, deviceId: UUID? = nil, customerId: UUID? = nil,
                ping: PingRequest? = nil, traceroute: TraceRequest? = nil, mtr: TraceRequest? = nil, portScan: PortScanRequest? = nil,
                ipScan: IPScanRequest? = nil, dns: DNSLookupRequest? = nil, http: HTTPTestRequest? = nil,
                speedtest: SpeedTestRequest? = nil) {
        self.tool = tool
        self.origin = origin
        self.popId = popId
        self.deviceId = deviceId
        self.customerId = customerId
        self.ping = ping
        self.traceroute = traceroute
        self.mtr = mtr
        self.portScan = portScan
        self.ipScan = ipScan
        self.dns = dns
        self.http = http
        self.speedtest = speedtest
    }

    /// The typed request: exactly the field named by `tool` must be present (400 naming it otherwise).
    public func request() throws -> ToolRequest {
        let given: [(ToolKind, ToolRequest?)] = [
            (.ping, ping.map(ToolRequest.ping)), (.traceroute, traceroute.map(ToolRequest.traceroute)), (.mtr, mtr.map(ToolRequest.mtr)),
            (.portScan, portScan.map(ToolRequest.portScan)), (.ipScan, ipScan.map(ToolRequest.ipScan)), (.dns, dns.map(ToolRequest.dns)),
            (.http, http.map(ToolRequest.http)), (.speedtest, speedtest.map(ToolRequest.speedtest)),
        ]
        let present = given.compactMap { $0.1 }
        guard let chosen = given.first(where: { $0.0 == tool })?.1 else {
            let name = Self.snakeCase(ToolRequest.fieldName(of: tool))
            throw OctoError.invalid(name, "\(name) is required for tool \(tool.rawValue)")
        }
        if let other = present.first(where: { $0.kind != tool }) {
            throw OctoError.invalid(Self.snakeCase(other.field), "\(Self.snakeCase(other.field)) does not belong to tool \(tool.rawValue)")
        }
        do { try chosen.validate() } catch { throw OctoError.invalid(Self.snakeCase(error.field ?? chosen.field), error.message) }
        return chosen
    }

    /// `portScan.timeoutMs` → `port_scan.timeout_ms`: fields are named as the body spells them.
    public static func snakeCase(_ path: String) -> String {
        path.split(separator: ".").map { part in
            var out = ""
            for character in part {
                if character.isUppercase { if !out.isEmpty { out.append("_") }; out += character.lowercased() } else { out.append(character) }
            }
            return out
        }.joined(separator: ".")
    }
}

extension ToolRequest {
    /// The body field that carries `kind`'s request.
    static func fieldName(of kind: ToolKind) -> String {
        switch kind {
        case .ping: "ping"
        case .traceroute: "traceroute"
        case .mtr: "mtr"
        case .portScan: "portScan"
        case .ipScan: "ipScan"
        case .dns: "dns"
        case .http: "http"
        case .speedtest: "speedtest"
        }
    }
}

/// Filters of the history.
public struct ToolRunFilter: Sendable, Hashable {
    public var deviceId: UUID?
    public var popId: UUID?
    public var customerId: UUID?
    public var tool: ToolKind?
    public var status: ToolRunStatus?
    public var origin: ToolOrigin?

    /// Creates a filter.
    public init(deviceId: UUID? = nil, popId: UUID? = nil, customerId: UUID? = nil, tool: ToolKind? = nil, status: ToolRunStatus? = nil,
                origin: ToolOrigin? = nil) {
        self.deviceId = deviceId
        self.popId = popId
        self.customerId = customerId
        self.tool = tool
        self.status = status
        self.origin = origin
    }
}
