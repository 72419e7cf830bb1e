import ACS
import CPESimulator
import CWMP
import NetTools
import NIOHTTP1
import Foundation
import OctoCore
import OctoStore
import OctoTestSupport
import Testing
import ToolRuns

/// Tool runs from the CPE itself: the API queues TR-069 diagnostics, the simulated CPE runs them for
/// real from its own address, informs with `8 DIAGNOSTICS COMPLETE`, and the ACS reads the results back.
@Suite struct DiagnosticsTests {
    static func waitFinished(_ harness: TaskHarness, _ id: String, within seconds: Int = 40) async throws -> TaskHarness.Answer {
        for _ in 0..<(seconds * 10) {
            let run = try await harness.call(.get, "/api/v1/tool-runs/\(id)")
            if let status = run.string("status"), ["succeeded", "failed", "cancelled"].contains(status) { return run }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestSetupError("run \(id) did not finish")
    }

    /// The data models the diagnostics run on: a TR-098 tree and a TR-181 one (both real captures).
    static let models = ["device-H199Z.csv", "device-1C61B4-EX220-2226469000523.csv"]

    /// The diagnostics object of `tool` on a model rooted at `root`.
    static func object(_ tool: String, root: String) -> String {
        let tr181 = root == "Device."
        switch tool {
        case "ping": return tr181 ? "Device.IP.Diagnostics.IPPing." : "InternetGatewayDevice.IPPingDiagnostics."
        case "traceroute": return tr181 ? "Device.IP.Diagnostics.TraceRoute." : "InternetGatewayDevice.TraceRouteDiagnostics."
        case "download": return tr181 ? "Device.IP.Diagnostics.DownloadDiagnostics." : "InternetGatewayDevice.DownloadDiagnostics."
        default: return tr181 ? "Device.IP.Diagnostics.UploadDiagnostics." : "InternetGatewayDevice.UploadDiagnostics."
        }
    }

    @Test(arguments: ["InternetGatewayDevice.", "Device."])
    func aSpeedTestSetsItsURLAndSizeWithTheStateLast(root: String) throws {
        let upload = ToolRequest.speedtest(SpeedTestRequest(direction: .upload, bytes: 70_000))
        let values = try #require(CPEDiagnostics.parameters(for: upload, root: root, transferURL: "http://acs/x"))
        let object = Self.object("upload", root: root)
        #expect(values.map(\.name) == [object + "UploadURL", object + "TestFileLength", object + "DiagnosticsState"])
        #expect(values.map(\.value) == ["http://acs/x", "70000", "Requested"])
        let download = ToolRequest.speedtest(SpeedTestRequest(direction: .download))
        #expect(CPEDiagnostics.parameters(for: download, root: root, transferURL: "http://acs/y")?.first?.name == Self.object("download", root: root) + "DownloadURL")
        #expect(CPEDiagnostics.parameters(for: download, root: root) == nil, "a speed test needs its URL")
        #expect(CPEDiagnostics.failure(object: object, values: [object + "DiagnosticsState": "Completed"]) == nil)
        #expect(CPEDiagnostics.failure(object: object, values: [object + "DiagnosticsState": "Error_Timeout"]) == "the CPE reported DiagnosticsState Error_Timeout")
    }

    @Test(arguments: models, ["ping", "traceroute", "download", "upload"])
    func aCPERunsTheDiagnosticAndTheACSReadsItBack(model: String, tool: String) async throws {
        try await TaskHarness.with { harness in
            let cpe = try harness.device(model, mode: .digest, listening: true)
            try await withThrowingTaskGroup(of: Void.self) { group in
                let (ready, signal) = AsyncStream.makeStream(of: String.self)
                group.addTask { try await cpe.serve { url in signal.yield(url) } }
                for await _ in ready { break }
                let device = try await harness.register(cpe)
                let root = await cpe.cpe.model.root
                try await harness.stack.database.withTenant(harness.provider.id) { tx in
                    try await tx.query("INSERT INTO tool_target_ranges (provider_id, cidr, created_at) VALUES (\(harness.provider.id), '127.99.0.0/16', now())")
                }
                let target = "127.99.\(Int.random(in: 1...250)).\(Int.random(in: 2...250))"
                let bytes = 3_000_000 + Int.random(in: 0...99_999)
                let body = switch tool {
                case "ping":
                    #"{"tool": "ping", "origin": "cpe", "device_id": "\#(device.lowercased)", "ping": {"target": "\#(target)", "count": 3, "timeout_ms": 500}}"#
                case "traceroute":
                    #"{"tool": "traceroute", "origin": "cpe", "device_id": "\#(device.lowercased)", "traceroute": {"target": "\#(target)", "max_hops": 4, "rounds": 2, "timeout_ms": 500}}"#
                default:
                    #"{"tool": "speedtest", "origin": "cpe", "device_id": "\#(device.lowercased)", "speedtest": {"direction": "\#(tool)", "bytes": \#(bytes)}}"#
                }
                let created = try await harness.call(.post, "/api/v1/tool-runs", json: body)
                #expect(created.status == .created, "\(created.text)")
                #expect(created.string("status") == "running" && created.string("origin") == "cpe")
                let id = try #require(created.string("id"))
                let finished = try await Self.waitFinished(harness, id)
                #expect(finished.string("status") == "succeeded", "\(finished.text)")
                #expect(finished.string("executed_by") == "cpe")
                let output = finished.json?["result"]?["output"]
                let object = Self.object(tool, root: root)
                switch tool {
                case "ping":
                    #expect(output?["statistics"]?["sent"] == .number(3) && output?["statistics"]?["received"] == .number(3), "\(finished.text)")
                case "traceroute":
                    #expect(output?["reached_destination"] == .bool(true), "\(finished.text)")
                    #expect(output?["hops"].flatMap { if case .array(let hops) = $0 { hops.count } else { nil } } == 1)
                default:
                    try await Self.checkSpeedTest(harness, cpe: cpe, run: id, output: output, object: object, direction: tool, bytes: bytes)
                }
                // The CPE was asked, ran it, and reported it in a session of its own that the ACS used to read back.
                // The run is finished once the ACS stored what it read; the CPE records that session only when
                // its final empty POST is answered, a moment later.
                let deadline = ContinuousClock.now + .seconds(10)
                while await cpe.reports.last?.rpcs != ["GetParameterValues"], ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(50))
                }
                let reports = await cpe.reports
                #expect(reports.contains { $0.rpcs.contains("SetParameterValues") })
                #expect(reports.last?.rpcs == ["GetParameterValues"])
                let state = await cpe.cpe.model.nodes[object + "DiagnosticsState"]?.value
                #expect(state == (tool == "ping" || tool == "traceroute" ? "Complete" : "Completed"))
                if tool == "ping" || tool == "traceroute" { #expect(await cpe.cpe.model.nodes[object + "Host"]?.value == target) }
                group.cancelAll()
            }
        }
    }

