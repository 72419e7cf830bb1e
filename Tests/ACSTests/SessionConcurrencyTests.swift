@testable import ACS
import CWMP
import Foundation
import OctoCore
import OctoStore
import OctoTestSupport
import PostgresNIO
import Synchronization
import Testing

/// A request repeated while the effects of the first are being stored, and parallel new sessions at
/// the session cap, through the real CWMP server.
@Suite(.serialized) struct SessionConcurrencyTests {
    /// Whether some PostgreSQL backend waits for a lock.
    static func someoneWaits(_ harness: ACSHarness) async throws -> Bool {
        try await harness.stack.database.withTenant(harness.provider.id) { tx in
            try await tx.query("SELECT count(*)::int FROM pg_locks WHERE NOT granted").values(Int.self).first ?? 0
        } > 0
    }

    @Test func aRetryWhileEffectsAreStoredIsNotHandledTwice() async throws {
        try await ACSHarness.with { harness in
            let url = harness.url()
            let opened = try await RawHTTP.post(url, body: RawHTTP.inform(serial: "RETRY1"), authorization: RawHTTP.basic())
            #expect(opened.status == 200)
            let cookie = try #require(opened.headers["set-cookie"]?.split(separator: ";").first.map(String.init))
            let request = try await RawHTTP.post(url, body: "", cookie: cookie)
            let names = try CWMPDecoder().decodeACS(Array(request.body.utf8))
            guard case .getParameterNames = names.message else {
                Issue.record("expected discovery, got \(names.message.methodName)")
                return
            }
            let answer = CWMPEncoder().encode(Envelope(version: names.version, id: names.id, message: CPEMessage.getParameterNamesResponse([
                ParameterInfo(name: "Device.", writable: false), ParameterInfo(name: "Device.DeviceInfo.", writable: false),
                ParameterInfo(name: "Device.DeviceInfo.SoftwareVersion", writable: false),
            ])))
            // Hold the session's lease row so that storing the answer's effects waits before commit.
            let (release, releaser) = AsyncStream.makeStream(of: Void.self)
            let (locked, lockedSignal) = AsyncStream.makeStream(of: Void.self)
            let holder = Task {
                try await harness.stack.database.withTenant(harness.provider.id) { tx in
                    _ = try await tx.query("SELECT token FROM cwmp_sessions FOR UPDATE").values(String.self)
                    lockedSignal.yield()
                    for await _ in release { break }
                }
            }
            for await _ in locked { break }
            let first = Task { try await RawHTTP.post(url, body: answer, cookie: cookie) }
            var waited = 0
            while try await !Self.someoneWaits(harness), waited < 100 {
                try await Task.sleep(for: .milliseconds(50))
                waited += 1
            }
            #expect(waited < 100, "the first answer reached the store")
            // The CPE repeats the same answer (its connection dropped): it must be told to retry, at once.
            let outcome = Mutex<Int?>(nil)
            let retry = Task {
                let status = try await RawHTTP.post(url, body: answer, cookie: cookie).status
                outcome.withLock { $0 = status }
            }
            var polls = 0
            while outcome.withLock({ $0 }) == nil, polls < 60 {
                try await Task.sleep(for: .milliseconds(50))
                polls += 1
            }
            let retried = outcome.withLock { $0 }
            #expect(retried == 503, "the repeated answer was handled while the first was being stored")
            releaser.yield()
            releaser.finish()
            try await holder.value
            let firstAnswer = try await first.value
            #expect(firstAnswer.status == 200)
            let next = try CWMPDecoder().decodeACS(Array(firstAnswer.body.utf8))
            #expect(next.message.methodName == "GetParameterValues", "discovery goes on after the first answer")
            _ = try? await retry.value
            try await RawHTTP.finish(url, cookie: cookie)
            #expect(try await harness.count(PostgresQueryText.heldLeases) == 0)
            let stored = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT count(*)::int FROM device_parameters WHERE path = 'Device.DeviceInfo.SoftwareVersion' AND writable IS NOT NULL")
                    .values(Int.self)
            }
            #expect(stored == [1])
        }
    }

    @Test func theSessionCapHoldsForParallelInforms() async throws {
        var configuration = ACSConfiguration()
        configuration.maximumSessions = 2
        try await ACSHarness.with(configuration: configuration) { harness in
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<10 {
                    group.addTask {
                        try await RawHTTP.post(harness.url(), body: RawHTTP.inform(serial: "CAPS\(index)"), authorization: RawHTTP.basic()).status
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 200 }.count == 2, "\(statuses.sorted())")
            #expect(statuses.filter { $0 == 503 }.count == 8)
            #expect(harness.engine.liveSessions == 2)
            #expect(try await harness.count(PostgresQueryText.heldLeases) == 2)
        }
    }
}
