import Foundation
import OctoCore
import PostgresNIO

extension Transaction {
    /// Everything that happened to one device, in one list.
    public var deviceTimeline: DeviceTimelineRepository { DeviceTimelineRepository(tx: self) }
}

/// What a device's timeline merges.
public enum DeviceTimelineKind: String, Sendable, Codable, CaseIterable {
    /// A TR-069 Inform and its events.
    case inform
    /// A device task (queued, running, done, fault, expired, cancelled).
    case task
    /// A change of a cached TR-069 parameter value.
    case parameterChange = "parameter_change"
    /// An audit entry whose target is the device.
    case audit
    /// A reachability change seen by the SNMP poller.
    case reachability
    /// An alert on the device.
    case alert
}

/// One entry of a device's timeline.
public struct DeviceTimelineEntry: Sendable, Codable, Hashable {
    /// What kind of event.
    public var kind: DeviceTimelineKind
    /// The source row's id (unique within the kind).
    public var id: String
    /// When it happened (tasks: when created; alerts: when started).
    public var at: Date
    /// The kind's own fields.
    public var data: JSONValue
}

/// A page of a timeline, newest first; `nextCursor` continues it (nil: the end).
public struct DeviceTimelinePage: Sendable, Codable, Hashable {
    public var items: [DeviceTimelineEntry]
    public var nextCursor: String?
}

/// Reads a device's timeline: informs, tasks, parameter changes, audit entries, reachability changes
/// and alerts merged in SQL, newest first, paged by a cursor (the position of the last entry shown),
/// so entries that arrive while a technician reads never shift the next page.
public struct DeviceTimelineRepository: Sendable {
    let tx: Transaction

    /// The position after which a page starts: time in microseconds, kind and id of the last entry.
    public struct Cursor: Sendable, Hashable {
        public var micros: Int64
        public var kind: String
        public var id: String

        /// Parses `<microseconds>.<kind>.<id>`; nil when malformed.
        public init?(_ text: String) {
            let parts = text.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, let micros = Int64(parts[0]), DeviceTimelineKind(rawValue: String(parts[1])) != nil,
                  !parts[2].isEmpty, parts[2].utf8.count <= 64 else { return nil }
            self.micros = micros
            self.kind = String(parts[1])
            self.id = String(parts[2])
        }

        init(micros: Int64, kind: String, id: String) {
            self.micros = micros
            self.kind = kind
            self.id = id
        }

        public var text: String { "\(micros).\(kind).\(id)" }
    }

