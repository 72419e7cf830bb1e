import Foundation
import NetTools

/// The TR-069 diagnostics behind a CPE-origin run: the parameters that ask the CPE for an
/// `IPPingDiagnostics` / `IPPing` (TR-098 / TR-181) or `TraceRouteDiagnostics` / `TraceRoute`, and the
/// reading of its results once the CPE reported `8 DIAGNOSTICS COMPLETE`. No I/O.
public enum CPEDiagnostics {
    /// The command key of the SetParameterValues task that requests a run's diagnostics (the run
    /// keeps the task's id).
    public static let requestKey = "diag-request"
    /// The command-key prefix of the GetParameterValues task that reads results back.
    public static let readbackPrefix = "diag-result"

    /// The diagnostics object of `kind` under `root` (`InternetGatewayDevice.` or `Device.`).
    public static func object(_ kind: ToolKind, root: String) -> String? {
        let tr181 = root == "Device."
        switch kind {
        case .ping: return tr181 ? "Device.IP.Diagnostics.IPPing." : "\(root)IPPingDiagnostics."
        case .traceroute: return tr181 ? "Device.IP.Diagnostics.TraceRoute." : "\(root)TraceRouteDiagnostics."
        default: return nil
        }
    }

    /// Every diagnostics object a read-back asks for.
    public static func objects(root: String) -> [String] {
        [ToolKind.ping, .traceroute].compactMap { object($0, root: root) }
    }

    /// The values that start `request` on the CPE (DiagnosticsState last, as TR-069 asks).
    public static func parameters(for request: ToolRequest, root: String) -> [(name: String, value: String, type: String)]? {
        switch request {
        case .ping(let ping):
            guard let object = object(.ping, root: root) else { return nil }
            return [("\(object)Host", ping.target, "xsd:string"),
                    ("\(object)NumberOfRepetitions", "\(ping.count)", "xsd:unsignedInt"),
                    ("\(object)Timeout", "\(ping.timeoutMs)", "xsd:unsignedInt"),
                    ("\(object)DataBlockSize", "\(max(1, ping.payloadBytes))", "xsd:unsignedInt"),
                    ("\(object)DiagnosticsState", "Requested", "xsd:string")]
        case .traceroute(let trace):
            guard let object = object(.traceroute, root: root) else { return nil }
            return [("\(object)Host", trace.target, "xsd:string"),
                    ("\(object)NumberOfTries", "\(min(trace.rounds, 3))", "xsd:unsignedInt"),
                    ("\(object)Timeout", "\(trace.timeoutMs)", "xsd:unsignedInt"),
                    ("\(object)MaxHopCount", "\(trace.maxHops)", "xsd:unsignedInt"),
                    ("\(object)DiagnosticsState", "Requested", "xsd:string")]
        default:
            return nil
        }
    }

    /// Why the CPE's diagnostics did not complete, or `nil` when its state is `Complete`.
    public static func failure(_ kind: ToolKind, root: String, values: [String: String]) -> String? {
        guard let object = object(kind, root: root) else { return "not a CPE diagnostic" }
        let state = values["\(object)DiagnosticsState"] ?? ""
        return state == "Complete" ? nil : "the CPE reported DiagnosticsState \(state.isEmpty ? "(none)" : state)"
    }

    /// The result of a completed diagnostic of `kind` read from the CPE's `values`.
    public static func result(_ kind: ToolKind, target: String, root: String, values: [String: String]) -> ToolResult? {
        guard let object = object(kind, root: root) else { return nil }
        func number(_ name: String) -> Double? { values["\(object)\(name)"].flatMap(Double.init) }
        switch kind {
        case .ping:
            let success = Int(number("SuccessCount") ?? 0)
            let failure = Int(number("FailureCount") ?? 0)
            let sent = success + failure
            var statistics = PingStatistics(rtts: [])
            statistics.sent = sent
            statistics.received = success
            statistics.lossPercent = sent == 0 ? 0 : (Double(failure) * 10_000 / Double(sent)).rounded() / 100
            if success > 0 {
                statistics.minMs = number("MinimumResponseTime")
                statistics.avgMs = number("AverageResponseTime")
                statistics.maxMs = number("MaximumResponseTime")
            }
            return .ping(target: target, statistics: statistics, probes: [])
        case .traceroute:
            let tr181 = root == "Device."
            let count = Int(number("RouteHopsNumberOfEntries") ?? 0)
            var hops: [HopStatistics] = []
            for index in 1...max(1, count) where count > 0 {
                let hop = "RouteHops.\(index)."
                let address = values["\(object)\(hop)\(tr181 ? "HostAddress" : "HopHostAddress")"].flatMap { $0.isEmpty ? nil : $0 }
                let times = (values["\(object)\(hop)\(tr181 ? "RTTimes" : "HopRTTTimes")"] ?? "")
                    .split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
                let stats = PingStatistics(rtts: times.map { Optional($0) })
                hops.append(HopStatistics(hop: index, address: address, addresses: address.map { [$0] } ?? [], sent: times.count,
                                          received: times.count, lossPercent: 0, lastMs: times.last, avgMs: stats.avgMs, bestMs: stats.minMs,
                                          worstMs: stats.maxMs, stdevMs: stats.mdevMs, samples: times.map { Optional($0) }))
            }
            let reached = hops.last?.address == target
            return .path(PathReport(target: target, round: 1, reachedDestination: reached, hops: hops))
        default:
            return nil
        }
    }
}
