import ACS
import CWMP
import Foundation
import NIOCore
import OctoCore
import OctoStore
import OctoTestSupport
import PostgresNIO
import Testing

/// The steady-state session path: the Inform of a registered device and the end of its session as one
/// statement each (migrations 0007 and 0130; with group commit, 0157's batch statements), and CPE
/// credentials reused by the process for a short time.
@Suite(.serialized) struct SessionPathTests {
    /// Opens a session with `inform` and ends it; returns the Inform's status.
    static func session(_ harness: ACSHarness, _ inform: String, authorization: String = RawHTTP.basic()) async throws -> Int {
        let opened = try await RawHTTP.post(harness.url(), body: inform, authorization: authorization)
        if opened.status == 200 {
            try await RawHTTP.finish(harness.url(), cookie: String(try #require(opened.headers["set-cookie"]).split(separator: ";")[0]))
        }
        return opened.status
    }

    @Test(arguments: [1, 64]) func informOfARegisteredDeviceUpdatesItAndReleasesTheLease(groupCommit: Int) async throws {
        try await ACSHarness.with(configuration: .groupCommit(groupCommit)) { harness in
            #expect(try await Self.session(harness, RawHTTP.inform(serial: "SN1")) == 200)
            harness.stack.clock.advance(by: 60)
            let changed = RawHTTP.inform(serial: "SN1", events: ["1 BOOT"]).replacingOccurrences(of: ">1.0<", with: ">2.0<")
            #expect(try await Self.session(harness, changed) == 200)
            #expect(try await harness.count("devices") == 1)
            #expect(try await harness.count("cwmp_informs") == 2)
            #expect(try await harness.count(PostgresQueryText.heldLeases) == 0, "the lease is given up at the end")
            #expect(try await harness.count("cwmp_sessions") == 1, "the second session took over the first one's released row")
            let (firmware, informs, history, registrations) = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                let firmware = try await tx.query("SELECT firmware FROM devices").values(String.self).first
                let informs = try await tx.query("SELECT informs::int FROM cwmp_devices").values(Int.self).first
                let history = try await tx.query("""
                    SELECT old_value || '>' || new_value FROM device_parameter_changes WHERE path = 'Device.DeviceInfo.SoftwareVersion'
                    """).values(String.self)
                let registrations = try await tx.query("SELECT count(*)::int FROM audit_log WHERE action = 'device.register'").values(Int.self).first
                return (firmware, informs, history, registrations)
            }
            #expect(firmware == "2.0")
            #expect(informs == 2)
            #expect(history == ["1.0>2.0"], "a changed value goes to the history")
            #expect(registrations == 1, "only the first Inform registers (and audits) the device")
        }
    }

    /// An Inform that repeats the cached values neither rewrites their rows nor locks them (an
    /// ON CONFLICT that skips the update still locks the row, a WAL record apiece; migration 0153).
    @Test(arguments: [1, 64]) func repeatedValuesAreNeitherRewrittenNorLocked(groupCommit: Int) async throws {
        try await ACSHarness.with(configuration: .groupCommit(groupCommit)) { harness in
            func versions() async throws -> [String] {
                try await harness.stack.database.withTenant(harness.provider.id) { tx in
                    try await tx.query("SELECT path || ' ' || xmin::text || ' ' || xmax::text FROM device_parameters ORDER BY path")
                        .values(String.self)
                }
            }
            #expect(try await Self.session(harness, RawHTTP.inform(serial: "SN1")) == 200)
            harness.stack.clock.advance(by: 60)
            #expect(try await Self.session(harness, RawHTTP.inform(serial: "SN1", events: ["1 BOOT"])) == 200)
            let before = try await versions()
            #expect(before.contains { $0.hasPrefix("Device.DeviceInfo.SoftwareVersion ") }, "\(before)")
            harness.stack.clock.advance(by: 60)
            #expect(try await Self.session(harness, RawHTTP.inform(serial: "SN1", events: ["1 BOOT"])) == 200)
            #expect(try await versions() == before)
            #expect(try await harness.count("cwmp_informs") == 3, "the Informs themselves are stored")
        }
    }

    @Test(arguments: [1, 64]) func boundCredentialCannotOpenAnotherRegisteredDevice(groupCommit: Int) async throws {
        try await ACSHarness.with(configuration: .groupCommit(groupCommit)) { harness in
            #expect(try await Self.session(harness, RawHTTP.inform(serial: "OWN")) == 200)
            #expect(try await Self.session(harness, RawHTTP.inform(serial: "OTHER")) == 200)
            _ = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                let id = try await tx.query("SELECT id FROM devices WHERE serial_number = 'OWN'").values(UUID.self)[0]
                try await tx.cwmpCredentials.create(username: "own-only", password: "device-secret", deviceID: id, realm: "OctoISP ACS", by: .system)
            }
            let bound = RawHTTP.basic("own-only", "device-secret")
            #expect(try await Self.session(harness, RawHTTP.inform(serial: "OTHER", events: ["1 BOOT"]), authorization: bound) == 401)
            #expect(try await harness.count("cwmp_informs") == 2, "the refused Inform wrote nothing")
            #expect(try await harness.count(PostgresQueryText.heldLeases) == 0)
            #expect(try await Self.session(harness, RawHTTP.inform(serial: "OWN", events: ["1 BOOT"]), authorization: bound) == 200)
        }
    }

