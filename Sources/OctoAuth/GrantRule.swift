import OctoCore
import OctoStore

/// Nobody grants what they do not hold: a user's role and extra grants, a role's permissions and an
/// API key's role must be a subset of the granting principal's permissions. The API and the command
/// line (acting as the platform) go through this one rule.
public enum GrantRule {
    /// 403 naming what `principal` lacks of `wanted`.
    public static func check(_ wanted: Set<Permission>, by principal: Principal) throws(OctoError) {
        let missing = wanted.subtracting(principal.permissions)
        guard missing.isEmpty else {
            throw OctoError(.forbidden, "cannot grant permissions you do not hold: \(missing.sorted().map(\.key).joined(separator: ", "))")
        }
    }

    /// The permissions a user input would give (its role and grants), checked against `principal`.
    public static func check(_ input: UserInput, by principal: Principal, in tx: Transaction) async throws {
        var wanted = Set(input.grants ?? [])
        if let id = input.roleId { wanted.formUnion(try await tx.roles.get(id).permissions) }
        if let key = input.roleKey { wanted.formUnion(try await tx.roles.get(key: key).permissions) }
        try check(wanted, by: principal)
    }
}
