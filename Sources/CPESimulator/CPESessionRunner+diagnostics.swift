import CWMP
import Foundation
import NetTools

extension CPESessionRunner {
    /// Runs the diagnostics the ACS requested, for real, from this machine: an ICMP ping
    /// (`IPPingDiagnostics` / `Device.IP.Diagnostics.IPPing`), a traceroute (`TraceRouteDiagnostics`
    /// / `Device.IP.Diagnostics.TraceRoute`, which needs a raw ICMP socket) or a TR-143 HTTP speed test
    /// (`DownloadDiagnostics` / `UploadDiagnostics`). Results go into the data
    /// model as a CPE reports them, `DiagnosticsState` becomes `Complete` (or an `Error_…` state), and
    /// the next Inform carries `8 DIAGNOSTICS COMPLETE`.
    public func runDiagnostics(_ cpe: inout SimulatedCPE) async {
        let objects = cpe.pendingDiagnostics
        cpe.pendingDiagnostics = []
        for object in objects {
            func value(_ name: String) -> String { cpe.model.nodes[object + name]?.value ?? "" }
            func number(_ name: String, _ fallback: Int) -> Int { Int(value(name)).flatMap { $0 > 0 ? $0 : nil } ?? fallback }
            if object.hasSuffix("DownloadDiagnostics.") || object.hasSuffix("UploadDiagnostics.") {
                await speedTest(object, &cpe)
                continue
            }
            let host = value("Host")
            guard let target = try? await Resolver.ipv4(host) else {
                cpe.model.put(object + "DiagnosticsState", value: "Error_CannotResolveHostName")
                continue
            }
            if object.hasSuffix("IPPingDiagnostics.") || object.hasSuffix("IPPing.") {
                let request = PingRequest(target: target.description, count: min(number("NumberOfRepetitions", 4), 100), intervalMs: 200,
                                          timeoutMs: min(max(number("Timeout", 1000), 100), 10_000),
                                          payloadBytes: min(number("DataBlockSize", 56), 1472))
                guard let stats = try? await ContinuousPing(request).run(to: target, emit: { _ in }) else {
                    cpe.model.put(object + "DiagnosticsState", value: "Error_Internal")
                    continue
                }
                cpe.model.put(object + "SuccessCount", value: "\(stats.received)", type: "xsd:unsignedInt")
                cpe.model.put(object + "FailureCount", value: "\(stats.sent - stats.received)", type: "xsd:unsignedInt")
                cpe.model.put(object + "MinimumResponseTime", value: "\(Int((stats.minMs ?? 0).rounded()))", type: "xsd:unsignedInt")
                cpe.model.put(object + "AverageResponseTime", value: "\(Int((stats.avgMs ?? 0).rounded()))", type: "xsd:unsignedInt")
                cpe.model.put(object + "MaximumResponseTime", value: "\(Int((stats.maxMs ?? 0).rounded()))", type: "xsd:unsignedInt")
            } else {
                let tr181 = object.hasPrefix("Device.")
                let request = TraceRequest(target: target.description, protocol: .icmp, maxHops: min(number("MaxHopCount", 30), 64),
                                           rounds: min(number("NumberOfTries", 3), 3), timeoutMs: min(max(number("Timeout", 1000), 100), 10_000))
                guard let report = try? await PathProber(request).run(to: target, emit: { _ in }) else {
                    cpe.model.put(object + "DiagnosticsState", value: "Error_Internal")
                    continue
                }
                cpe.model.put(object + "RouteHopsNumberOfEntries", value: "\(report.hops.count)", type: "xsd:unsignedInt")
                cpe.model.put(object + "ResponseTime", value: "\(Int((report.hops.last?.avgMs ?? 0).rounded()))", type: "xsd:unsignedInt")
                for hop in report.hops {
                    let prefix = "\(object)RouteHops.\(hop.hop)."
                    let times = hop.samples.map { $0.map { "\(Int($0.rounded()))" } ?? "0" }.joined(separator: ",")
                    cpe.model.put(prefix + (tr181 ? "Host" : "HopHost"), value: hop.address ?? "")
                    cpe.model.put(prefix + (tr181 ? "HostAddress" : "HopHostAddress"), value: hop.address ?? "")
                    cpe.model.put(prefix + (tr181 ? "ErrorCode" : "HopErrorCode"), value: "0", type: "xsd:unsignedInt")
                    cpe.model.put(prefix + (tr181 ? "RTTimes" : "HopRTTTimes"), value: times)
                }
            }
            cpe.model.put(object + "DiagnosticsState", value: "Complete")
        }
        cpe.pendingEvents.removeAll { $0.code == InformEvent.periodic }
        if !cpe.pendingEvents.contains(where: { $0.code == InformEvent.diagnosticsComplete }) {
            cpe.pendingEvents.append(InformEvent(code: InformEvent.diagnosticsComplete))
        }
    }
}

extension CPESessionRunner {
    /// A TR-143 download or upload toward the URL the ACS set, from this CPE's address; the times and
    /// byte counts go into the object, `DiagnosticsState` becomes `Completed` or the TR-143 error state.
    func speedTest(_ object: String, _ cpe: inout SimulatedCPE) async {
        let upload = object.hasSuffix("UploadDiagnostics.")
        let urlText = cpe.model.nodes[object + (upload ? "UploadURL" : "DownloadURL")]?.value ?? ""
        let length = Int(cpe.model.nodes[object + "TestFileLength"]?.value ?? "") ?? 0
        guard let url = URL(string: urlText), url.host != nil else {
            cpe.model.put(object + "DiagnosticsState", value: "Error_InitConnectionFailed")
            return
        }
        if upload && length <= 0 {
            cpe.model.put(object + "DiagnosticsState", value: "Error_Other")
            return
        }
        do {
            let measured = try await SpeedTestTransfer(url: url, uploadBytes: upload ? length : nil, source: sourceAddress).run()
            func time(_ name: String, _ date: Date) { cpe.model.put(object + name, value: TR143Time.format(date), type: "xsd:dateTime") }
            func count(_ name: String, _ value: Int) { cpe.model.put(object + name, value: "\(value)", type: "xsd:unsignedInt") }
            time("ROMTime", measured.rom)
            time("BOMTime", measured.bom)
            time("EOMTime", measured.eom)
            time("TCPOpenRequestTime", measured.tcpOpenRequest)
            time("TCPOpenResponseTime", measured.tcpOpenResponse)
            if upload {
                if cpe.model.nodes[object + "TestBytesSent"] != nil { count("TestBytesSent", measured.testBytes) }
                count("TotalBytesSent", measured.socketBytesSent)
                count("TotalBytesReceived", measured.socketBytesReceived)
            } else {
                count("TestBytesReceived", measured.testBytes)
                count("TotalBytesReceived", measured.socketBytesReceived)
                count("TotalBytesSent", measured.socketBytesSent)
            }
            cpe.model.put(object + "DiagnosticsState", value: "Completed")
        } catch {
            cpe.model.put(object + "DiagnosticsState", value: error.diagnosticsState)
        }
    }
}
