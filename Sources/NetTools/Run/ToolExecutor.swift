import Foundation

/// A piece of live output: a ping probe, an MTR round, an open port, a host found.
public struct ToolEvent: Sendable, Hashable, Codable {
    /// `probe`, `path`, `port`, `host`, `progress`.
    public var kind: String
    public var probe: PingProbe?
    public var path: PathReport?
    public var port: PortResult?
    public var host: HostResult?
    public var progress: SpeedTestProgress?

    /// A ping probe.
    public static func probe(_ value: PingProbe) -> ToolEvent { ToolEvent(kind: "probe", probe: value) }
    /// A path after a round, without the per-round samples (the chart adds `lastMs` round by round).
    public static func path(_ value: PathReport) -> ToolEvent {
        var light = value
        light.hops = light.hops.map { hop in var hop = hop; hop.samples = []; return hop }
        return ToolEvent(kind: "path", path: light)
    }
    /// A port that is not closed.
    public static func port(_ value: PortResult) -> ToolEvent { ToolEvent(kind: "port", port: value) }
    /// A host that answered.
    public static func host(_ value: HostResult) -> ToolEvent { ToolEvent(kind: "host", host: value) }
    /// The bytes a speed test moved so far.
    public static func progress(_ value: SpeedTestProgress) -> ToolEvent { ToolEvent(kind: "progress", progress: value) }
}

/// The final result of a run, one shape per tool.
public enum ToolResult: Sendable, Hashable {
    case ping(target: String, statistics: PingStatistics, probes: [PingProbe])
    case path(PathReport)
    case portScan(PortScanSummary)
    case ipScan(IPScanSummary)
    case dns(DNSLookupResult)
    case http(HTTPTestResult)
    case speedTest(SpeedTestResult)

    /// JSON of the result, snake_case keys.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        switch self {
        case .ping(let target, let statistics, let probes):
            return try encoder.encode(PingResult(target: target, statistics: statistics, probes: probes))
        case .path(let report): return try encoder.encode(report)
        case .portScan(let summary): return try encoder.encode(summary)
        case .ipScan(let summary): return try encoder.encode(summary)
        case .dns(let result): return try encoder.encode(result)
        case .http(let result): return try encoder.encode(result)
        case .speedTest(let result): return try encoder.encode(result)
        }
    }

    /// Whether the tool reached what it tested (a reply, an answer, a status); the history's `succeeded`.
    public var succeeded: Bool {
        switch self {
        case .ping(_, let statistics, _): statistics.received > 0
        case .path(let report): report.reachedDestination
        case .portScan, .ipScan: true
        case .dns(let result): result.rcode == "NOERROR"
        case .http(let result): result.status != nil
        case .speedTest(let result): result.testBytes > 0
        }
    }

    /// A one-line summary for lists and CSV.
    public var summary: String {
        switch self {
        case .ping(_, let s, _):
            "\(s.received)/\(s.sent) replies, \(s.lossPercent)% loss" + (s.avgMs.map { ", avg \($0) ms" } ?? "")
        case .path(let report):
            "\(report.hops.count) hops" + (report.reachedDestination ? "" : ", destination not reached")
                + (report.hops.last?.avgMs.map { ", last hop avg \($0) ms" } ?? "")
        case .portScan(let summary):
            "\(summary.open) open, \(summary.closed) closed, \(summary.filtered) filtered of \(summary.scanned)"
        case .ipScan(let summary): "\(summary.hosts.count) of \(summary.scanned) hosts answered"
        case .dns(let result): "\(result.rcode), \(result.answers.count) answers in \(result.queryTimeMs) ms"
        case .http(let result):
            result.status.map { "HTTP \($0), \(result.bodyBytes) bytes in \(result.timing.totalMs) ms" } ?? "failed at \(result.failedAt ?? "?"): \(result.error ?? "")"
        case .speedTest(let result):
            "\(result.direction.rawValue) \(result.throughputMbps) Mbit/s, \(result.testBytes) bytes in \(result.durationMs) ms"
        }
    }
}

/// What a continuous ping returns.
public struct PingResult: Sendable, Hashable, Codable {
    public var target: String
    public var statistics: PingStatistics
    public var probes: [PingProbe]
}

/// Runs any tool request: resolves the target, asks the policy, runs the tool, streams its events.
public struct ToolExecutor: Sendable {
    /// Checks targets after resolution.
    public var policy: any TargetPolicy

    /// Creates an executor.
    public init(policy: any TargetPolicy) {
        self.policy = policy
    }

    /// The first IPv4 address of `host`, once the policy allowed it.
    func checkedIPv4(_ host: String, field: String) async throws -> IPv4Address {
        let address: IPv4Address
        do { address = try await Resolver.ipv4(host) } catch let error as NetToolError {
            throw NetToolError(error.code, error.message, field: field)
        }
        try await policy.check(address: address.description, field: field)
        return address
    }