    /// A speed test's result: the bytes the CPE reported are those the file server counted, and the
    /// throughput is the bytes over the CPE's BOMTime…EOMTime.
    static func checkSpeedTest(_ harness: TaskHarness, cpe: SimulatedDevice, run id: String, output: JSONValue?, object: String,
                               direction: String, bytes: Int) async throws {
        #expect(output?["direction"] == .string(direction))
        #expect(output?["test_bytes"] == .number(Double(bytes)), "\(String(describing: output))")
        #expect(output?["server_bytes"] == .number(Double(bytes)), "\(String(describing: output))")
        let model = await cpe.cpe.model
        let reported = direction == "download" ? model.nodes[object + "TestBytesReceived"]?.value : model.nodes[object + "TestFileLength"]?.value
        #expect(reported == "\(bytes)")
        let total = model.nodes[object + (direction == "download" ? "TotalBytesReceived" : "TotalBytesSent")].flatMap { Int($0.value) } ?? 0
        #expect(total > bytes, "the interface count includes the HTTP headers")
        let bom = try #require(model.nodes[object + "BOMTime"].flatMap { TR143Time.parse($0.value) })
        let eom = try #require(model.nodes[object + "EOMTime"].flatMap { TR143Time.parse($0.value) })
        #expect(model.nodes[object + "TCPOpenResponseTime"].flatMap { TR143Time.parse($0.value) } != nil)
        let expected = Double(bytes) * 8 / eom.timeIntervalSince(bom) / 1_000_000
        guard case .number(let mbps)? = output?["throughput_mbps"] else {
            Issue.record("no throughput in \(String(describing: output))")
            return
        }
        #expect(abs(mbps - expected) <= max(0.002, expected * 0.0001), "\(mbps) Mbit/s against \(expected)")
        #expect(output?["bom_time"] == .string(model.nodes[object + "BOMTime"]?.value ?? ""))
        // Live output: the file server published its count on the run's topic.
        let progress = harness.events.all.filter { $0.topic == "tool-runs/\(id)" && $0.data["kind"] == .string("progress") }
        #expect(progress.last?.data["progress"]?["bytes"] == .number(Double(bytes)), "\(progress)")
    }

