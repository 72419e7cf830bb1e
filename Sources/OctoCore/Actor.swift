import Foundation

/// Who causes a change and from where; every mutation records it in the audit log.
public struct Actor: Sendable, Hashable {
    /// Kind of actor.
    public var type: AuditEntry.ActorType
    /// Its id.
    public var id: UUID?
    /// E-mail, key name or device identity.
    public var label: String?
    /// Client address.
    public var ip: String?
    /// Request id of the API call.
    public var requestId: String?

    /// Creates an actor.
    public init(type: AuditEntry.ActorType, id: UUID?, label: String?, ip: String? = nil, requestId: String? = nil) {
        self.type = type
        self.id = id
        self.label = label
        self.ip = ip
        self.requestId = requestId
    }

    /// The platform itself (migrations, schedulers, the first admin).
    public static let system = Actor(type: .system, id: nil, label: "system")

    /// The actor for a principal's request.
    public init(_ principal: Principal, ip: String?, requestId: String?) {
        self.init(type: principal.kind == .user ? .user : .apiKey, id: principal.id, label: principal.label, ip: ip, requestId: requestId)
    }
}
