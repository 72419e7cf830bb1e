import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import OctoCore
import OctoHTTP
import OctoJobs
import OctoStore
import OctoTestSupport
import Testing

/// The API contract over the whole route table: unknown body fields and query parameters are refused
/// on every route, naming them, and nothing is written.
@Suite struct ContractTests {
    /// A body each JSON route decodes (right types, required fields present); the test adds a field no
    /// route knows. Every body route of the table must have one here, so a new route cannot skip the test.
    static let validBodies: [String: String] = [
        "post /api/v1/auth/login": #"{"email": "a@b.test", "password": "x"}"#,
        "post /api/v1/auth/refresh": #"{"refresh_token": "x"}"#,
        "post /api/v1/auth/logout": #"{"refresh_token": "x"}"#,
        "post /api/v1/auth/invitation": #"{"token": "x"}"#,
        "post /api/v1/auth/invitation/accept": #"{"token": "x", "password": "a long enough password"}"#,
        "post /api/v1/users/{id}/invitation": #"{"via_channel_id": "00000000-0000-0000-0000-000000000000"}"#,
        "post /api/v1/auth/totp/enable": #"{"code": "123456", "password": "x"}"#,
        "post /api/v1/auth/totp/disable": #"{"code": "123456", "password": "x"}"#,
        "post /api/v1/providers": #"{"slug": "gamma", "name": "Gamma"}"#,
        "patch /api/v1/providers/{id}": #"{"name": "Gamma"}"#,
        "post /api/v1/pops": #"{"name": "Centro"}"#,
        "patch /api/v1/pops/{id}": #"{"name": "Centro"}"#,
        "post /api/v1/customers": #"{"name": "Maria", "pop_id": null}"#,
        "patch /api/v1/customers/{id}": #"{"pop_id": null}"#,
        "post /api/v1/devices": #"{"name": "ONT", "kind": "ont"}"#,
        "patch /api/v1/devices/{id}": #"{"customer_id": null}"#,
        "post /api/v1/users": #"{"email": "new@alfa.test", "password": "correct horse battery", "role_key": "viewer"}"#,
        "patch /api/v1/users/{id}": #"{"name": "New"}"#,
        "post /api/v1/roles": #"{"key": "ops", "name": "Ops", "permissions": ["devices.read"]}"#,
        "patch /api/v1/roles/{id}": #"{"name": "Ops"}"#,
        "post /api/v1/api-keys": #"{"name": "script"}"#,
        "post /api/v1/metrics/series": #"{"device_id": "00000000-0000-0000-0000-000000000001", "metric": "rx", "labels": {}, "unit": "dBm", "kind": "gauge", "counter_bits": 0}"#,
        "post /api/v1/devices/{id}/tasks": #"{"type": "reboot"}"#,
        "post /api/v1/tool-runs": #"{"tool": "ping", "ping": {"target": "127.99.0.2"}}"#,
        "post /api/v1/tool-target-ranges": #"{"cidr": "127.99.0.0/16"}"#,
        "put /api/v1/tool-limits": #"{"max_active": 2, "max_per_minute": 10}"#,
        "patch /api/v1/me/preferences": #"{"theme": "dark"}"#,
        "post /api/v1/provisioning/templates": #"{"name": "T", "match": {"manufacturer": "X"}}"#,
        "post /api/v1/provisioning/templates/{id}/versions": #"{"note": "n"}"#,
        "post /api/v1/provisioning/templates/{id}/rollback": #"{"version": 1}"#,
        "post /api/v1/devices/{id}/provisioning/dry-run": #"{"version": 1}"#,
        "post /api/v1/devices/{id}/actions": #"{"type": "reboot"}"#,
        "post /api/v1/provisioning/rollouts": #"{"name": "R", "target": {}, "action": {"type": "reboot"}}"#,
        "post /api/v1/snmp/credentials": #"{"name": "c", "version": "v2c", "community": "public"}"#,
        "patch /api/v1/snmp/credentials/{id}": #"{"name": "c"}"#,
        "post /api/v1/snmp/discovery-ranges": #"{"cidr": "127.1.0.0/30"}"#,
        "post /api/v1/snmp/devices": #"{"address": "127.1.0.1"}"#,
        "patch /api/v1/devices/{id}/snmp": #"{"enabled": true, "intervals": {"system": 60}}"#,
        "post /api/v1/device-groups": #"{"name": "G", "kind": "dynamic", "filter": {"vendor": "Acme"}}"#,
        "patch /api/v1/device-groups/{id}": #"{"description": null}"#,
        "post /api/v1/device-groups/{id}/members": #"{"add": [], "remove": []}"#,
        "post /api/v1/acs/credentials": #"{"username": "cpe-9", "password": "password-123"}"#,
        "patch /api/v1/acs/credentials/{id}": #"{"device_id": null}"#,
        "put /api/v1/acs/connection-request-credentials/{target}": #"{"username": "acs", "password": "secret"}"#,
        "put /api/v1/acs/registration-policy": #"{"max_devices": 1000, "per_minute": 60, "require_approval": false}"#,
        "put /api/v1/acs/xmpp-account": #"{"host": "xmpp.example.net", "jid": "acs@example.net", "password": "secret"}"#,
        "post /api/v1/alert-rules": #"{"name": "R", "condition": {"type": "interface_down"}}"#,
        "patch /api/v1/report-settings": #"{"time_zone": "America/Manaus"}"#,
        "post /api/v1/alert-rules/preview": #"{"condition": {"type": "interface_down"}}"#,
        "patch /api/v1/alert-rules/{id}": #"{"enabled": false}"#,
        "post /api/v1/silences": #"{"matchers": {"device": "x"}, "ends_at": "2030-01-01T00:00:00Z", "reason": "r"}"#,
        "post /api/v1/maintenance-windows": #"{"name": "W", "scope": "provider", "starts_at": "2030-01-01T00:00:00Z", "ends_at": "2030-01-01T01:00:00Z"}"#,
        "post /api/v1/incidents/{id}/assign": #"{"user_id": null}"#,
        "post /api/v1/incidents/{id}/notes": #"{"text": "n"}"#,
        "post /api/v1/notification-channels": #"{"name": "N", "channel": {"type": "webhook", "settings": {"url": "http://127.0.0.1:9/h", "key": "k", "timeout_seconds": 5}}}"#,
        "patch /api/v1/notification-channels/{id}": #"{"enabled": false}"#,
        "post /api/v1/me/push-subscriptions": #"{"endpoint": "https://push.example.com/s/1", "keys": {"p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM", "auth": "tBHItJI5svbpez7KI4CCXg"}}"#,
        "patch /api/v1/me/push-subscriptions/{id}": #"{"min_severity": "warning"}"#,
        "post /api/v1/me/email-subscriptions": #"{"via_channel_id": "00000000-0000-4000-8000-000000000001"}"#,
        "patch /api/v1/me/email-subscriptions/{id}": #"{"min_severity": "warning"}"#,
        "post /api/v1/reports": #"{"kind": "sla", "from": "2026-11-01", "to": "2026-11-01"}"#,
        "post /api/v1/reports/preview": #"{"kind": "sla", "from": "2026-11-01", "to": "2026-11-01"}"#,
        "post /api/v1/report-schedules": #"{"name": "S", "request": {"kind": "sla"}, "cadence": "daily", "channel_id": "00000000-0000-0000-0000-000000000000", "recipients": ["a@b.test"]}"#,
        "patch /api/v1/report-schedules/{id}": #"{"enabled": false}"#,
    ]