    @Test func aCPERunNeedsATR069DeviceAndAPingOrTraceroute() async throws {
        try await TaskHarness.with(worker: false) { harness in
            let device = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("INSERT INTO devices (provider_id, name) VALUES (\(harness.provider.id), 'ONT sem TR-069') RETURNING id").values(UUID.self)[0]
            }
            try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("INSERT INTO tool_target_ranges (provider_id, cidr, created_at) VALUES (\(harness.provider.id), '127.99.0.0/16', now())")
            }
            let notTR069 = try await harness.call(.post, "/api/v1/tool-runs",
                                                  json: #"{"tool": "ping", "origin": "cpe", "device_id": "\#(device.lowercased)", "ping": {"target": "127.99.1.1"}}"#)
            #expect(notTR069.status == .badRequest && notTR069.errorField == "device_id", "\(notTR069.text)")
            let scan = try await harness.call(.post, "/api/v1/tool-runs",
                                              json: #"{"tool": "port_scan", "origin": "cpe", "device_id": "\#(device.lowercased)", "port_scan": {"target": "127.99.1.1"}}"#)
            #expect(scan.status == .badRequest && scan.errorField == "tool")
            let fromPlatform = try await harness.call(.post, "/api/v1/tool-runs", json: #"{"tool": "speedtest", "speedtest": {"direction": "download"}}"#)
            #expect(fromPlatform.status == .badRequest && fromPlatform.errorField == "origin", "\(fromPlatform.text)")
            let huge = try await harness.call(.post, "/api/v1/tool-runs",
                                              json: #"{"tool": "speedtest", "origin": "cpe", "device_id": "\#(device.lowercased)", "speedtest": {"bytes": 100000001}}"#)
            #expect(huge.status == .badRequest && huge.errorField == "speedtest.bytes", "\(huge.text)")
            let sideways = try await harness.call(.post, "/api/v1/tool-runs",
                                                  json: #"{"tool": "speedtest", "origin": "cpe", "device_id": "\#(device.lowercased)", "speedtest": {"direction": "sideways"}}"#)
            #expect(sideways.status == .badRequest, "\(sideways.text)")
            let runs = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT count(*)::int FROM tool_runs").values(Int.self)
            }
            #expect(runs == [0])
        }
    }

    /// A speed test waiting on a CPE that has not come in yet (no connection-request listener): its
    /// run id, the token and the file server URL.
    static func pendingSpeedTest(_ harness: TaskHarness, _ cpe: SimulatedDevice, direction: String,
                                 bytes: Int = 65_536) async throws -> (id: UUID, token: String, url: String) {
        let device = try await harness.register(cpe)
        let created = try await harness.call(.post, "/api/v1/tool-runs", json: """
            {"tool": "speedtest", "origin": "cpe", "device_id": "\(device.lowercased)", "speedtest": {"direction": "\(direction)", "bytes": \(bytes)}}
            """)
        let id = try #require(created.string("id").flatMap(UUID.init(uuidString:)), "\(created.text)")
        let token = try await harness.stack.database.withTenant(harness.provider.id) { tx in
            try await tx.query("SELECT transfer_token FROM tool_runs WHERE id = \(id)").values(String.self)[0]
        }
        return (id, token, "/cwmp-speedtest/\(harness.provider.slug)/\(id.lowercased)/\(token)")
    }

    @Test func theSpeedTestURLIsOneTimeBoundToTheRunAndExpires() async throws {
        try await TaskHarness.with { harness in
            let cpe = try harness.device()
            let (id, token, path) = try await Self.pendingSpeedTest(harness, cpe, direction: "download")
            func get(_ path: String) async throws -> HTTPExchange.Answer {
                try await HTTPExchange.get(host: "127.0.0.1", port: harness.cwmpPort, path: path)
            }
            let wrong = String(token.reversed())
            #expect(try await get("/cwmp-speedtest/\(harness.provider.slug)/\(id.lowercased)/\(wrong)").status == 404)
            #expect(try await get("/cwmp-speedtest/other/\(id.lowercased)/\(token)").status == 404)
            #expect(try await get("/cwmp-speedtest/\(harness.provider.slug)/\(UUID().lowercased)/\(token)").status == 404)
            // An upload to a download's URL is refused and does not spend the token.
            let put = try await HTTPExchange.request(.PUT, host: "127.0.0.1", port: harness.cwmpPort, path: path, headers: [],
                                                     body: Array(repeating: 1, count: 1000))
            #expect(put.status == 404)
            _ = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("UPDATE tool_runs SET transfer_expires_at = transfer_expires_at - interval '20 minutes' WHERE id = \(id)")
            }
            #expect(try await get(path).status == 404, "an expired token")
            _ = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("UPDATE tool_runs SET transfer_expires_at = transfer_expires_at + interval '20 minutes' WHERE id = \(id)")
            }
            let served = try await get(path)
            #expect(served.status == 200 && served.body.count == 65_536)
            #expect(try await get(path).status == 404, "a token serves one transfer")
            let counted = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT transfer_bytes FROM tool_runs WHERE id = \(id)").values(Int64?.self)[0]
            }
            #expect(counted == 65_536)
        }
    }

    @Test func anUploadBeyondTheTestSizeIsRefused() async throws {
        try await TaskHarness.with { harness in
            let cpe = try harness.device()
            let (_, _, path) = try await Self.pendingSpeedTest(harness, cpe, direction: "upload")
            let answer = try await HTTPExchange.request(.PUT, host: "127.0.0.1", port: harness.cwmpPort, path: path, headers: [],
                                                        body: Array(repeating: 7, count: 65_537))
            #expect(answer.status == 413)
        }
    }

    @Test(arguments: models)
    func aCPEWhoseTransferIsRefusedFailsTheRunWithItsState(model: String) async throws {
        try await TaskHarness.with { harness in
            let cpe = try harness.device(model)
            let (id, _, _) = try await Self.pendingSpeedTest(harness, cpe, direction: "upload")
            // The token expires (it lives ten minutes of the platform's clock) before the CPE comes in:
            // the file server refuses, the CPE says so.
            _ = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("UPDATE tool_runs SET transfer_expires_at = transfer_expires_at - interval '20 minutes' WHERE id = \(id)")
            }
            _ = try await cpe.runSession()
            let finished = try await Self.waitFinished(harness, id.lowercased)
            #expect(finished.string("status") == "failed")
            #expect(finished.string("error") == "the CPE reported DiagnosticsState Error_NoResponse", "\(finished.text)")
            let object = Self.object("upload", root: await cpe.cpe.model.root)
            #expect(await cpe.cpe.model.nodes[object + "DiagnosticsState"]?.value == "Error_NoResponse")
        }
    }
}
