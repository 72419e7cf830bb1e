import Foundation
import OctoCore

/// Mutes the alerts whose labels match every matcher, between two instants. Silenced alerts are still
/// recorded; they notify nobody and open no incident.
public struct Silence: Sendable, Hashable, Codable {
    /// Id.
    public var id: UUID
    /// Label → value (`*` at the end of a value matches any suffix). `device_id`, `pop_id`, `rule_id`,
    /// `rule`, `severity` and `target` are labels of every alert.
    public var matchers: [String: String]
    /// Start.
    public var startsAt: Date
    /// End.
    public var endsAt: Date
    /// Why.
    public var reason: String
    /// Who.
    public var createdBy: String
    /// When it was made.
    public var createdAt: Date

    /// Creates a silence.
    public init(id: UUID, matchers: [String: String], startsAt: Date, endsAt: Date, reason: String, createdBy: String, createdAt: Date) {
        self.id = id
        self.matchers = matchers
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.reason = reason
        self.createdBy = createdBy
        self.createdAt = createdAt
    }

    /// Whether it mutes an alert with `labels` at `now`.
    public func mutes(_ labels: [String: String], at now: Date) -> Bool {
        guard now >= startsAt, now < endsAt, !matchers.isEmpty else { return false }
        return matchers.allSatisfy { key, pattern in
            guard let value = labels[key] else { return false }
            if pattern.hasSuffix("*") { return value.hasPrefix(pattern.dropLast()) }
            return value == pattern
        }
    }
}

/// `POST /silences`.
public struct SilenceInput: Sendable, Codable {
    public var matchers: [String: String]
    public var startsAt: Date?
    public var endsAt: Date
    public var reason: String

    /// Creates an input.
    public init(matchers: [String: String], startsAt: Date? = nil, endsAt: Date, reason: String) {
        self.matchers = matchers
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.reason = reason
    }

