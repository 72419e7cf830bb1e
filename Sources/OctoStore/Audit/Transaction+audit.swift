import Foundation
import OctoCore

extension Transaction {
    /// Records `action` by `actor` on a target with its states before and after, in this transaction.
    public func audit<Before: Encodable, After: Encodable>(
        _ action: String, by actor: Actor, target: (type: String, id: String)?,
        before: Before?, after: After?
    ) async throws {
        try await audit(AuditRecord(
            actorType: actor.type, actorId: actor.id, actorLabel: actor.label, action: action,
            targetType: target?.type, targetId: target?.id,
            before: try before.map(OctoJSON.string), after: try after.map(OctoJSON.string),
            ip: actor.ip, requestId: actor.requestId))
    }

    /// Records an event without before/after state (sign-ins, logouts).
    public func audit(_ action: String, by actor: Actor, target: (type: String, id: String)? = nil, details: JSONValue? = nil) async throws {
        try await audit(action, by: actor, target: target, before: JSONValue?.none, after: details)
    }
}