    /// Up to `limit` entries of `device` of the `kinds` asked for, after `cursor`; `notFound` for an
    /// unknown device.
    public func page(device: UUID, kinds: Set<DeviceTimelineKind>, after cursor: Cursor?, limit: Int) async throws -> DeviceTimelinePage {
        _ = try await tx.devices.get(device)
        let has = { (kind: DeviceTimelineKind) in kinds.contains(kind) }
        let target = device.lowercased
        // Each source gives at most its own first `limit + 1` entries after the cursor, read in time order
        // from its (device, time) index, so a page costs the same for a device with years of history;
        // the merge then keeps the first `limit + 1` of those. `bound` lets the time index cut the scan
        // (1 ms above the cursor: the exact comparison is the tuple one).
        let micros = cursor?.micros, kind = cursor?.kind, ref = cursor?.id
        let bound = cursor.map { Date(timeIntervalSince1970: Double($0.micros) / 1_000_000 + 0.001) }
        let rows = try await tx.query("""
            SELECT kind, ref, at, (extract(epoch FROM at) * 1000000)::int8 AS us, data::text AS data FROM (
                    (SELECT 'inform'::text AS kind, id::text AS ref, at,
                           jsonb_build_object('events', to_jsonb(events), 'command_keys', to_jsonb(command_keys),
                                              'retry_count', retry_count, 'remote_ip', host(remote_ip)) AS data
                        FROM cwmp_informs WHERE device_id = \(device) AND \(has(.inform))
                          AND (\(micros)::int8 IS NULL OR at <= \(bound))
                          AND (\(micros)::int8 IS NULL OR ((extract(epoch FROM at) * 1000000)::int8, 'inform', id::text COLLATE "C")
                               < (\(micros), \(kind) COLLATE "C", \(ref) COLLATE "C"))
                        ORDER BY at DESC, id::text COLLATE "C" DESC LIMIT \(limit + 1))
                    UNION ALL
                    (SELECT 'task', id::text, created_at,
                           jsonb_build_object('type', type, 'status', status, 'created_by', created_by, 'started_at', started_at,
                                              'finished_at', finished_at, 'fault_code', fault_code, 'fault_string', fault_string)
                        FROM acs_tasks WHERE device_id = \(device) AND \(has(.task))
                          AND (\(micros)::int8 IS NULL OR created_at <= \(bound))
                          AND (\(micros)::int8 IS NULL OR ((extract(epoch FROM created_at) * 1000000)::int8, 'task', id::text COLLATE "C")
                               < (\(micros), \(kind) COLLATE "C", \(ref) COLLATE "C"))
                        ORDER BY created_at DESC, id::text COLLATE "C" DESC LIMIT \(limit + 1))
                    UNION ALL
                    (SELECT 'parameter_change', id::text, changed_at,
                           jsonb_build_object('path', path, 'old_value', old_value, 'new_value', new_value)
                        FROM device_parameter_changes WHERE device_id = \(device) AND \(has(.parameterChange))
                          AND (\(micros)::int8 IS NULL OR changed_at <= \(bound))
                          AND (\(micros)::int8 IS NULL OR ((extract(epoch FROM changed_at) * 1000000)::int8, 'parameter_change', id::text COLLATE "C")
                               < (\(micros), \(kind) COLLATE "C", \(ref) COLLATE "C"))
                        ORDER BY changed_at DESC, id::text COLLATE "C" DESC LIMIT \(limit + 1))
                    UNION ALL
                    (SELECT 'audit', id::text, at,
                           jsonb_build_object('action', action, 'actor_type', actor_type, 'actor_label', actor_label)
                        FROM audit_log WHERE provider_id = \(tx.providerID) AND target_type = 'device' AND target_id = \(target)
                          AND \(has(.audit))
                          AND (\(micros)::int8 IS NULL OR at <= \(bound))
                          AND (\(micros)::int8 IS NULL OR ((extract(epoch FROM at) * 1000000)::int8, 'audit', id::text COLLATE "C")
                               < (\(micros), \(kind) COLLATE "C", \(ref) COLLATE "C"))
                        ORDER BY at DESC, id::text COLLATE "C" DESC LIMIT \(limit + 1))
                    UNION ALL
                    (SELECT 'reachability', id::text, at, jsonb_build_object('state', state)
                        FROM device_reachability_changes WHERE device_id = \(device) AND \(has(.reachability))
                          AND (\(micros)::int8 IS NULL OR at <= \(bound))
                          AND (\(micros)::int8 IS NULL OR ((extract(epoch FROM at) * 1000000)::int8, 'reachability', id::text COLLATE "C")
                               < (\(micros), \(kind) COLLATE "C", \(ref) COLLATE "C"))
                        ORDER BY at DESC, id::text COLLATE "C" DESC LIMIT \(limit + 1))
                    UNION ALL
                    (SELECT 'alert', id::text, started_at,
                           jsonb_build_object('severity', severity, 'state', state, 'summary', summary, 'summary_pt_br', summary_pt, 'resolved_at', resolved_at)
                        FROM alerts WHERE device_id = \(device) AND \(has(.alert))
                          AND (\(micros)::int8 IS NULL OR started_at <= \(bound))
                          AND (\(micros)::int8 IS NULL OR ((extract(epoch FROM started_at) * 1000000)::int8, 'alert', id::text COLLATE "C")
                               < (\(micros), \(kind) COLLATE "C", \(ref) COLLATE "C"))
                        ORDER BY started_at DESC, id::text COLLATE "C" DESC LIMIT \(limit + 1))
            ) merged
            ORDER BY us DESC, kind COLLATE "C" DESC, ref COLLATE "C" DESC
            LIMIT \(limit + 1)
            """).map { row -> (DeviceTimelineEntry, Cursor) in
                let kind = try row.get("kind", as: String.self)
                let id = try row.get("ref", as: String.self)
                let data = try OctoJSON.decoder.decode(JSONValue.self, from: Data(try row.get("data", as: String.self).utf8))
                let entry = DeviceTimelineEntry(kind: DeviceTimelineKind(rawValue: kind) ?? .audit, id: id, at: try row.get("at"), data: data)
                return (entry, Cursor(micros: try row.get("us"), kind: kind, id: id))
            }
        let shown = rows.prefix(limit)
        return DeviceTimelinePage(items: shown.map(\.0), nextCursor: rows.count > limit ? shown.last?.1.text : nil)
    }
}
