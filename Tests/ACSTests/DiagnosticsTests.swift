import ACS
import CPESimulator
import CWMP
import Foundation
import OctoCore
import OctoStore
import OctoTestSupport
import Testing

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

    @Test(arguments: ["ping", "traceroute"])
    func aCPERunsTheDiagnosticAndTheACSReadsItBack(tool: String) async throws {
        try await TaskHarness.with { harness in
            let cpe = try harness.device(mode: .digest, listening: true)
            try await withThrowingTaskGroup(of: Void.self) { group in
                let (ready, signal) = AsyncStream.makeStream(of: String.self)
                group.addTask { try await cpe.serve { url in signal.yield(url) } }
                for await _ in ready { break }
                let device = try await harness.register(cpe)
                try await harness.stack.database.withTenant(harness.provider.id) { tx in
                    try await tx.query("INSERT INTO tool_target_ranges (provider_id, cidr, created_at) VALUES (\(harness.provider.id), '127.99.0.0/16', now())")
                }
                let target = "127.99.\(Int.random(in: 1...250)).\(Int.random(in: 2...250))"
                let body = tool == "ping"
                    ? #"{"tool": "ping", "origin": "cpe", "device_id": "\#(device.lowercased)", "ping": {"target": "\#(target)", "count": 3, "timeout_ms": 500}}"#
                    : #"{"tool": "traceroute", "origin": "cpe", "device_id": "\#(device.lowercased)", "traceroute": {"target": "\#(target)", "max_hops": 4, "rounds": 2, "timeout_ms": 500}}"#
                let created = try await harness.call(.post, "/api/v1/tool-runs", json: body)
                #expect(created.status == .created, "\(created.text)")
                #expect(created.string("status") == "running" && created.string("origin") == "cpe")
                let id = try #require(created.string("id"))
                let finished = try await Self.waitFinished(harness, id)
                #expect(finished.string("status") == "succeeded", "\(finished.text)")
                #expect(finished.string("executed_by") == "cpe")
                let output = finished.json?["result"]?["output"]
                if tool == "ping" {
                    #expect(output?["statistics"]?["sent"] == .number(3) && output?["statistics"]?["received"] == .number(3), "\(finished.text)")
                } else {
                    #expect(output?["reached_destination"] == .bool(true), "\(finished.text)")
                    #expect(output?["hops"].flatMap { if case .array(let hops) = $0 { hops.count } else { nil } } == 1)
                }
                // The CPE was asked, ran it, and reported it in a session of its own that the ACS used to read back.
                let reports = await cpe.reports
                #expect(reports.contains { $0.rpcs.contains("SetParameterValues") })
                #expect(reports.last?.rpcs == ["GetParameterValues"])
                let object = tool == "ping" ? "InternetGatewayDevice.IPPingDiagnostics." : "InternetGatewayDevice.TraceRouteDiagnostics."
                #expect(await cpe.cpe.model.nodes[object + "DiagnosticsState"]?.value == "Complete")
                #expect(await cpe.cpe.model.nodes[object + "Host"]?.value == target)
                group.cancelAll()
            }
        }
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
            let runs = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT count(*)::int FROM tool_runs").values(Int.self)
            }
            #expect(runs == [0])
        }
    }
}
