import Foundation
import OctoCore
import OctoStore
import OctoTestSupport
import Testing

/// JSON log lines carry one request id from an API call to the job it enqueued and the worker's lines
/// about that job.
@Suite(.serialized) struct RequestTraceTests {
    @Test func stampingKeepsThePayloadAndReadsBack() throws {
        let stamped = RequestTrace.stamp(Data(#"{"a":1}"#.utf8), requestId: "req-1")
        #expect(String(decoding: stamped, as: UTF8.self) == #"{"$request_id":"req-1","a":1}"#)
        #expect(RequestTrace.requestId(in: stamped) == "req-1")
        let empty = RequestTrace.stamp(Data("{}".utf8), requestId: "req-2")
        #expect(String(decoding: empty, as: UTF8.self) == #"{"$request_id":"req-2"}"#)
        // Stamped twice, the first id stays; what is not an object is left alone.
        #expect(RequestTrace.stamp(stamped, requestId: "other") == stamped)
        #expect(RequestTrace.stamp(Data("[1]".utf8), requestId: "x") == Data("[1]".utf8))
        #expect(RequestTrace.requestId(in: Data(#"{"a":1}"#.utf8)) == nil)
        // A typed payload still decodes with the id in it.
        struct Payload: Codable, Equatable { var a: Int }
        #expect(try JSONDecoder().decode(Payload.self, from: stamped) == Payload(a: 1))
    }

    @Test(.timeLimit(.minutes(2))) func oneRequestIdFromTheAPICallToTheWorkerLines() async throws {
        try await TestDatabase.with { stack in
            let fixture = try await OpsFixture.make(stack, slug: "trace-isp")
            let server = try await OpsServer(stack, keyring: fixture.keyring, roles: "api,worker")
            do {
                let token = try await server.adminToken()
                let requestId = "trace-\(UUID().lowercased.prefix(8))"
                let report = try await server.call("/api/v1/reports", method: "POST", body: #"{"kind": "sla", "from": "2026-11-01", "to": "2026-11-01"}"#,
                                                   token: token, provider: fixture.provider, requestId: requestId)
                #expect(report.0 == 202, "\(report.1)")
                #expect(report.2["x-request-id"] == requestId)
                // The API's own line for the request, then the worker's for the job it enqueued.
                let deadline = ContinuousClock.now + .seconds(60)
                var apiLine: [String: Any]?
                var workerLine: [String: Any]?
                while ContinuousClock.now < deadline && (apiLine == nil || workerLine == nil) {
                    let lines = server.logLines().filter { $0["request.id"] as? String == requestId }
                    apiLine = lines.first { $0["message"] as? String == "request answered" && $0["route"] as? String == "/api/v1/reports" }
                    workerLine = lines.first { $0["message"] as? String == "job succeeded" }
                    if apiLine == nil || workerLine == nil { try await Task.sleep(for: .milliseconds(300)) }
                }
                let api = try #require(apiLine, "no API log line with request.id \(requestId)")
                let worker = try #require(workerLine, "no worker log line with request.id \(requestId): \(server.process.errors().suffix(4000))")
                #expect(api["status"] as? String == "2xx")
                #expect(worker["provider.id"] as? String == fixture.provider.lowercased)
                let jobId = try #require(worker["job.id"] as? String)
                // Lines of other work do not borrow the id.
                let others = server.logLines().filter { $0["request.id"] as? String == requestId && ($0["job.id"] as? String).map { $0 != jobId } ?? false }
                #expect(others.isEmpty, "\(others)")
            } catch {
                await server.stop()
                throw error
            }
            await server.stop()
        }
    }
}
