import Foundation
import NetTools
import OctoCore

/// The TR-069 diagnostics behind a CPE-origin run: the parameters that ask the CPE for an
/// `IPPingDiagnostics` / `IPPing` (TR-098 / TR-181), `TraceRouteDiagnostics` / `TraceRoute`, or the
/// TR-143 `DownloadDiagnostics` / `UploadDiagnostics`, and the reading of its results once the CPE
/// reported `8 DIAGNOSTICS COMPLETE`. No I/O.
public enum CPEDiagnostics {
    /// The command key of the SetParameterValues task that requests a run's diagnostics (the run
    /// keeps the task's id).
    public static let requestKey = "diag-request"
    /// The command-key prefix of the GetParameterValues task that reads results back.
    public static let readbackPrefix = "diag-result"

    /// Where a speed test's URL starts in the stored task: the ACS puts its file server's address and
    /// the provider's path there when it sends the task (`<base>/cwmp-speedtest/<provider slug>`).
    public static let transferBasePlaceholder = "{cwmp-speedtest}"

    /// The diagnostics object of `request` under `root` (`InternetGatewayDevice.` or `Device.`).
    public static func object(_ request: ToolRequest, root: String) -> String? {
        let tr181 = root == "Device."
        switch request {
        case .ping: return tr181 ? "Device.IP.Diagnostics.IPPing." : "\(root)IPPingDiagnostics."
        case .traceroute: return tr181 ? "Device.IP.Diagnostics.TraceRoute." : "\(root)TraceRouteDiagnostics."
        case .speedtest(let test):
            let name = test.direction == .download ? "DownloadDiagnostics." : "UploadDiagnostics."
            return tr181 ? "Device.IP.Diagnostics.\(name)" : "\(root)\(name)"
        default: return nil
        }
    }

    /// The diagnostics object of a stored run (its request decoded from the run's parameters).
    public static func object(of run: ToolRun, root: String) -> String? {
        request(of: run).flatMap { object($0, root: root) }
    }

    /// The request of a stored run.
    public static func request(of run: ToolRun) -> ToolRequest? {
        guard let data = try? JSONEncoder().encode(run.parameters) else { return nil }
        return try? ToolRequest.decode(kind: run.tool, parameters: Array(data))
    }

    /// The URL a speed test's CPE fetches from or sends to, before the ACS fills in its base.
    public static func transferURL(run: UUID, token: String) -> String {
        "\(transferBasePlaceholder)/\(run.lowercased)/\(token)"
    }

    /// The values that start `request` on the CPE (DiagnosticsState last, as TR-069 asks);
    /// `transferURL` is the speed test's download or upload URL.
    public static func parameters(for request: ToolRequest, root: String, transferURL: String? = nil) -> [(name: String, value: String, type: String)]? {
        guard let object = object(request, root: root) else { return nil }
        switch request {
        case .ping(let ping):
            return [("\(object)Host", ping.target, "xsd:string"),
                    ("\(object)NumberOfRepetitions", "\(ping.count)", "xsd:unsignedInt"),
                    ("\(object)Timeout", "\(ping.timeoutMs)", "xsd:unsignedInt"),
                    ("\(object)DataBlockSize", "\(max(1, ping.payloadBytes))", "xsd:unsignedInt"),
                    ("\(object)DiagnosticsState", "Requested", "xsd:string")]
        case .traceroute(let trace):
            return [("\(object)Host", trace.target, "xsd:string"),
                    ("\(object)NumberOfTries", "\(min(trace.rounds, 3))", "xsd:unsignedInt"),
                    ("\(object)Timeout", "\(trace.timeoutMs)", "xsd:unsignedInt"),
                    ("\(object)MaxHopCount", "\(trace.maxHops)", "xsd:unsignedInt"),
                    ("\(object)DiagnosticsState", "Requested", "xsd:string")]
        case .speedtest(let test):
            guard let transferURL else { return nil }
            switch test.direction {
            case .download:
                return [("\(object)DownloadURL", transferURL, "xsd:string"),
                        ("\(object)DiagnosticsState", "Requested", "xsd:string")]
            case .upload:
                return [("\(object)UploadURL", transferURL, "xsd:string"),
                        ("\(object)TestFileLength", "\(test.bytes)", "xsd:unsignedInt"),
                        ("\(object)DiagnosticsState", "Requested", "xsd:string")]
            }
        default:
            return nil
        }
    }

    /// Why the CPE's diagnostics in `object` did not complete, or `nil` when its state is `Complete`
    /// (TR-143 speed tests report `Completed`).
    public static func failure(object: String, values: [String: String]) -> String? {
        let state = values["\(object)DiagnosticsState"] ?? ""
        return state == "Complete" || state == "Completed" ? nil : "the CPE reported DiagnosticsState \(state.isEmpty ? "(none)" : state)"
    }

    /// The result of a completed diagnostic of `kind` read from the CPE's `values`.
    /// `serverBytes` is what the platform's file server counted for a speed test.
    public static func result(_ request: ToolRequest, target: String, root: String, values: [String: String],
                              serverBytes: Int? = nil) -> ToolResult? {
        guard let object = object(request, root: root) else { return nil }
        func number(_ name: String) -> Double? { values["\(object)\(name)"].flatMap(Double.init) }
        switch request {
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
        case .speedtest(let test):
            func text(_ name: String) -> String? { values["\(object)\(name)"].flatMap { $0.isEmpty ? nil : $0 } }
            let download = test.direction == .download
            let testBytes = download ? number("TestBytesReceived") : (number("TestBytesSent") ?? number("TestFileLength"))
            let total = download ? number("TotalBytesReceived") : number("TotalBytesSent")
            guard let testBytes, let rom = text("ROMTime"), let bom = text("BOMTime"), let eom = text("EOMTime"),
                  let computed = SpeedTestResult.compute(direction: test.direction, testBytes: Int(testBytes), totalBytes: total.map { Int($0) },
                                                         serverBytes: serverBytes, romTime: rom, bomTime: bom, eomTime: eom,
                                                         tcpOpenRequestTime: text("TCPOpenRequestTime"),
                                                         tcpOpenResponseTime: text("TCPOpenResponseTime")) else { return nil }
            return .speedTest(computed)
        default:
            return nil
        }
    }
}