    /// Nested objects are checked too, with the path of the unknown key.
    static let nestedCases: [(route: String, body: String, field: String)] = [
        ("post /api/v1/provisioning/templates", #"{"name": "T", "match": {"manufacturer": "X", "colour": "red"}}"#, "match.colour"),
        ("post /api/v1/provisioning/rollouts", #"{"name": "R", "target": {}, "action": {"type": "reboot", "force": true}}"#, "action.force"),
        ("post /api/v1/device-groups", #"{"name": "G", "kind": "dynamic", "filter": {"vendor": "Acme", "pop": "x"}}"#, "filter.pop"),
        ("post /api/v1/devices/{id}/tasks", #"{"type": "setParameterValues", "parameter_values": [{"name": "Device.X", "value": "1", "typ": "xsd:int"}]}"#,
         "parameter_values[0].typ"),
        ("post /api/v1/alert-rules", #"{"name": "R", "condition": {"type": "interface_down", "colour": "red"}}"#, "condition.colour"),
        ("post /api/v1/report-schedules", #"{"name": "S", "request": {"kind": "sla", "colour": "red"}, "cadence": "daily"}"#, "request.colour"),
        // U+0000 cannot be stored in PostgreSQL text or jsonb: refused at the door, naming the field.
        ("post /api/v1/pops", #"{"name": "A\u0000B"}"#, "name"),
        ("post /api/v1/silences", #"{"matchers": {"a\u0000": "x"}, "ends_at": "2030-01-01T00:00:00Z", "reason": "r"}"#, "matchers"),
    ]

    /// Counts of what a refused request must not change: the audit chains (every mutation audits in its
    /// transaction) and the main tables.
    static func footprint(_ harness: APIHarness, _ provider: UUID) async throws -> [Int] {
        let tenant = try await harness.stack.database.withTenant(provider) { tx in
            [try await tx.auditLog.list(AuditFilter(), page: PageRequest()).total,
             try await tx.devices.list(DeviceFilter(), page: PageRequest()).total,
             try await tx.pops.list(search: nil, page: PageRequest()).total,
             try await tx.customers.list(search: nil, popId: nil, page: PageRequest()).total,
             try await tx.users.list(search: nil, page: PageRequest()).total]
        }
        let platform = try await harness.stack.database.withGlobal { tx in
            [try await tx.auditLog.list(AuditFilter(), page: PageRequest()).total,
             try await tx.providers.list(search: nil, page: PageRequest()).total]
        }
        return tenant + platform
    }

    /// `/api/v1/devices/{id}` with a fresh id for every path parameter.
    static func concrete(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { part in
            guard part.hasPrefix("{") else { return String(part) }
            return part == "{version}" ? "1" : UUID().lowercased
        }.joined(separator: "/")
    }

    static func routes(_ harness: APIHarness) -> [APIEndpoint] {
        API(database: harness.stack.database, auth: harness.stack.auth, hub: RealtimeHub(), configuration: .init(), metrics: .init()).contract()
    }

    /// No rate limit gets in the way of a walk over the whole table.
    static func unlimited(_ configuration: inout APIConfiguration) {
        configuration.credentialBurst = 100_000
        configuration.addressBurst = 100_000
    }

    @Test func everyBodyRouteRefusesAnUnknownFieldAndWritesNothing() async throws {
        try await APIHarness.with(configure: Self.unlimited) { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            try await harness.stack.makeUser("root@octoisp.test", role: .globalAdmin, provider: nil)
            let token = try await harness.login("root@octoisp.test")
            let before = try await Self.footprint(harness, provider.id)
            let routes = Self.routes(harness).filter { ["post", "put", "patch"].contains($0.method) }
            var covered = 0
            for route in routes {
                let key = "\(route.method) \(route.path)"
                let method = HTTPRequest.Method(rawValue: route.method.uppercased())!
                let path = Self.concrete(route.path)
                let body: String
                switch route.body {
                case .json:
                    let valid = try #require(Self.validBodies[key], "\(key) takes JSON: add a valid body to ContractTests.validBodies")
                    body = String(valid.dropLast()) + #", "zz_bogus": 1}"#
                case .raw:
                    continue  // file bytes; its query parameters are checked below
                case .none:
                    body = #"{"zz_bogus": 1}"#
                }
                let response = try await harness.call(method, path, token: token, provider: provider.id, json: body)
                #expect(response.status == .badRequest, "\(key) → \(response.status) \(String(describing: response.json))")
                #expect(response.errorCode == "invalid_input", "\(key)")
                #expect(response.errorField == "zz_bogus", "\(key) → field \(String(describing: response.errorField)) \(String(describing: response.json))")
                covered += 1
            }
            for (route, body, field) in Self.nestedCases {
                let parts = route.split(separator: " ")
                let response = try await harness.call(HTTPRequest.Method(rawValue: parts[0].uppercased())!, Self.concrete(String(parts[1])),
                                                      token: token, provider: provider.id, json: body)
                #expect(response.status == .badRequest, "\(route) → \(response.status)")
                #expect(response.errorField == field, "\(route) → \(String(describing: response.errorField))")
            }
            #expect(Set(Self.validBodies.keys).isSubset(of: Set(routes.map { "\($0.method) \($0.path)" })), "samples for routes that do not exist")
            #expect(covered == routes.filter { $0.body != .raw }.count)
            #expect(covered >= 35)
            #expect(try await Self.footprint(harness, provider.id) == before)
        }
    }

    @Test func everyRouteRefusesAnUnknownQueryParameter() async throws {
        try await APIHarness.with(configure: Self.unlimited) { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            try await harness.stack.makeUser("root@octoisp.test", role: .globalAdmin, provider: nil)
            let token = try await harness.login("root@octoisp.test")
            let before = try await Self.footprint(harness, provider.id)
            let routes = Self.routes(harness)
            #expect(routes.filter { $0.method == "get" }.count >= 30)
            for route in routes {
                let key = "\(route.method) \(route.path)"
                let method = HTTPRequest.Method(rawValue: route.method.uppercased())!
                let json = ["post", "put", "patch"].contains(route.method) ? Self.validBodies[key] : nil
                let response = try await harness.call(method, Self.concrete(route.path) + "?zz_bogus=1", token: token, provider: provider.id, json: json)
                #expect(response.status == .badRequest, "\(key) → \(response.status)")
                #expect(response.errorField == "zz_bogus", "\(key) → \(String(describing: response.errorField))")
            }
            // A U+0000 in a declared parameter is refused too (PostgreSQL text cannot hold it).
            let nul = try await harness.call(.get, "/api/v1/jobs?queue=a%00b", token: token, provider: provider.id)
            #expect(nul.status == .badRequest && nul.errorField == "queue", "\(nul.status) \(String(describing: nul.json))")
            #expect(try await Self.footprint(harness, provider.id) == before)
        }
    }

    /// Every paged list of the table answers {items, total, limit, offset} with the same limit rules;
    /// lists under an item are read under a real one.
    @Test func everyPagedListAnswersOnePageShape() async throws {
        try await APIHarness.with(configure: Self.unlimited,
                                  jobs: { stack in PostgresJobQueue(database: stack.database, logger: Logger(label: "jobs")) }) { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            try await harness.stack.makeUser("admin@alfa.test", role: .providerAdmin, provider: provider.id)
            let token = try await harness.login("admin@alfa.test")
            let pop = try #require(try await harness.call(.post, "/api/v1/pops", token: token, json: #"{"name": "Centro"}"#).string("id"))
            // An SNMP-managed device, so its interface list exists too.
            let snmp = try await harness.call(.post, "/api/v1/snmp/devices", token: token, json: #"{"address": "127.1.9.9", "pop_id": "\#(pop)"}"#)
            let device = try #require(snmp.string("device_id"), "\(snmp.json as Any)")
            let group = try #require(try await harness.call(.post, "/api/v1/device-groups", token: token, json: #"{"name": "G"}"#).string("id"))
            let created = try await harness.call(.post, "/api/v1/provisioning/templates", token: token,
                                                json: #"{"name": "T", "match": {"manufacturer": "X"}, "settings": {"wifi": [{"band": "2.4GHz", "ssid": "Acme"}]}}"#)
            let template = try #require(created["template"]?.string("id"), "\(created.json as Any)")
            let ids = ["/pops/": pop, "/devices/": device, "/device-groups/": group, "/provisioning/templates/": template]
            let lists = Self.routes(harness).filter { $0.method == "get" && $0.paged }
            #expect(lists.count >= 25)
            for route in lists {
                // The one list whose item cannot be made here (a rollout) is read for a missing one: 404.
                var path = route.path
                for (prefix, id) in ids { path = path.replacingOccurrences(of: prefix + "{id}", with: prefix + id) }
                let missing = path.contains("{")
                path = Self.concrete(path)
                var query = "?limit=1"
                if route.query.contains("device_id") && path.hasSuffix("/metrics/series") { query += "&device_id=\(device)" }
                let response = try await harness.call(.get, path + query, token: token)
                if missing {
                    #expect(response.status == .notFound, "\(route.path) → \(response.status)")
                    continue
                }
                if response.status == .serviceUnavailable { continue }  // the metrics store is not configured in this harness
                #expect(response.status == .ok, "\(route.path) → \(response.status) \(response.json as Any)")
                guard case .object(let page)? = response.json else { Issue.record("\(route.path): not an object"); continue }
                // A list that stops counting (the devices) adds whether it did.
                let flag: Set<String> = page["total_is_estimate"].map { _ in ["total_is_estimate"] } ?? []
                #expect(Set(page.keys) == Set(["items", "total", "limit", "offset"]).union(flag), "\(route.path): \(page.keys.sorted())")
                if let estimate = page["total_is_estimate"] { #expect(estimate == .bool(false), "\(route.path)") }
                #expect(page["limit"] == .number(1) && page["offset"] == .number(0), "\(route.path)")
                #expect(response.items.count <= 1, "\(route.path)")
                let tooMany = try await harness.call(.get, path + "?limit=501", token: token)
                #expect(tooMany.status == .badRequest && tooMany.errorField == "limit", "\(route.path)")
            }
        }
    }

    /// The OpenAPI document lists exactly the query parameters each route accepts, with paging and
    /// sort where the route has them.
    @Test func openAPIQueryParametersMatchTheRouteTable() async throws {
        try await APIHarness.with { harness in
            let response = try await harness.client.execute(uri: "/api/v1/openapi.json", method: .get)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            let shared = (document["components"] as? [String: Any])?["parameters"] as? [String: [String: Any]] ?? [:]
            for route in Self.routes(harness) {
                let operation = try #require(paths[route.path]?[route.method] as? [String: Any], "\(route.method) \(route.path) undocumented")
                var documented = Set<String>()
                for parameter in operation["parameters"] as? [[String: Any]] ?? [] {
                    let resolved = (parameter["$ref"] as? String).flatMap { shared[String($0.split(separator: "/").last!)] } ?? parameter
                    if resolved["in"] as? String == "query", let name = resolved["name"] as? String { documented.insert(name) }
                }
                #expect(documented == Set(route.query), "\(route.method) \(route.path): documented \(documented.sorted()), served \(route.query)")
            }
        }
    }

    @Test func wrongTypesNameTheFieldAndNullClearsWhileAbsentKeeps() async throws {
        try await APIHarness.with { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            try await harness.stack.makeUser("admin@alfa.test", role: .providerAdmin, provider: provider.id)
            let token = try await harness.login("admin@alfa.test")
            let wrong = try await harness.call(.post, "/api/v1/users", token: token,
                                               json: #"{"email": "v@alfa.test", "password": "correct horse battery", "role": "provider_admin"}"#)
            #expect(wrong.status == .badRequest)
            #expect(wrong.errorField == "role")
            let typed = try await harness.call(.post, "/api/v1/pops", token: token, json: #"{"name": 5}"#)
            #expect(typed.errorField == "name")
            let query = try await harness.call(.get, "/api/v1/provisioning/templates?archived=yes", token: token)
            #expect(query.status == .badRequest)
            #expect(query.errorField == "archived")

            let pop = try await harness.call(.post, "/api/v1/pops", token: token, json: #"{"name": "Centro"}"#)
            let popId = try #require(pop.string("id"))
            let device = try await harness.call(.post, "/api/v1/devices", token: token, json: #"{"name": "ONT", "pop_id": "\#(popId.uppercased())"}"#)
            #expect(device.status == .created)
            let id = try #require(device.string("id"))
            let kept = try await harness.call(.patch, "/api/v1/devices/\(id.uppercased())", token: token, json: #"{"name": "ONT 2"}"#)
            #expect(kept.status == .ok)
            #expect(kept.string("pop_id") == popId)
            let cleared = try await harness.call(.patch, "/api/v1/devices/\(id)", token: token, json: #"{"pop_id": null}"#)
            #expect(cleared.status == .ok)
            #expect(cleared["pop_id"] == nil)
            // Text fields clear with null too; fields that cannot be cleared refuse it instead of ignoring it.
            _ = try await harness.call(.patch, "/api/v1/devices/\(id)", token: token, json: #"{"notes": "rack 3", "vendor": "Acme"}"#)
            let noNotes = try await harness.call(.patch, "/api/v1/devices/\(id)", token: token, json: #"{"notes": null}"#)
            #expect(noNotes["notes"] == nil && noNotes.string("vendor") == "Acme")
            let noName = try await harness.call(.patch, "/api/v1/devices/\(id)", token: token, json: #"{"name": null}"#)
            #expect(noName.status == .badRequest && noName.errorField == "name")
            let popCity = try await harness.call(.patch, "/api/v1/pops/\(popId)", token: token, json: #"{"city": "Recife"}"#)
            #expect(popCity.string("city") == "Recife")
            #expect(try await harness.call(.patch, "/api/v1/pops/\(popId)", token: token, json: #"{"city": null}"#)["city"] == nil)
        }
    }

    @Test func websocketCommandsAreDecodedStrictlyToo() async throws {
        try await APIHarness.with { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            try await harness.stack.makeUser("noc@alfa.test", role: .noc, provider: provider.id)
            let token = try await harness.login("noc@alfa.test")
            let port = try #require(harness.client.port)
            let received = Inbox()
            try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/api/v1/ws?access_token=\(token)", logger: .quiet) { inbound, outbound, _ in
                try await outbound.write(.text(#"{"action": "subscribe", "topics": ["devices"], "colour": "red"}"#))
                try await outbound.write(.text(#"{"action": "subscribe", "topics": ["devices"]}"#))
                for try await message in inbound.messages(maxSize: 1 << 16) {
                    if case .text(let text) = message { received.messages.withLock { $0.append(text) } }
                    if received.messages.withLock({ $0.contains { $0.contains("subscribed") } }) { break }
                }
            }
            let messages = received.messages.withLock { $0 }
            #expect(messages.contains { $0.contains(#""type":"error""#) && $0.contains("unknown field 'colour'") }, "\(messages)")
            #expect(messages.contains { $0.contains("subscribed") })
        }
    }

    @Test func idsAreLowerCaseInAnswersAndEvents() async throws {
        try await APIHarness.with { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            try await harness.stack.makeUser("admin@alfa.test", role: .providerAdmin, provider: provider.id)
            let token = try await harness.login("admin@alfa.test")
            let pop = try await harness.call(.post, "/api/v1/pops", token: token, json: #"{"name": "Centro"}"#)
            let popId = try #require(pop.string("id"))
            #expect(popId == popId.lowercased())
            #expect(pop.string("provider_id") == provider.id.lowercased)
            #expect(pop.headers[.location] == "/api/v1/pops/\(popId)")
            // Location of a nested resource created under an upper-case id is canonical too.
            let device = try #require(try await harness.call(.post, "/api/v1/devices", token: token, json: #"{"name": "CPE"}"#).string("id"))
            let task = try await harness.call(.post, "/api/v1/devices/\(device.uppercased())/tasks", token: token, json: #"{"type": "reboot"}"#)
            let taskId = try #require(task.string("id"))
            #expect(task.headers[.location] == "/api/v1/devices/\(device)/tasks/\(taskId)")
            #expect(try await harness.call(.get, try #require(task.headers[.location]), token: token).status == .ok)
            let me = try await harness.call(.get, "/api/v1/me", token: token)
            let meId = try #require(me.string("id"))
            #expect(meId == meId.lowercased())
            // The realtime event as it travels (NOTIFY payload) and as the API encodes it.
            let event = RealtimeEvent(providerId: provider.id, topic: "devices", data: .object(["id": .string(popId)]))
            let text = try event.encoded()
            #expect(text.contains(provider.id.lowercased))
            #expect(!text.contains(provider.id.uuidString))
            // Upper-case ids are accepted in paths and bodies.
            let upper = try await harness.call(.get, "/api/v1/pops/\(popId.uppercased())", token: token)
            #expect(upper.status == .ok)
            #expect(upper.string("id") == popId)
        }
    }
}