    @Test func changedPasswordWorksAtOnceAndRemovedCredentialStopsAfterTheCacheLifetime() async throws {
        try await ACSHarness.with { harness in
            #expect(try await Self.session(harness, RawHTTP.inform()) == 200)
            // A new password: the cached credential fails the claim, so the stored one is read again.
            let material = HTTPAuthenticator.hashes(username: "cpe", password: "rotated-password", realm: "OctoISP ACS")
            _ = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("""
                    UPDATE cwmp_credentials SET salt = \(ByteBuffer(bytes: material.salt)), password_hash = \(ByteBuffer(bytes: material.hash)),
                        digest_ha1 = \(material.ha1) WHERE username = 'cpe'
                    """)
            }
            #expect(try await Self.session(harness, RawHTTP.inform(), authorization: RawHTTP.basic("cpe", "rotated-password")) == 200)
            #expect(try await Self.session(harness, RawHTTP.inform(), authorization: RawHTTP.basic("cpe", "wrong-password")) == 401)
            // A removed credential still works from the cache for at most its lifetime, then not at all.
            _ = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("DELETE FROM cwmp_credentials WHERE username = 'cpe'")
            }
            harness.stack.clock.advance(by: ACSConfiguration().credentialCacheSeconds + 1)
            #expect(try await Self.session(harness, RawHTTP.inform(), authorization: RawHTTP.basic("cpe", "rotated-password")) == 401)
        }
    }

    @Test func withoutCacheARemovedCredentialStopsAtOnce() async throws {
        var configuration = ACSConfiguration()
        configuration.credentialCacheSeconds = 0
        try await ACSHarness.with(configuration: configuration) { harness in
            #expect(try await Self.session(harness, RawHTTP.inform()) == 200)
            _ = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("DELETE FROM cwmp_credentials WHERE username = 'cpe'")
            }
            #expect(try await Self.session(harness, RawHTTP.inform()) == 401)
        }
    }

    @Test func configurationReadsTheCredentialCacheLifetime() {
        #expect(ACSConfiguration(environment: [:]).credentialCacheSeconds == 10)
        #expect(ACSConfiguration(environment: ["OCTOISP_CWMP_CREDENTIAL_CACHE": "0"]).credentialCacheSeconds == 0)
        #expect(ACSConfiguration(environment: ["OCTOISP_CWMP_CREDENTIAL_CACHE": "2.5"]).credentialCacheSeconds == 2.5)
    }
}

extension ACSConfiguration {
    /// The default configuration with at most `size` Informs per transaction (1: each alone).
    static func groupCommit(_ size: Int) -> ACSConfiguration {
        var configuration = ACSConfiguration()
        configuration.groupCommit = size
        return configuration
    }
}