    /// Validated; 400 naming the field.
    func validate(now: Date) throws(OctoError) -> (Date, Date) {
        guard !matchers.isEmpty, matchers.count <= 20 else { throw .invalid("matchers", "one to 20 matchers") }
        guard (1...1000).contains(reason.count) else { throw .invalid("reason", "reason must be 1–1000 characters") }
        // Now, to the whole millisecond below: stored with microsecond precision, a start rounded up
        // would begin after the instant that created it.
        let start = startsAt ?? Date(timeIntervalSince1970: (now.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
        guard endsAt > start else { throw .invalid("ends_at", "ends_at must be after starts_at") }
        guard endsAt.timeIntervalSince(start) <= 90 * 86_400 else { throw .invalid("ends_at", "a silence lasts at most 90 days") }
        return (start, endsAt)
    }
}

/// Planned work: the scope's alerts are suppressed while a window is open (and excluded from SLA).
public struct MaintenanceWindow: Sendable, Hashable, Codable {
    /// Repetition of the [starts_at, ends_at) span.
    public enum Recurrence: String, Sendable, Hashable, Codable { case daily, weekly }

    /// Id.
    public var id: UUID
    /// Name.
    public var name: String
    /// Provider, POP, group or device.
    public var scope: AlertScope
    /// The POP, group or device.
    public var scopeId: UUID?
    /// First occurrence start.
    public var startsAt: Date
    /// First occurrence end.
    public var endsAt: Date
    /// Repetition, if any.
    public var recurrence: Recurrence?
    /// No occurrence starts after this.
    public var until: Date?
    /// Why.
    public var reason: String?
    /// Who.
    public var createdBy: String
    /// Created.
    public var createdAt: Date

    /// Creates a window.
    public init(id: UUID, name: String, scope: AlertScope, scopeId: UUID?, startsAt: Date, endsAt: Date, recurrence: Recurrence?, until: Date?,
                reason: String?, createdBy: String, createdAt: Date) {
        self.id = id
        self.name = name
        self.scope = scope
        self.scopeId = scopeId
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.recurrence = recurrence
        self.until = until
        self.reason = reason
        self.createdBy = createdBy
        self.createdAt = createdAt
    }

    /// Whether an occurrence is open at `now`.
    public func isOpen(at now: Date) -> Bool {
        guard now >= startsAt else { return false }
        let length = endsAt.timeIntervalSince(startsAt)
        guard let recurrence else { return now < endsAt }
        let period: TimeInterval = recurrence == .daily ? 86_400 : 604_800
        let index = (now.timeIntervalSince(startsAt) / period).rounded(.down)
        let start = startsAt.addingTimeInterval(index * period)
        if let until, start > until { return false }
        return now < start.addingTimeInterval(length)
    }
}

/// `POST /maintenance-windows`.
public struct MaintenanceWindowInput: Sendable, Codable {
    public var name: String
    public var scope: AlertScope
    public var scopeId: UUID?
    public var startsAt: Date
    public var endsAt: Date
    public var recurrence: MaintenanceWindow.Recurrence?
    public var until: Date?
    public var reason: String?

    /// Creates an input.
    public init(name: String, scope: AlertScope, scopeId: UUID?, startsAt: Date, endsAt: Date, recurrence: MaintenanceWindow.Recurrence? = nil,
                until: Date? = nil, reason: String? = nil) {
        self.name = name
        self.scope = scope
        self.scopeId = scopeId
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.recurrence = recurrence
        self.until = until
        self.reason = reason
    }

    /// Validated; 400 naming the field.
    func validate() throws(OctoError) {
        guard (1...200).contains(name.count) else { throw .invalid("name", "name must be 1–200 characters") }
        guard (scope == .provider) == (scopeId == nil) else { throw .invalid("scope_id", "scope \(scope.rawValue) and scope_id disagree") }
        guard endsAt > startsAt else { throw .invalid("ends_at", "ends_at must be after starts_at") }
        if let recurrence {
            let period: TimeInterval = recurrence == .daily ? 86_400 : 604_800
            guard endsAt.timeIntervalSince(startsAt) < period else { throw .invalid("ends_at", "a \(recurrence.rawValue) window is shorter than its period") }
        }
    }
}

/// A root cause the NOC works on: firing alerts open or join one.
public struct Incident: Sendable, Hashable, Encodable {
    /// open, acknowledged or resolved.
    public enum Status: String, Sendable, Hashable, Codable { case open, acknowledged, resolved }

    public var id: UUID
    /// The root cause's summary, in English.
    public var title: String
    /// The same in Portuguese (`nil` for incidents opened before it was written).
    public var titlePtBr: String?
    public var severity: AlertSeverity
    public var status: Status
    public var deviceId: UUID?
    public var popId: UUID?
    /// Alerts (devices) affected, the root included.
    public var affected: Int
    public var openedAt: Date
    public var acknowledgedAt: Date?
    public var acknowledgedBy: UUID?
    public var assignedTo: UUID?
    public var resolvedAt: Date?
    public var resolvedBy: UUID?
    /// Seconds from opening to acknowledgement.
    public var timeToAcknowledge: Double? { acknowledgedAt.map { $0.timeIntervalSince(openedAt) } }
    /// Seconds from opening to resolution.
    public var timeToResolve: Double? { resolvedAt.map { $0.timeIntervalSince(openedAt) } }

    enum CodingKeys: String, CodingKey {
        case id, title, titlePtBr, severity, status, deviceId, popId, affected, openedAt, acknowledgedAt, acknowledgedBy, assignedTo, resolvedAt, resolvedBy,
             timeToAcknowledge, timeToResolve
    }

    /// Encodes with MTTA/MTTR figures.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(title, forKey: .title)
        try container.encodeIfPresent(titlePtBr, forKey: .titlePtBr)
        try container.encode(severity, forKey: .severity)
        try container.encode(status, forKey: .status)
        try container.encodeIfPresent(deviceId, forKey: .deviceId)
        try container.encodeIfPresent(popId, forKey: .popId)
        try container.encode(affected, forKey: .affected)
        try container.encode(openedAt, forKey: .openedAt)
        try container.encodeIfPresent(acknowledgedAt, forKey: .acknowledgedAt)
        try container.encodeIfPresent(acknowledgedBy, forKey: .acknowledgedBy)
        try container.encodeIfPresent(assignedTo, forKey: .assignedTo)
        try container.encodeIfPresent(resolvedAt, forKey: .resolvedAt)
        try container.encodeIfPresent(resolvedBy, forKey: .resolvedBy)
        try container.encodeIfPresent(timeToAcknowledge, forKey: .timeToAcknowledge)
        try container.encodeIfPresent(timeToResolve, forKey: .timeToResolve)
    }
}

/// One step of an incident's timeline.
public struct IncidentEvent: Sendable, Hashable, Codable {
    public var at: Date
    public var kind: String
    public var actor: String
    public var text: String?
    /// The system's text in Portuguese (people's notes are kept as written, in `text`).
    public var textPtBr: String?
}
