import Alerts
import Foundation
import HTTPTypes
import Logging
import OctoCore
import OctoStore
import OctoTestSupport
import Testing

/// Alert rules, silences, maintenance windows, alerts and incidents through the API: permissions,
/// audit, isolation, and answers that match their documented schemas.
@Suite struct AlertsAPITests {
    @Test func aNOCEngineerWorksAnIncidentFromRuleToResolution() async throws {
        try await APIHarness.with(configure: ContractTests.unlimited) { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            try await harness.stack.makeUser("noc@alfa.test", role: .noc, provider: provider.id)
            try await harness.stack.makeUser("viewer@alfa.test", role: .viewer, provider: provider.id)
            let noc = try await harness.login("noc@alfa.test")
            let viewer = try await harness.login("viewer@alfa.test")
            let documentResponse = try await harness.client.execute(uri: "/api/v1/openapi.json", method: .get)
            let schema = try OpenAPISchema(Data(documentResponse.body.readableBytesView))
            var problems: [String] = []
            func check(_ method: HTTPRequest.Method, _ template: String, _ path: String? = nil, token: String, json: String? = nil) async throws -> APIResponse {
                let response = try await harness.call(method, path ?? template, token: token, json: json)
                if let documented = schema.responseSchema(method.rawValue.lowercased(), template, status: Int(response.status.code)), let body = response.json {
                    problems += schema.problems(body, documented).map { "\(method) \(template): \($0)" }
                } else if response.status != .noContent {
                    problems.append("\(method) \(template): \(response.status.code) undocumented")
                }
                return response
            }
            // A switch that goes down.
            let device = try await harness.stack.database.withTenant(provider.id) { tx in
                let device = try await tx.devices.create(DeviceInput(name: "SW-CENTRO", kind: .switch), by: .system)
                try await tx.query("""
                    INSERT INTO snmp_devices (provider_id, device_id, address, reachability, created_at, updated_at)
                    VALUES (\(provider.id), \(device.id), '127.3.0.9'::inet, 'down', now(), now())
                    """)
                return device.id
            }
            // The viewer reads but writes nothing.
            let refused = try await harness.call(.post, "/api/v1/alert-rules", token: viewer, json: #"{"name": "x", "condition": {"type": "interface_down"}}"#)
            #expect(refused.status == .forbidden)
            let defaults = try await check(.post, "/api/v1/alert-rules/defaults", token: noc)
            #expect(defaults.status == .created)
            #expect(defaults.items.count == BuiltinAlertRules.all.count)
            #expect(try await check(.post, "/api/v1/alert-rules/defaults", token: noc).items.isEmpty, "installing twice adds nothing")
            let invalid = try await harness.call(.post, "/api/v1/alert-rules", token: noc, json: #"""
                {"name": "CPU", "condition": {"type": "threshold", "metric": "cpu", "op": ">", "value": 90, "clear": 95}}
                """#)
            #expect(invalid.status == .badRequest && invalid.errorField == "condition.clear")
            let duplicate = try await harness.call(.post, "/api/v1/alert-rules", token: noc, json: #"{"name": "Device unreachable", "condition": {"type": "interface_down"}}"#)
            #expect(duplicate.status == .conflict)
            let rules = try await check(.get, "/api/v1/alert-rules", token: viewer)
            #expect(rules.items.count == BuiltinAlertRules.all.count)
            let down = try #require(rules.items.first { $0["name"]?.stringValue == "Device unreachable" }?["id"]?.stringValue)
            let patched = try await check(.patch, "/api/v1/alert-rules/{id}", "/api/v1/alert-rules/\(down)", token: noc, json: #"{"for_seconds": 0}"#)
            #expect(patched.status == .ok)
            // The editor's preview: what a rule would match now, storing nothing.
            let preview = try await check(.post, "/api/v1/alert-rules/preview", token: viewer,
                                          json: #"{"condition": {"type": "reachability"}, "device_kinds": ["switch"]}"#)
            #expect(preview.status == .ok)
            #expect(preview["targets"] == .number(1) && preview["breaching"] == .number(1), "\(String(describing: preview.json))")
            guard case .array(let matches)? = preview["matches"] else { Issue.record("no matches"); return }
            #expect(matches.first?["device_name"]?.stringValue == "SW-CENTRO" && matches.first?["state"]?.stringValue == "breach")
            let routers = try await check(.post, "/api/v1/alert-rules/preview", token: viewer,
                                          json: #"{"condition": {"type": "reachability"}, "device_kinds": ["router"]}"#)
            #expect(routers["targets"] == .number(0) && routers["breaching"] == .number(0))
            let badPreview = try await harness.call(.post, "/api/v1/alert-rules/preview", token: viewer, json: #"{"condition": {"type": "threshold", "metric": "cpu", "op": ">", "value": 90, "clear": 95}}"#)
            #expect(badPreview.status == .badRequest && badPreview.errorField == "condition.clear")
            let stored = try await harness.stack.database.withTenant(provider.id) { tx in
                try await tx.query("SELECT count(*) FROM alerts").values(Int.self).first
            }
            #expect(stored == 0, "a preview stores no alert")
            // The evaluator runs (as the alerts role's job would).
            let summary = try await AlertEvaluator(database: harness.stack.database, logger: Logger(label: "t")).evaluate(provider: provider.id)
            #expect(summary.transitions["firing"] == 1)
            let alerts = try await check(.get, "/api/v1/alerts", "/api/v1/alerts?severity=critical", token: viewer)
            #expect(alerts.items.count == 1)
            let alert = try #require(alerts.items.first)
            #expect(alert["device_id"]?.stringValue == device.lowercased)
            #expect(alert["state"]?.stringValue == "firing")
            let alertId = try #require(alert["id"]?.stringValue)
            let detail = try await check(.get, "/api/v1/alerts/{id}", "/api/v1/alerts/\(alertId)", token: viewer)
            #expect(detail["events"].map { if case .array(let events) = $0 { return events.count } else { return 0 } } == 1)
            let incidents = try await check(.get, "/api/v1/incidents", token: viewer)
            let incident = try #require(incidents.items.first?["id"]?.stringValue)
            #expect(try await harness.call(.post, "/api/v1/incidents/\(incident)/acknowledge", token: viewer).status == .forbidden)
            let acked = try await check(.post, "/api/v1/incidents/{id}/acknowledge", "/api/v1/incidents/\(incident)/acknowledge", token: noc)
            #expect(acked.string("status") == "acknowledged")
            #expect(try await harness.call(.post, "/api/v1/incidents/\(incident)/acknowledge", token: noc).status == .conflict)
            _ = try await check(.post, "/api/v1/incidents/{id}/notes", "/api/v1/incidents/\(incident)/notes", token: noc, json: #"{"text": "Técnico a caminho do POP"}"#)
            let resolved = try await check(.post, "/api/v1/incidents/{id}/resolve", "/api/v1/incidents/\(incident)/resolve", token: noc)
            #expect(resolved.string("status") == "resolved")
            let timeline = try await check(.get, "/api/v1/incidents/{id}", "/api/v1/incidents/\(incident)", token: viewer)
            guard case .array(let events)? = timeline["events"] else { Issue.record("no events"); return }
            #expect(events.compactMap { $0["kind"]?.stringValue } == ["opened", "acknowledged", "note", "resolved"])
            // Silences and maintenance windows.
            let silence = try await check(.post, "/api/v1/silences", token: noc,
                                          json: #"{"matchers": {"device": "SW-*"}, "ends_at": "\#(OctoJSON.formatDate(harness.stack.clock.now.addingTimeInterval(86_400)))", "reason": "troca"}"#)
            #expect(silence.status == .created)
            let silenceId = try #require(silence.string("id"))
            #expect(try await check(.get, "/api/v1/silences", "/api/v1/silences?active=true", token: viewer).items.count == 1)
            #expect(try await check(.delete, "/api/v1/silences/{id}", "/api/v1/silences/\(silenceId)", token: noc).status == .ok)
            #expect(try await check(.get, "/api/v1/silences", "/api/v1/silences?active=true", token: viewer).items.isEmpty)
            let window = try await check(.post, "/api/v1/maintenance-windows", token: noc, json: #"""
                {"name": "Janela semanal", "scope": "device", "scope_id": "\#(device.lowercased)", "starts_at": "2030-01-01T02:00:00Z",
                 "ends_at": "2030-01-01T04:00:00Z", "recurrence": "weekly"}
                """#)
            #expect(window.status == .created)
            #expect(try await check(.get, "/api/v1/maintenance-windows", token: viewer).items.count == 1)
            let foreign = try await harness.call(.post, "/api/v1/maintenance-windows", token: noc, json: #"""
                {"name": "x", "scope": "device", "scope_id": "\#(UUID().lowercased)", "starts_at": "2030-01-01T02:00:00Z", "ends_at": "2030-01-01T04:00:00Z"}
                """#)
            #expect(foreign.status == .badRequest && foreign.errorField == "scope_id")
            #expect(try await check(.delete, "/api/v1/alert-rules/{id}", "/api/v1/alert-rules/\(down)", token: noc).status == .noContent)
            // Audited, and invisible to another provider.
            let actions = try await harness.stack.database.withTenant(provider.id) { tx in
                try await tx.query("SELECT action FROM audit_log WHERE action LIKE 'alert_rule.%' OR action LIKE 'incident.%' OR action LIKE 'silence.%' ORDER BY seq").values(String.self)
            }
            #expect(actions.filter { $0 == "alert_rule.create" }.count == BuiltinAlertRules.all.count)
            #expect(actions.contains("alert_rule.update") && actions.contains("alert_rule.delete") && actions.contains("incident.acknowledge")
                    && actions.contains("incident.resolve") && actions.contains("silence.create") && actions.contains("silence.expire"))
            let other = try await harness.stack.makeProvider("beta")
            try await harness.stack.makeUser("noc@beta.test", role: .noc, provider: other.id)
            let stranger = try await harness.login("noc@beta.test")
            #expect(try await harness.call(.get, "/api/v1/incidents/\(incident)", token: stranger).status == .notFound)
            #expect(try await harness.call(.get, "/api/v1/alerts?state=all", token: stranger).items.isEmpty)
            #expect(try await harness.call(.get, "/api/v1/alert-rules", token: stranger).items.isEmpty)
            #expect(problems.isEmpty, "\(problems)")
        }
    }

    @Test func aChannelsPacingIsSetReadAndValidatedThroughTheAPI() async throws {
        try await APIHarness.with(configure: ContractTests.unlimited) { harness in
            let provider = try await harness.stack.makeProvider("pacing")
            try await harness.stack.makeUser("admin@pacing.test", role: .providerAdmin, provider: provider.id)
            let admin = try await harness.login("admin@pacing.test")
            let created = try await harness.call(.post, "/api/v1/notification-channels", token: admin, json: #"""
                {"name": "E-mail", "channel": {"type": "email", "settings": {"host": "127.0.0.1", "from_address": "a@p.test", "recipients": ["noc@p.test"]}},
                 "pacing": {"group_by": ["pop"], "group_wait_seconds": 10, "quiet_hours": {"start": "22:00", "end": "07:00"}}}
                """#)
            #expect(created.status == .created, "\(String(describing: created.json))")
            guard case .object(let pacing)? = created["pacing"] else { Issue.record("no pacing: \(created.status)"); return }
            #expect(pacing["group_wait_seconds"] == .number(10) && pacing["group_interval_seconds"] == .number(300))
            #expect(pacing["group_by"] == .array([.string("pop")]))
            guard case .object(let quiet)? = pacing["quiet_hours"] else { Issue.record("no quiet hours"); return }
            #expect(quiet["time_zone"] == .string("America/Sao_Paulo") && quiet["min_severity"] == .string("critical"))
            let id = try #require(created["id"]?.stringValue)
            let patched = try await harness.call(.patch, "/api/v1/notification-channels/\(id)", token: admin, json: #"{"pacing": {"repeat_interval_seconds": 3600}}"#)
            #expect(patched.status == .ok)
            guard case .object(let after)? = patched["pacing"] else { Issue.record("no pacing"); return }
            #expect(after["repeat_interval_seconds"] == .number(3600) && after["group_wait_seconds"] == .number(30)
                    && (after["quiet_hours"] == nil || after["quiet_hours"] == .null),
                    "a pacing sent replaces the stored one; absent fields take the defaults")
            for (body, field) in [(#"{"pacing": {"quiet_hours": {"start": "7h", "end": "08:00"}}}"#, "pacing.quiet_hours.start"),
                                  (#"{"pacing": {"group_wait_seconds": 7200}}"#, "pacing.group_wait_seconds")] {
                let refused = try await harness.call(.patch, "/api/v1/notification-channels/\(id)", token: admin, json: body)
                #expect(refused.status == .badRequest && refused.errorField == field, "\(body)")
            }
            let stored = try await harness.call(.get, "/api/v1/notification-channels/\(id)", token: admin)
            guard case .object(let kept)? = stored["pacing"] else { Issue.record("no pacing"); return }
            #expect(kept["repeat_interval_seconds"] == .number(3600), "a refused change changes nothing")
            // A viewer opts in to alert e-mails through that channel, changes and ends it; nobody else sees it.
            try await harness.stack.makeUser("viewer@pacing.test", role: .viewer, provider: provider.id)
            let viewer = try await harness.login("viewer@pacing.test")
            let subscribed = try await harness.call(.post, "/api/v1/me/email-subscriptions", token: viewer,
                                                    json: #"{"via_channel_id": "\#(id)", "min_severity": "warning", "pacing": {"quiet_hours": {"start": "22:00", "end": "07:00"}}}"#)
            #expect(subscribed.status == .created, "\(String(describing: subscribed.json))")
            #expect(subscribed["via_channel_id"]?.stringValue == id && subscribed["min_severity"]?.stringValue == "warning")
            let subscription = try #require(subscribed["id"]?.stringValue)
            #expect(try await harness.call(.post, "/api/v1/me/email-subscriptions", token: viewer, json: #"{"via_channel_id": "\#(id)"}"#).status == .conflict)
            #expect(try await harness.call(.get, "/api/v1/me/email-subscriptions", token: viewer).items.count == 1)
            #expect(try await harness.call(.get, "/api/v1/me/email-subscriptions", token: admin).items.isEmpty)
            #expect(try await harness.call(.patch, "/api/v1/me/email-subscriptions/\(subscription)", token: admin, json: #"{"enabled": false}"#).status == .notFound)
            let changed = try await harness.call(.patch, "/api/v1/me/email-subscriptions/\(subscription)", token: viewer, json: #"{"min_severity": "critical"}"#)
            #expect(changed.status == .ok && changed["min_severity"]?.stringValue == "critical")
            #expect(try await harness.call(.delete, "/api/v1/me/email-subscriptions/\(subscription)", token: viewer).status == .noContent)
            #expect(try await harness.call(.get, "/api/v1/me/email-subscriptions", token: viewer).items.isEmpty)
        }
    }
}
