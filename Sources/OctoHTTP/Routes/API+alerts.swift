import Alerts
import Foundation
import Hummingbird
import OctoCore
import OctoMetrics
import OctoStore

/// `POST /incidents/{id}/assign`.
struct IncidentAssignInput: Decodable, Sendable {
    /// A user, or `null` to unassign.
    var userId: Nullable<UUID>?
}

/// `POST /incidents/{id}/notes`.
struct IncidentNoteInput: Decodable, Sendable {
    var text: String
}

/// An alert with its timeline.
struct AlertWithEvents: Encodable, Sendable {
    var alert: Alert
    var events: [AlertEvent]
}

/// An incident with its timeline and alerts.
struct IncidentWithEvents: Encodable, Sendable {
    var incident: Incident
    var events: [IncidentEvent]
    var alerts: [Alert]
}

extension API {
    /// Alerts, rules, silences, maintenance windows and incidents: read with `alerts.read`; rules,
    /// silences, maintenance and incident actions with `alerts.write`.
    func addAlertRoutes(to routes: inout RouteTable) {
        routes.get("alerts", query: ["state", "severity", "pop_id", "device_id", "rule_id", "suppressed"], paged: true) { request, context in
            try context.require(.alerts, .read)
            let page = try request.page()
            let state = request.query("state") ?? "active"
            guard ["active", "all", "pending", "firing", "resolving", "resolved"].contains(state) else {
                throw OctoError.invalid("state", "state must be one of: active, all, pending, firing, resolving, resolved")
            }
            var suppressed = true
            if let text = request.query("suppressed") {
                guard let flag = Bool(text) else { throw OctoError.invalid("suppressed", "suppressed must be true or false") }
                suppressed = flag
            }
            let filter = AlertFilter(state: state, severity: try request.queryEnum("severity", AlertSeverity.self), popId: try request.queryUUID("pop_id"),
                                     deviceId: try request.queryUUID("device_id"), ruleId: try request.queryUUID("rule_id"), suppressed: suppressed)
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.alerts.list(filter, page: page) })
        }
        routes.get("alerts/:id") { request, context in
            try context.require(.alerts, .read)
            let id = try context.uuid()
            return JSONResponse(try await inTenant(request, context) { tx in
                AlertWithEvents(alert: try await tx.alerts.get(id), events: try await tx.alerts.events(id))
            })
        }
        routes.get("alert-rules", paged: true) { request, context in
            try context.require(.alerts, .read)
            let page = try request.page()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.alertRules.list(page: page) })
        }
        routes.post("alert-rules") { request, context in
            try context.require(.alerts, .write)
            let input = try await request.decode(as: AlertRuleInput.self, context: context)
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.alertRules.create(input, by: actor) }, status: .created)
        }
        routes.post("alert-rules/defaults", body: .none) { request, context in
            try context.require(.alerts, .write)
            let actor = try context.actor()
            let created = try await inTenant(request, context) { tx in try await tx.alertRules.installBuiltins(by: actor) }
            return JSONResponse(Page(items: created, total: created.count, limit: max(created.count, 1), offset: 0), status: .created)
        }
        routes.post("alert-rules/preview") { request, context in
            try context.require(.alerts, .read)
            let input = try await request.decode(as: AlertRuleInput.self, context: context)
            let evaluator = AlertEvaluator(database: database, retention: metricsStoreValue?.retention ?? MetricsRetention(), logger: context.logger)
            return JSONResponse(try await inTenant(request, context) { tx in try await evaluator.preview(input, in: tx) })
        }
        routes.get("alert-rules/:id") { request, context in
            try context.require(.alerts, .read)
            let id = try context.uuid()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.alertRules.get(id) })
        }
        routes.patch("alert-rules/:id") { request, context in
            try context.require(.alerts, .write)
            let id = try context.uuid()
            let input = try await request.decode(as: AlertRuleInput.self, context: context)
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.alertRules.update(id, input, by: actor) })
        }
        routes.delete("alert-rules/:id") { request, context in
            try context.require(.alerts, .write)
            let id = try context.uuid()
            let actor = try context.actor()
            try await inTenant(request, context) { tx in try await tx.alertRules.delete(id, by: actor) }
            return NoContent()
        }
        routes.get("silences", query: ["active"], paged: true) { request, context in
            try context.require(.alerts, .read)
            let page = try request.page()
            let active = try request.query("active").map { text throws(OctoError) -> Bool in
                guard let flag = Bool(text) else { throw OctoError.invalid("active", "active must be true or false") }
                return flag
            } ?? false
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.silences.list(active: active, page: page) })
        }
        routes.post("silences") { request, context in
            try context.require(.alerts, .write)
            let input = try await request.decode(as: SilenceInput.self, context: context)
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.silences.create(input, by: actor) }, status: .created)
        }
        routes.delete("silences/:id") { request, context in
            try context.require(.alerts, .write)
            let id = try context.uuid()
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.silences.expire(id, by: actor) })
        }
        routes.get("maintenance-windows", paged: true) { request, context in
            try context.require(.alerts, .read)
            let page = try request.page()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.maintenanceWindows.list(page: page) })
        }
        routes.post("maintenance-windows") { request, context in
            try context.require(.alerts, .write)
            let input = try await request.decode(as: MaintenanceWindowInput.self, context: context)
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.maintenanceWindows.create(input, by: actor) }, status: .created)
        }
        routes.delete("maintenance-windows/:id") { request, context in
            try context.require(.alerts, .write)
            let id = try context.uuid()
            let actor = try context.actor()
            try await inTenant(request, context) { tx in try await tx.maintenanceWindows.delete(id, by: actor) }
            return NoContent()
        }
        routes.get("incidents", query: ["open", "pop_id"], paged: true) { request, context in
            try context.require(.alerts, .read)
            let page = try request.page()
            let open = try request.query("open").map { text throws(OctoError) -> Bool in
                guard let flag = Bool(text) else { throw OctoError.invalid("open", "open must be true or false") }
                return flag
            } ?? true
            let pop = try request.queryUUID("pop_id")
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.incidents.list(open: open, popId: pop, page: page) })
        }
        routes.get("incidents/:id") { request, context in
            try context.require(.alerts, .read)
            let id = try context.uuid()
            return JSONResponse(try await inTenant(request, context) { tx in
                let incident = try await tx.incidents.get(id)
                let alerts = try await tx.alerts.list(incident: id)
                return IncidentWithEvents(incident: incident, events: try await tx.incidents.events(id), alerts: alerts)
            })
        }
        for (path, action) in [("acknowledge", IncidentRepository.Action.acknowledge), ("resolve", .resolve)] {
            routes.post("incidents/:id/\(path)", body: .none) { request, context in
                try context.require(.alerts, .write)
                let id = try context.uuid()
                let actor = try context.actor()
                return JSONResponse(try await inTenant(request, context) { tx in try await tx.incidents.act(id, action, by: actor) })
            }
        }
        routes.post("incidents/:id/assign") { request, context in
            try context.require(.alerts, .write)
            let id = try context.uuid()
            let input = try await request.decode(as: IncidentAssignInput.self, context: context)
            guard let user = input.userId else { throw OctoError.invalid("user_id", "missing field 'user_id' (null unassigns)") }
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.incidents.act(id, .assign(user.wrapped), by: actor) })
        }
        routes.post("incidents/:id/notes") { request, context in
            try context.require(.alerts, .write)
            let id = try context.uuid()
            let input = try await request.decode(as: IncidentNoteInput.self, context: context)
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.incidents.act(id, .note(input.text), by: actor) },
                                status: .created)
        }
    }
}
