import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Monitoring
import NIOCore
import OctoAuth
import OctoCore
import OctoJobs
import OctoStore
import OctoTestSupport
import Prometheus
import Testing
@testable import OctoHTTP

extension PollingIntegrationTests {
    @Suite struct MonitoringAPITests {
        func token(_ stack: TestStack, _ email: String, role: PredefinedRole, provider: UUID) async throws -> String {
            try await stack.makeUser(email, role: role, provider: provider)
            return try await stack.auth.login(email: email, password: "correct horse battery", totpCode: nil,
                                              client: ClientInfo(ip: "127.0.0.1")).accessToken
        }

        @Test func anotherProvidersDevicesAnswer404AndSecretsAreNeverReturned() async throws {
            try await TestDatabase.with { stack in
                let a = try await PollingFixture.make(stack, slug: "alpha")
                let b = try await PollingFixture.make(stack, slug: "beta")
                let adminA = try await token(stack, "admin@alpha.test", role: .providerAdmin, provider: a.provider)
                let viewerB = try await token(stack, "viewer@beta.test", role: .viewer, provider: b.provider)
                let jobs = PostgresJobQueue(database: stack.database, clock: stack.clock, logger: PollingPeers.logger)
                let api = API(database: stack.database, auth: stack.auth, hub: RealtimeHub(), configuration: APIConfiguration(),
                              metrics: PrometheusCollectorRegistry(), jobs: jobs, secrets: a.secrets)
                let app = Application(responder: EdgeResponder(inner: api.buildRouter().0.buildResponder()))
                try await app.test(.router) { client in
                    func call(_ method: HTTPRequest.Method, _ uri: String, _ token: String, _ body: String? = nil) async throws -> TestResponse {
                        var headers: HTTPFields = [.authorization: "Bearer \(token)"]
                        if body != nil { headers[.contentType] = "application/json" }
                        return try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
                    }
                    let created = try await call(.post, "/api/v1/snmp/credentials", adminA,
                                                 #"{"name": "core", "version": "v2c", "community": "s3cr3t-community"}"#)
                    #expect(created.status == .created)
                    let createdText = String(buffer: created.body)
                    #expect(!createdText.contains("s3cr3t") && createdText.contains("\"version\":\"v2c\""))
                    let credential = try OctoJSON.decoder.decode(SNMPCredential.self, from: Data(created.body.readableBytesView))
                    let renamed = try await call(.patch, "/api/v1/snmp/credentials/\(credential.id.uuidString)", adminA,
                                                 #"{"name": "core-2", "community": "n3w-community"}"#)
                    #expect(renamed.status == .ok && !String(buffer: renamed.body).contains("n3w"))
                    let changeVersion = try await call(.patch, "/api/v1/snmp/credentials/\(credential.id.uuidString)", adminA, #"{"version": "v3"}"#)
                    #expect(changeVersion.status == .badRequest)
                    #expect(try await call(.get, "/api/v1/snmp/credentials/\(credential.id.uuidString)", viewerB).status == .notFound)
                    let device = try await call(.post, "/api/v1/snmp/devices", adminA,
                                                #"{"address": "127.1.0.20", "pop_id": "\#(a.pop.uuidString)", "credential_id": "\#(credential.id.uuidString)"}"#)
                    #expect(device.status == .created)
                    let state = try OctoJSON.decoder.decode(SNMPDevice.self, from: Data(device.body.readableBytesView))
                    #expect(state.reachability == "unknown" && state.intervals["interfaces"] == 60 && state.intervals["system"] == 300)
                    let id = state.deviceId.uuidString.lowercased()

                    let patched = try await call(.patch, "/api/v1/devices/\(id)/snmp", adminA, #"{"intervals": {"interfaces": 120}, "enabled": false}"#)
                    #expect(patched.status == .ok)
                    let after = try OctoJSON.decoder.decode(SNMPDevice.self, from: Data(patched.body.readableBytesView))
                    #expect(after.intervals["interfaces"] == 120 && !after.enabled)
                    let tooFast = try await call(.patch, "/api/v1/devices/\(id)/snmp", adminA, #"{"intervals": {"interfaces": 5}}"#)
                    #expect(tooFast.status == .badRequest)
                    let unknown = try await call(.patch, "/api/v1/devices/\(id)/snmp", adminA, #"{"intervals": {"bogus": 60}}"#)
                    #expect(unknown.status == .badRequest)
                    #expect(try await call(.get, "/api/v1/devices/\(id)/interfaces", adminA).status == .ok)
                    let wide = try await call(.post, "/api/v1/snmp/discovery-ranges", adminA, #"{"pop_id": "\#(a.pop.uuidString)", "cidr": "10.0.0.0/16"}"#)
                    #expect(wide.status == .badRequest)
                    let rangeCreated = try await call(.post, "/api/v1/snmp/discovery-ranges", adminA,
                                                 #"{"pop_id": "\#(a.pop.uuidString)", "cidr": "127.1.3.0/24", "every_seconds": 3600}"#)
                    #expect(rangeCreated.status == .created)
                    let range = try OctoJSON.decoder.decode(DiscoveryRange.self, from: Data(rangeCreated.body.readableBytesView))
                    #expect(range.cidr == "127.1.3.0/24" && range.everySeconds == 3600)
                    let run = try await call(.post, "/api/v1/snmp/discovery-ranges/\(range.id.uuidString)/run", adminA)
                    #expect(run.status == .accepted)
                    #expect(try await call(.post, "/api/v1/snmp/discovery-ranges/\(range.id.uuidString)/run", viewerB).status == .forbidden)
                    let queued = try await jobs.jobs(provider: a.provider, filter: JobFilter(type: "snmp.discover"), page: PageRequest(limit: 10, offset: 0))
                    #expect(queued.items.count == 1 && queued.items.first?.queue == "snmp")

                    // Provider B sees none of it, and cannot change it.
                    #expect(try await call(.get, "/api/v1/devices/\(id)/snmp", viewerB).status == .notFound)
                    #expect(try await call(.get, "/api/v1/devices/\(id)/interfaces", viewerB).status == .notFound)
                    let listB = try await call(.get, "/api/v1/snmp/credentials", viewerB)
                    #expect(listB.status == .ok && String(buffer: listB.body) == #"{"items":[],"limit":50,"offset":0,"total":0}"#)
                    #expect(try await call(.patch, "/api/v1/devices/\(id)/snmp", viewerB, #"{"enabled": true}"#).status == .forbidden)
                    #expect(try await call(.delete, "/api/v1/snmp/credentials/\(credential.id.uuidString)", viewerB).status == .forbidden)
                }
                let (actions, sealed) = try await stack.database.withTenant(a.provider) { tx in
                    (try await tx.query("SELECT action FROM audit_log WHERE action LIKE 'snmp_%' ORDER BY seq").values(String.self),
                     try await tx.query("SELECT community_sealed FROM snmp_credentials").values(String.self))
                }
                #expect(actions == ["snmp_credential.create", "snmp_credential.update", "snmp_device.create", "snmp_device.update", "snmp_discovery_range.create",
                                   "snmp_discovery_range.run"])
                #expect(sealed.count == 1 && !sealed[0].contains("s3cr3t") && !sealed[0].contains("n3w") && sealed[0].hasPrefix("v1."))
                let opened = try await stack.database.withTenant(a.provider) { tx in
                    try await tx.snmpCredentials.candidates(pop: nil, secrets: a.secrets)
                }
                #expect(opened.map(\.credentials) == [.v2c(community: "n3w-community")])
            }
        }
    }
}
