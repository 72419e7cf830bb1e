import Foundation
import OctoCore
import OctoStore
import PostgresNIO

extension AlertEvaluator {
    struct ActiveAlert {
        var id: UUID
        var deviceId: UUID?
        var state: AlertStateMachine.State
        var severity: AlertSeverity
        var summary: String
        var summaryPt: String?
        var suppressedBy: String?
        var incidentId: UUID?
        var labels: [String: String]
        var ruleId: UUID
        var kind: String
        var target: String
        var affected: Int
        var isFiring: Bool { state == .firing || state == .resolving }
    }

    /// Silences, maintenance windows and topology decide which active alerts are suppressed; parents
    /// count what they suppress; firing unsuppressed alerts open incidents, suppressed children join
    /// their root's, and incidents whose alerts all resolved resolve.
    func suppressAndOpenIncidents(devices: [DeviceInfo], byId: DeviceIndex, now: Date, summary: inout Summary, in tx: Transaction) async throws {
        let alerts = try await tx.query("""
            SELECT a.id, a.device_id, a.state, a.severity, a.summary, a.summary_pt, a.suppressed_by, a.incident_id, a.labels::text AS labels, a.rule_id,
                   a.target, a.affected, r.condition->>'type' AS kind
            FROM alerts a JOIN alert_rules r ON r.id = a.rule_id WHERE a.state <> 'resolved'
            """).alertRows { row in
                ActiveAlert(id: try row.value("id"), deviceId: try row.value("device_id"),
                            state: AlertStateMachine.State(rawValue: try row.value("state")) ?? .pending,
                            severity: AlertSeverity(rawValue: try row.value("severity")) ?? .warning, summary: try row.value("summary"),
                            summaryPt: try row.value("summary_pt"), suppressedBy: try row.value("suppressed_by"), incidentId: try row.value("incident_id"), labels: try row.json("labels"),
                            ruleId: try row.value("rule_id"), kind: try row.value("kind"), target: try row.value("target"),
                            affected: Int(try row.value("affected", as: Int32.self)))
            }
        let silences = try await tx.query("""
            SELECT id, matchers::text AS matchers, starts_at, ends_at, reason, created_by, created_at FROM silences
            WHERE starts_at <= \(now) AND ends_at > \(now)
            """).alertRows(SilenceRepository.decode)
        let windows = try await tx.query("SELECT \(unescaped: MaintenanceRepository.columns) FROM maintenance_windows WHERE starts_at <= \(now)")
            .alertRows(MaintenanceRepository.decode).filter { $0.isOpen(at: now) }
        var groupMembers: [UUID: Set<UUID>] = [:]
        for window in windows where window.scope == .group {
            guard let group = window.scopeId else { continue }
            groupMembers[group] = Set(try await tx.query("SELECT device_id FROM device_group_members WHERE group_id = \(group)")
                .alertRows { try $0.value("device_id", as: UUID.self) })
        }
        // Root causes: devices whose reachability alert fires (the most severe one when several rules watch it).
        var downAlert: [UUID: UUID] = [:]
        let downCandidates = alerts.filter { $0.kind == AlertCondition.Kind.reachability.rawValue && $0.isFiring && $0.deviceId != nil }
            .sorted { ($0.severity, $1.id.uuidString) > ($1.severity, $0.id.uuidString) }
        for alert in downCandidates where downAlert[alert.deviceId!] == nil { downAlert[alert.deviceId!] = alert.id }
        // With no device down, no device has a root cause: the topology is walked only when one is.
        let roots = downAlert.isEmpty ? [:]
            : Suppression.roots(parents: Suppression.parents(devices: devices.map { ($0.id, $0.parent, $0.uplink) }), down: Set(downAlert.keys))
        func window(for device: UUID?) -> MaintenanceWindow? {
            windows.first { window in
                switch window.scope {
                case .provider: true
                case .pop: device.flatMap { byId[$0]?.popId } == window.scopeId
                case .device: device == window.scopeId
                case .group: device.map { groupMembers[window.scopeId ?? UUID()]?.contains($0) ?? false } ?? false
                }
            }
        }
        var reasons: [UUID: String?] = [:]
        var affected: [UUID: Int] = [:]
        for alert in alerts {
            var labels = alert.labels
            labels["rule_id"] = alert.ruleId.lowercased
            labels["severity"] = alert.severity.rawValue
            labels["target"] = alert.target
            if let device = alert.deviceId {
                labels["device_id"] = device.lowercased
                labels["device"] = byId[device]?.name
                if let pop = byId[device]?.popId { labels["pop_id"] = pop.lowercased }
            }
            var reason: String?
            if let silence = silences.first(where: { $0.mutes(labels, at: now) }) {
                reason = "silence:\(silence.id.lowercased)"
            } else if let window = window(for: alert.deviceId) {
                reason = "maintenance:\(window.id.lowercased)"
            } else if let device = alert.deviceId, let root = roots[device], let rootAlert = downAlert[root] {
                reason = "parent:\(rootAlert.lowercased)"
                affected[rootAlert, default: 0] += 1
            } else if let device = alert.deviceId, let own = downAlert[device], own != alert.id {
                // Other alerts of a device that is down (its interfaces, its missing data) roll up into its own.
                reason = "parent:\(own.lowercased)"
                affected[own, default: 0] += 1
            }
            reasons[alert.id] = reason
            if reason != alert.suppressedBy {
                try await tx.query("UPDATE alerts SET suppressed_by = \(reason) WHERE id = \(alert.id)")
                try await event(alert.id, reason == nil ? "unsuppressed" : "suppressed", value: nil, note: reason ?? alert.suppressedBy, now: now, in: tx)
            }
        }
        for alert in alerts where affected[alert.id, default: 0] != alert.affected {
            try await tx.query("UPDATE alerts SET affected = \(affected[alert.id, default: 0]) WHERE id = \(alert.id)")
        }
        // Incidents: one per firing root cause; children join their root's.
        var incidentOf: [UUID: UUID] = [:]
        for alert in alerts { if let incident = alert.incidentId { incidentOf[alert.id] = incident } }
        for alert in alerts where alert.isFiring && alert.incidentId == nil && (reasons[alert.id] ?? nil) == nil {
            let incident = UUID()
            let device = alert.deviceId.flatMap { byId[$0] }
            try await tx.query("""
                INSERT INTO incidents (id, provider_id, title, title_pt, severity, status, device_id, pop_id, affected, opened_at)
                VALUES (\(incident), (SELECT app_provider_id()), \(alert.summary), \(alert.summaryPt), \(alert.severity.rawValue), 'open', \(device?.id), \(device?.popId),
                        \(1 + affected[alert.id, default: 0]), \(now))
                """)
            try await incidentEvent(incident, "opened", text: AlertText(en: alert.summary, pt: alert.summaryPt ?? alert.summary), now: now, in: tx)
            try await tx.query("UPDATE alerts SET incident_id = \(incident) WHERE id = \(alert.id)")
            try await tx.publish(topic: "incidents", data: .object(["event": .string("opened"), "id": .string(incident.lowercased)]))
            incidentOf[alert.id] = incident
            summary.incidentsOpened += 1
        }
        var joined: [UUID: Int] = [:]
        for alert in alerts where alert.incidentId == nil && alert.isFiring {
            guard let reason = reasons[alert.id] ?? nil, reason.hasPrefix("parent:"), let root = UUID(uuidString: String(reason.dropFirst(7))),
                  let incident = incidentOf[root] else { continue }
            try await tx.query("UPDATE alerts SET incident_id = \(incident) WHERE id = \(alert.id)")
            joined[incident, default: 0] += 1
        }
        for (incident, count) in joined {
            try await incidentEvent(incident, "alert_joined", text: AlertText(en: "\(count) alert(s) behind the root cause joined",
                                                                              pt: "\(count) alerta(s) atrás da causa raiz entraram no incidente"), now: now, in: tx)
        }
        for (root, count) in affected {
            if let incident = incidentOf[root] { try await tx.query("UPDATE incidents SET affected = \(1 + count) WHERE id = \(incident) AND status <> 'resolved'") }
        }
        // Incidents whose alerts are all resolved resolve.
        let finished = try await tx.query("""
            UPDATE incidents i SET status = 'resolved', resolved_at = \(now)
            WHERE i.status <> 'resolved' AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.incident_id = i.id AND a.state <> 'resolved')
              AND EXISTS (SELECT 1 FROM alerts a WHERE a.incident_id = i.id)
            RETURNING i.id
            """).alertRows { try $0.value("id", as: UUID.self) }
        for incident in finished {
            try await incidentEvent(incident, "resolved", text: AlertText(en: "every alert resolved", pt: "todos os alertas resolvidos"), now: now, in: tx)
            try await tx.publish(topic: "incidents", data: .object(["event": .string("resolved"), "id": .string(incident.lowercased)]))
        }
        summary.incidentsResolved += finished.count
        // What notifies: transitions of alerts that are not suppressed.
        summary.notify = summary.notify.filter { (reasons[$0] ?? nil) == nil }
    }

    /// A system entry of an incident's timeline, in both languages.
    func incidentEvent(_ incident: UUID, _ kind: String, actor: String = "system", text: AlertText, now: Date, in tx: Transaction) async throws {
        try await tx.query("""
            INSERT INTO incident_events (provider_id, incident_id, at, kind, actor, text, text_pt)
            VALUES ((SELECT app_provider_id()), \(incident), \(now), \(kind), \(actor), \(text.en), \(text.pt))
            """)
    }
}
