import Foundation
import HTTPTypes
import Logging
import OctoCore
import OctoJobs
import OctoStore
import OctoTestSupport
import Testing

/// Real answers of the API checked against the OpenAPI document's schemas: every property documented,
/// required ones present, types and enums right, ids in lower case.
@Suite struct ResponseSchemaTests {
    @Test func answersMatchTheirDocumentedSchemas() async throws {
        try await APIHarness.with(configure: ContractTests.unlimited,
                                  jobs: { stack in PostgresJobQueue(database: stack.database, logger: Logger(label: "jobs")) }) { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            let user = try await harness.stack.makeUser("admin@alfa.test", role: .providerAdmin, provider: provider.id)
            let token = try await harness.login("admin@alfa.test")
            let documentResponse = try await harness.client.execute(uri: "/api/v1/openapi.json", method: .get)
            let schema = try OpenAPISchema(Data(documentResponse.body.readableBytesView))
            var checked = 0
            var problems: [String] = []

            /// Calls `method path` and checks the answer against the schema of `template` for its status.
            @discardableResult
            func check(_ method: HTTPRequest.Method, _ template: String, _ path: String? = nil, json: String? = nil) async throws -> APIResponse {
                let response = try await harness.call(method, path ?? template, token: token, json: json)
                guard let documented = schema.responseSchema(method.rawValue.lowercased(), template, status: Int(response.status.code)) else {
                    problems.append("\(method) \(template): status \(response.status.code) has no documented JSON schema (\(response.json as Any))")
                    return response
                }
                guard let body = response.json else {
                    problems.append("\(method) \(template): no JSON body")
                    return response
                }
                problems += schema.problems(body, documented).map { "\(method) \(template): \($0)" }
                checked += 1
                return response
            }

            let pop = try #require(try await check(.post, "/api/v1/pops", json: #"{"name": "Centro", "city": "Recife"}"#).string("id"))
            let customer = try #require(try await check(.post, "/api/v1/customers", json: #"{"name": "Maria", "pop_id": "\#(pop)", "sla_target_percent": 99.5}"#).string("id"))
            let device = try #require(try await check(.post, "/api/v1/devices",
                                                      json: #"{"name": "OLT", "kind": "olt", "vendor": "Acme", "pop_id": "\#(pop)", "customer_id": "\#(customer)", "tags": ["core"]}"#).string("id"))
            let deviceId = try #require(UUID(uuidString: device))
            try await harness.stack.database.withTenant(provider.id) { tx in
                try await tx.query("""
                    INSERT INTO device_parameters (provider_id, device_id, path, value, type, writable, is_object, updated_at) VALUES
                    (\(provider.id), \(deviceId), 'Device.', NULL, NULL, false, true, now()),
                    (\(provider.id), \(deviceId), 'Device.WiFi.SSID.1.SSID', 'Casa', 'xsd:string', true, false, now())
                    """)
                try await tx.query("""
                    INSERT INTO device_parameter_changes (provider_id, device_id, path, old_value, new_value, changed_at)
                    VALUES (\(provider.id), \(deviceId), 'Device.WiFi.SSID.1.SSID', NULL, 'Casa', now())
                    """)
                try await tx.query("""
                    INSERT INTO snmp_optics (provider_id, device_id, scope, item, label, rx_dbm, tx_dbm, updated_at)
                    VALUES (\(provider.id), \(deviceId), 'onu', '1.1', 'onu 1', -30, 2, now()), (\(provider.id), \(deviceId), 'onu', '1.2', NULL, NULL, NULL, now())
                    """)
                try await tx.query("""
                    INSERT INTO snmp_neighbors (provider_id, device_id, protocol, item, local_if_index, local_port, remote_chassis_id,
                                                remote_port_id, remote_sys_name, remote_address, updated_at)
                    VALUES (\(provider.id), \(deviceId), 'lldp', '0.6.2', 6, 'ether6', 'e8:28:c1:3c:1c:d8', 'p24', 'sw11', '10.0.0.2', now())
                    """)
                try await tx.query("""
                    INSERT INTO snmp_bgp_peers (provider_id, device_id, peer_address, remote_as, state, admin_up, established_seconds,
                                                prefixes_received, source, updated_at)
                    VALUES (\(provider.id), \(deviceId), '10.45.2.2', 65000, 6, true, 3600, 13970, 'bgp4+huawei', now())
                    """)
            }
            let group = try #require(try await check(.post, "/api/v1/device-groups", json: #"{"name": "G", "device_ids": ["\#(device)"]}"#).string("id"))
            try await check(.post, "/api/v1/device-groups", json: #"{"name": "D", "kind": "dynamic", "filter": {"tag": "core"}}"#)
            let credential = try #require(try await check(.post, "/api/v1/acs/credentials", json: #"{"username": "cpe", "password": "password-123"}"#).string("id"))
            try await check(.post, "/api/v1/api-keys", json: #"{"name": "script"}"#)
            try await check(.post, "/api/v1/devices/{id}/tasks", "/api/v1/devices/\(device)/tasks", json: #"{"type": "reboot"}"#)
            let role = try await harness.call(.get, "/api/v1/roles", token: token).items.first?.string("id") ?? ""

            let reads: [(String, String)] = [
                ("/api/v1/me", "/api/v1/me"),
                ("/api/v1/providers", "/api/v1/providers"),
                ("/api/v1/pops", "/api/v1/pops"), ("/api/v1/pops/{id}", "/api/v1/pops/\(pop)"),
                ("/api/v1/customers", "/api/v1/customers"), ("/api/v1/customers/{id}", "/api/v1/customers/\(customer)"),
                ("/api/v1/devices", "/api/v1/devices?sort=-name"), ("/api/v1/devices/{id}", "/api/v1/devices/\(device)"),
                ("/api/v1/users", "/api/v1/users"), ("/api/v1/users/{id}", "/api/v1/users/\(user.id.lowercased)"),
                ("/api/v1/roles", "/api/v1/roles"), ("/api/v1/roles/{id}", "/api/v1/roles/\(role)"),
                ("/api/v1/api-keys", "/api/v1/api-keys"), ("/api/v1/audit", "/api/v1/audit?limit=500"),
                ("/api/v1/jobs", "/api/v1/jobs"), ("/api/v1/jobs/dead-letters", "/api/v1/jobs/dead-letters"),
                ("/api/v1/jobs/queues", "/api/v1/jobs/queues"),
                ("/api/v1/devices/{id}/tasks", "/api/v1/devices/\(device)/tasks"),
                ("/api/v1/device-groups", "/api/v1/device-groups"), ("/api/v1/device-groups/{id}", "/api/v1/device-groups/\(group)"),
                ("/api/v1/device-groups/{id}/devices", "/api/v1/device-groups/\(group)/devices"),
                ("/api/v1/devices/{id}/parameters", "/api/v1/devices/\(device)/parameters"),
                ("/api/v1/devices/{id}/parameters/history", "/api/v1/devices/\(device)/parameters/history"),
                ("/api/v1/devices/{id}/timeline", "/api/v1/devices/\(device)/timeline"),
                ("/api/v1/devices/{id}/optics", "/api/v1/devices/\(device)/optics"), ("/api/v1/pops/{id}/optics", "/api/v1/pops/\(pop)/optics"),
                ("/api/v1/devices/{id}/neighbors", "/api/v1/devices/\(device)/neighbors"),
                ("/api/v1/devices/{id}/bgp-peers", "/api/v1/devices/\(device)/bgp-peers"),
                ("/api/v1/pops/{id}/topology", "/api/v1/pops/\(pop)/topology"),
                ("/api/v1/dashboard/summary", "/api/v1/dashboard/summary"),
                ("/api/v1/acs/credentials", "/api/v1/acs/credentials"), ("/api/v1/acs/credentials/{id}", "/api/v1/acs/credentials/\(credential)"),
                ("/api/v1/acs/connection-request-credentials", "/api/v1/acs/connection-request-credentials"),
                ("/api/v1/snmp/credentials", "/api/v1/snmp/credentials"), ("/api/v1/snmp/discovery-ranges", "/api/v1/snmp/discovery-ranges"),
                ("/api/v1/snmp/devices", "/api/v1/snmp/devices"), ("/api/v1/files", "/api/v1/files"),
                ("/api/v1/provisioning/templates", "/api/v1/provisioning/templates"), ("/api/v1/provisioning/rollouts", "/api/v1/provisioning/rollouts"),
                // Errors have their documented shape too.
                ("/api/v1/devices/{id}", "/api/v1/devices/\(UUID().lowercased)"),
                ("/api/v1/devices", "/api/v1/devices?colour=red"),
            ]
            for (template, path) in reads { try await check(.get, template, path) }
            // Reports: a queued run, the archive, a preview and a schedule over an e-mail channel.
            let report = try #require(try await check(.post, "/api/v1/reports",
                                                      json: #"{"kind": "sla", "scope": "pop", "scope_id": "\#(pop)", "from": "2026-11-01", "to": "2026-11-30"}"#).string("id"))
            try await check(.get, "/api/v1/reports", "/api/v1/reports?kind=sla")
            try await check(.get, "/api/v1/reports/{id}", "/api/v1/reports/\(report)")
            try await check(.post, "/api/v1/reports/preview", json: #"{"kind": "bandwidth", "from": "2026-11-01", "to": "2026-11-01"}"#)
            try await check(.post, "/api/v1/reports", json: #"{"kind": "sla", "from": "2026-11-31", "to": "2026-11-30"}"#)
            let channel = UUID()
            try await harness.stack.database.withTenant(provider.id) { tx in
                try await tx.query("""
                    INSERT INTO notification_channels (id, provider_id, name, kind, settings, created_at, updated_at)
                    VALUES (\(channel), \(provider.id), 'E-mail', 'email', '{}', now(), now())
                    """)
            }
            let reportSchedule = try #require(try await check(.post, "/api/v1/report-schedules", json: """
                {"name": "Mensal", "request": {"kind": "sla", "formats": ["pdf"]}, "cadence": "monthly", "channel_id": "\(channel.lowercased)", "recipients": ["d@alfa.test"]}
                """).string("id"))
            try await check(.get, "/api/v1/report-schedules")
            try await check(.patch, "/api/v1/report-schedules/{id}", "/api/v1/report-schedules/\(reportSchedule)", json: #"{"cadence": "cron", "cron": "0 7 * * 1-5"}"#)
            try await check(.patch, "/api/v1/devices/{id}", "/api/v1/devices/\(device)", json: #"{"customer_id": null, "tags": []}"#)
            // The checker itself refuses what it should.
            let popSchema = try #require(schema.resolve("#/components/schemas/Pop"))
            let wrong = schema.problems(.object(["id": .string(UUID().uuidString), "name": .number(1), "colour": .string("red")]), popSchema)
            #expect(wrong.count == 6, "\(wrong)")
            #expect(problems.isEmpty, "\(problems.count) problems:\n\(problems.joined(separator: "\n"))")
            #expect(checked >= 40)
        }
    }
}
