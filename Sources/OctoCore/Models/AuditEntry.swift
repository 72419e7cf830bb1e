import Foundation

/// One row of the append-only, hash-chained audit log.
public struct AuditEntry: Codable, Sendable, Hashable {
    /// Who acted.
    public enum ActorType: String, Codable, Sendable, CaseIterable {
        case user, apiKey = "api_key", system, device
    }
    /// Row id.
    public var id: Int64
    /// The provider's chain; `nil` for the platform chain.
    public var providerId: UUID?
    /// Position in the chain.
    public var seq: Int64
    /// When (UTC).
    public var at: Date
    /// Kind of actor.
    public var actorType: ActorType
    /// Actor id.
    public var actorId: UUID?
    /// E-mail, key name, device id.
    public var actorLabel: String?
    /// What happened, e.g. `device.update`, `auth.login`.
    public var action: String
    /// Kind of the thing acted on.
    public var targetType: String?
    /// Its id.
    public var targetId: String?
    /// State before.
    public var before: JSONValue?
    /// State after.
    public var after: JSONValue?
    /// Client address.
    public var ip: String?
    /// Request id.
    public var requestId: String?

    /// Creates an audit entry value.
    public init(id: Int64, providerId: UUID?, seq: Int64, at: Date, actorType: ActorType, actorId: UUID?, actorLabel: String?, action: String, targetType: String?, targetId: String?, before: JSONValue?, after: JSONValue?, ip: String?, requestId: String?) {
        self.id = id
        self.providerId = providerId
        self.seq = seq
        self.at = at
        self.actorType = actorType
        self.actorId = actorId
        self.actorLabel = actorLabel
        self.action = action
        self.targetType = targetType
        self.targetId = targetId
        self.before = before
        self.after = after
        self.ip = ip
        self.requestId = requestId
    }
}

/// An audit record about to be written, inside the transaction of the change it describes.
public struct AuditRecord: Sendable {
    /// Kind of actor.
    public var actorType: AuditEntry.ActorType
    /// Actor id.
    public var actorId: UUID?
    /// Actor label.
    public var actorLabel: String?
    /// Action name.
    public var action: String
    /// Target kind.
    public var targetType: String?
    /// Target id.
    public var targetId: String?
    /// State before, encoded JSON.
    public var before: String?
    /// State after, encoded JSON.
    public var after: String?
    /// Client address.
    public var ip: String?
    /// Request id.
    public var requestId: String?

    /// Creates a record.
    public init(actorType: AuditEntry.ActorType, actorId: UUID?, actorLabel: String?, action: String, targetType: String? = nil, targetId: String? = nil, before: String? = nil, after: String? = nil, ip: String? = nil, requestId: String? = nil) {
        self.actorType = actorType
        self.actorId = actorId
        self.actorLabel = actorLabel
        self.action = action
        self.targetType = targetType
        self.targetId = targetId
        self.before = before
        self.after = after
        self.ip = ip
        self.requestId = requestId
    }
}

/// Filters of the audit list.
public struct AuditFilter: Sendable, Hashable {
    /// Actions starting with this text (`device.` for all device actions).
    public var action: String?
    /// Only this actor.
    public var actorId: UUID?
    /// Only this target.
    public var targetId: String?
    /// From this instant.
    public var since: Date?
    /// Until this instant.
    public var until: Date?
    /// Order (``AuditFilter/sortKeys``); newest first when `nil`.
    public var sort: ListSort?

    /// The keys `sort=` accepts on the audit log.
    public static let sortKeys = ["at", "action", "actor_label", "target_type"]

    /// Creates a filter.
    public init(action: String? = nil, actorId: UUID? = nil, targetId: String? = nil, since: Date? = nil, until: Date? = nil,
                sort: ListSort? = nil) {
        self.sort = sort
        self.action = action
        self.actorId = actorId
        self.targetId = targetId
        self.since = since
        self.until = until
    }
}