    /// Validates `request` and checks its targets against the policy without sending anything to
    /// them: what the API does before it stores a run. With `resolving` false, a target given as a
    /// host name is left for the check where the run executes (the API process then makes no DNS query).
    public func preflight(_ request: ToolRequest, resolving: Bool = true) async throws {
        try request.validate()
        let field = request.field
        func host(_ name: String, _ subfield: String) async throws {
            guard resolving || IPNetwork.bytes(of: name) != nil else { return }
            _ = try await checkedIPv4(name, field: "\(field).\(subfield)")
        }
        switch request {
        case .ping(let ping): try await host(ping.target, "target")
        case .traceroute(let trace), .mtr(let trace): try await host(trace.target, "target")
        case .portScan(let scan): try await host(scan.target, "target")
        case .ipScan(let scan):
            guard let network = IPNetwork(try scan.range().description) else { return }
            try await policy.check(network: network, field: "\(field).cidr")
            if let server = scan.dnsServer { try await policy.check(address: IPNetwork.text(of: try DNSServerAddress(server).address), field: "\(field).dns_server") }
        case .dns(let lookup):
            if let server = lookup.server { try await policy.check(address: IPNetwork.text(of: try DNSServerAddress(server).address), field: "\(field).server") }
        case .http(let test):
            let target = try test.parsedURL()
            if IPNetwork.bytes(of: target.host) != nil {
                try await policy.check(address: target.host, field: "\(field).url")
            } else if resolving {
                let addresses: [String]
                do { addresses = try await Resolver.resolve(target.host).addresses } catch let error as NetToolError {
                    throw NetToolError(error.code, error.message, field: "\(field).url")
                }
                guard let first = addresses.first else { throw NetToolError(.resolutionFailed, "\(target.host) has no address", field: "\(field).url") }
                try await policy.check(address: first, field: "\(field).url")
            }
        case .speedtest:
            // Its only peer is the platform's own file server.
            break
        }
    }

    /// Validates and runs `request`; `emit` gets the live output.
    public func run(_ request: ToolRequest, cancellation: ToolCancellation = ToolCancellation(),
                    emit: @escaping @Sendable (ToolEvent) -> Void) async throws -> ToolResult {
        try request.validate()
        let field = request.field
        func ipv4Target(_ host: String) async throws -> IPv4Address { try await checkedIPv4(host, field: "\(field).target") }
        switch request {
        case .ping(let ping):
            let address = try await ipv4Target(ping.target)
            let probes = ProbeLog()
            let stats = try await ContinuousPing(ping).run(to: address, cancellation: cancellation) { probe in
                probes.append(probe)
                emit(.probe(probe))
            }
            return .ping(target: address.description, statistics: stats, probes: probes.values)
        case .traceroute(let trace), .mtr(let trace):
            let address = try await ipv4Target(trace.target)
            return .path(try await PathProber(trace).run(to: address, cancellation: cancellation) { emit(.path($0)) })
        case .portScan(let scan):
            let address = try await ipv4Target(scan.target)
            return .portScan(try await PortScanner(scan).run(to: address, cancellation: cancellation) { emit(.port($0)) })
        case .ipScan(let scan):
            let range = try scan.range()
            guard let network = IPNetwork(range.description) else { throw NetToolError(.invalidRequest, "bad cidr", field: "\(field).cidr") }
            try await policy.check(network: network, field: "\(field).cidr")
            if let server = scan.dnsServer { try await policy.check(address: IPNetwork.text(of: try DNSServerAddress(server).address), field: "\(field).dns_server") }
            return .ipScan(try await AddressSweep(scan).run(cancellation: cancellation) { emit(.host($0)) })
        case .dns(let lookup):
            if let server = lookup.server {
                try await policy.check(address: IPNetwork.text(of: try DNSServerAddress(server).address), field: "\(field).server")
            }
            return .dns(try await DNSClient().lookup(lookup))
        case .http(let test):
            let target = try test.parsedURL()
            if IPNetwork.bytes(of: target.host) != nil { try await policy.check(address: target.host, field: "\(field).url") }
            let policy = self.policy
            let probe = HTTPProbe(test, addressCheck: { address in try await policy.check(address: address, field: "\(field).url") })
            return .http(try await probe.run(cancellation: cancellation))
        case .speedtest:
            throw NetToolError(.invalidRequest, "a speed test runs from a CPE (TR-069 diagnostics)", field: "origin")
        }
    }
}

/// Collects ping probes across threads.
final class ProbeLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [PingProbe] = []
    func append(_ probe: PingProbe) { lock.withLock { items.append(probe) } }
    var values: [PingProbe] { lock.withLock { items } }
}
