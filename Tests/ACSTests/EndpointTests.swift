import ACS
import CPESimulator
import CWMP
import Foundation
import OctoCore
import OctoStore
import OctoTestSupport
import PostgresNIO
import Testing

@Suite(.serialized) struct EndpointTests {
    @Test func wrongCredentialsGet401AndWriteNothing() async throws {
        try await ACSHarness.with { harness in
            let inform = RawHTTP.inform()
            let none = try await RawHTTP.post(harness.url(), body: inform)
            #expect(none.status == 401)
            #expect(none.headers["www-authenticate"]?.contains("Digest") == true)
            let wrong = try await RawHTTP.post(harness.url(), body: inform, authorization: RawHTTP.basic("cpe", "not-the-password"))
            #expect(wrong.status == 401)
            let unknownUser = try await RawHTTP.post(harness.url(), body: inform, authorization: RawHTTP.basic("nobody", ACSHarness.password))
            #expect(unknownUser.status == 401)
            let unknownSlug = try await RawHTTP.post(harness.url(slug: "no-such-isp"), body: inform, authorization: RawHTTP.basic())
            #expect(unknownSlug.status == 401)
            let badDigest = try await RawHTTP.post(harness.url(), body: inform,
                                                   authorization: #"Digest username="cpe", realm="OctoISP ACS", nonce="0-00", uri="/cwmp/acme", response="00""#)
            #expect(badDigest.status == 401)
            var cpe = SimulatedCPE(model: try Fixtures.model("device-H199Z.csv"))
            await #expect(throws: CPESessionRunner.Failure.self) { try await harness.runner(.digest, password: "wrong-password").run(&cpe) }
            #expect(try await harness.count("devices") == 0)
            #expect(try await harness.count("cwmp_informs") == 0)
            #expect(try await harness.count(PostgresQueryText.heldLeases) == 0)
        }
    }

    @Test func hostileAndMalformedBodiesAreRefusedAndTheServerKeepsServing() async throws {
        var configuration = ACSConfiguration()
        configuration.maximumBodyBytes = 256 * 1024
        try await ACSHarness.with(configuration: configuration) { harness in
            let bodies: [(String, Int)] = [
                ("""
                 <?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><Envelope><Body>&b;</Body></Envelope>
                 """, 400),
                (#"<?xml version="1.0"?><!DOCTYPE f [<!ENTITY x SYSTEM "file:///etc/passwd">]><Envelope><Body>&x;</Body></Envelope>"#, 400),
                ("<Envelope><Body><Inform>", 400),
                ("this is not xml", 400),
                ("", 400),
                (String(repeating: "<a>", count: 200) + String(repeating: "</a>", count: 200), 400),
                ("<Envelope><Body><GetRPCMethods/></Body></Envelope>", 400),
                (RawHTTP.inform(oui: "XYZ!!!"), 400),
                (RawHTTP.inform(serial: String(repeating: "9", count: 65)), 400),
                (String(repeating: "x", count: 300 * 1024), 413),
            ]
            for (body, status) in bodies {
                let answer = try await RawHTTP.post(harness.url(), body: body, authorization: RawHTTP.basic())
                #expect(answer.status == status, "\(body.prefix(60)) → \(answer.status)")
            }
            #expect(try await harness.count("devices") == 0)
            #expect(try await harness.count("device_parameters") == 0)
            var cpe = SimulatedCPE(model: try Fixtures.model("device-eg8145v5-no-voip.csv"))
            _ = try await harness.runner().run(&cpe)
            #expect(try await harness.count("devices") == 1)
        }
    }

    @Test func sessionSurvivesADroppedConnectionThroughItsCookie() async throws {
        try await ACSHarness.with { harness in
            let opened = try await RawHTTP.post(harness.url(), body: RawHTTP.inform(), authorization: RawHTTP.basic())
            #expect(opened.status == 200)
            let setCookie = try #require(opened.headers["set-cookie"])
            #expect(setCookie.contains("Path=/"))
            let cookie = String(setCookie.split(separator: ";")[0])
            // New connection, no credentials, the cookie among others and comma-separated.
            let next = try await RawHTTP.post(harness.url(), body: "", cookie: "foo=bar, \(cookie); other=1")
            #expect(next.status == 200)
            let request = try CWMPDecoder().decodeACS(Array(next.body.utf8))
            #expect(request.message == .getParameterNames(path: "Device.", nextLevel: false))
            let answer = CWMPEncoder().encode(Envelope(version: .v1_0, id: request.id, message: CPEMessage.fault(CWMPFault(code: .internalError, string: "busy"))))
            let last = try await RawHTTP.post(harness.url(), body: answer, cookie: cookie)
            #expect(last.status == 204)
            // Discovery faulted: it is not marked done and runs again next time.
            let discovered = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT count(*)::int FROM cwmp_devices WHERE discovered_at IS NULL").values(Int.self)
            }
            #expect(discovered == [1])
            let after = try await RawHTTP.post(harness.url(), body: "", cookie: cookie)
            #expect(after.status == 401, "a finished session's cookie opens nothing")
        }
    }

    @Test func oneSessionPerDeviceAcrossProcesses() async throws {
        try await ACSHarness.with(servers: 2) { harness in
            let first = try await RawHTTP.post(harness.url(0), body: RawHTTP.inform(), authorization: RawHTTP.basic())
            #expect(first.status == 200)
            let second = try await RawHTTP.post(harness.url(1), body: RawHTTP.inform(), authorization: RawHTTP.basic())
            #expect(second.status == 503)
            #expect(second.headers["retry-after"] == "30")
            #expect(try await harness.count("cwmp_informs") == 1, "the refused Inform wrote nothing")
            let cookie = String(try #require(first.headers["set-cookie"]).split(separator: ";")[0])
            // The cookie is unknown to the other process: it must start with an Inform there.
            let foreign = try await RawHTTP.post(harness.url(1), body: "", cookie: cookie, authorization: RawHTTP.basic())
            #expect(foreign.status == 400)
            try await RawHTTP.finish(harness.url(0), cookie: cookie)
            let third = try await RawHTTP.post(harness.url(1), body: RawHTTP.inform(events: ["2 PERIODIC"]), authorization: RawHTTP.basic())
            #expect(third.status == 200, "the lease is free once the first session ended")
        }
    }

    @Test func idleSessionsTimeOutAndFreeTheDevice() async throws {
        try await ACSHarness.with(servers: 2) { harness in
            let first = try await RawHTTP.post(harness.url(0), body: RawHTTP.inform(), authorization: RawHTTP.basic())
            #expect(first.status == 200)
            let cookie = String(try #require(first.headers["set-cookie"]).split(separator: ";")[0])
            harness.stack.clock.advance(by: 31)
            await harness.engines[0].sweep()
            #expect(harness.engines[0].liveSessions == 0)
            #expect(try await harness.count(PostgresQueryText.heldLeases) == 0)
            let late = try await RawHTTP.post(harness.url(0), body: "", cookie: cookie)
            #expect(late.status == 401)
            let other = try await RawHTTP.post(harness.url(1), body: RawHTTP.inform(), authorization: RawHTTP.basic())
            #expect(other.status == 200)
        }
    }

    @Test func crashedProcessLeaseExpires() async throws {
        try await ACSHarness.with(servers: 2) { harness in
            let first = try await RawHTTP.post(harness.url(0), body: RawHTTP.inform(), authorization: RawHTTP.basic())
            #expect(first.status == 200)
            // Process 0 never sweeps (as if it died); the lease still expires for process 1.
            harness.stack.clock.advance(by: 36)
            let other = try await RawHTTP.post(harness.url(1), body: RawHTTP.inform(), authorization: RawHTTP.basic())
            #expect(other.status == 200)
        }
    }

    @Test func overloadedProcessRefusesNewSessions() async throws {
        var configuration = ACSConfiguration()
        configuration.maximumSessions = 1
        try await ACSHarness.with(configuration: configuration) { harness in
            let first = try await RawHTTP.post(harness.url(), body: RawHTTP.inform(serial: "A"), authorization: RawHTTP.basic())
            #expect(first.status == 200)
            let second = try await RawHTTP.post(harness.url(), body: RawHTTP.inform(serial: "B"), authorization: RawHTTP.basic())
            #expect(second.status == 503)
            #expect(second.headers["retry-after"] != nil)
            #expect(try await harness.count("devices") == 1)
        }
    }

    @Test func deviceBoundCredentialOnlyOpensItsDevice() async throws {
        try await ACSHarness.with { harness in
            let opened = try await RawHTTP.post(harness.url(), body: RawHTTP.inform(serial: "OWN"), authorization: RawHTTP.basic())
            let cookie = String(try #require(opened.headers["set-cookie"]).split(separator: ";")[0])
            try await RawHTTP.finish(harness.url(), cookie: cookie)
            try await harness.stack.database.withTenant(harness.provider.id) { tx in
                let id = try await tx.query("SELECT id FROM devices WHERE serial_number = 'OWN'").values(UUID.self)[0]
                try await tx.cwmpCredentials.create(username: "own-only", password: "device-secret", deviceID: id, realm: "OctoISP ACS", by: .system)
            }
            let own = try await RawHTTP.post(harness.url(), body: RawHTTP.inform(serial: "OWN", events: ["2 PERIODIC"]),
                                             authorization: RawHTTP.basic("own-only", "device-secret"))
            #expect(own.status == 200)
            let foreign = try await RawHTTP.post(harness.url(), body: RawHTTP.inform(serial: "OTHER"),
                                                 authorization: RawHTTP.basic("own-only", "device-secret"))
            #expect(foreign.status == 401)
            #expect(try await harness.count("devices") == 1)
        }
    }
}
