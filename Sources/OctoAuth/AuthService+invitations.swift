import Foundation
import OctoCore
import OctoStore

/// What the invitation page shows before the person chooses a password.
public struct InvitationDetails: Codable, Sendable, Hashable {
    /// The invited account's e-mail (its sign-in name).
    public var email: String
    /// The invited person's name.
    public var name: String
    /// The provider that invited them.
    public var providerName: String
    /// The interface language the administrator chose for them.
    public var locale: User.Locale
    /// After this the link no longer works.
    public var expiresAt: Date
}

/// A new invitation: the link's token (only ever in the e-mail) and what is stored of it.
public struct IssuedInvitation: Sendable {
    /// The secret of the link.
    public let token: String
    /// The stored invitation.
    public let invitation: UserInvitation
}

extension AuthService {
    /// Issues a new invitation to the invited user `userId` in the transaction's provider, replacing
    /// any earlier one (whose link stops working). 409 when the user already chose a password.
    public func invite(_ userId: UUID, in tx: Transaction, by actor: Actor) async throws -> IssuedInvitation {
        let user = try await tx.users.get(userId)
        guard user.status == .invited else { throw OctoError(.conflict, "\(user.email) already chose a password; there is nothing to invite to") }
        let token = RandomToken.base64URL(bytes: 32)
        let invitation = try await tx.invitations.replace(user: userId, tokenHash: RandomToken.sha256(token), sentTo: user.email,
                                                          expiresAt: database.clock.now.addingTimeInterval(policy.invitationLifetime))
        try await tx.audit("user.invite", by: actor, target: ("user", userId.lowercased),
                           details: .object(["sent_to": .string(user.email), "expires_at": .string(ISO8601DateFormatter().string(from: invitation.expiresAt))]))
        return IssuedInvitation(token: token, invitation: invitation)
    }

    /// The invitation behind a link's token; 404 when unknown, already used, expired, or for an address
    /// the account no longer has.
    public func invitation(token: String) async throws -> InvitationDetails {
        try await withInvitation(token, lock: false)
    }

    /// Sets the invited user's password from the link's token and activates the account; the link
    /// works once. Returns the account's e-mail, to sign in with.
    public func acceptInvitation(token: String, password: String, client: ClientInfo) async throws -> String {
        try PasswordHasher.validate(password)
        // bcrypt runs before the transaction (see the note above ``PreparedUser``).
        let hash = try await hasher.hash(password)
        let details = try await withInvitation(token, lock: true) { tx, user in
            let actor = Actor(type: .user, id: user.id, label: user.email, ip: client.ip, requestId: client.requestId)
            _ = try await tx.users.update(user.id, UserInput(status: .active), roleId: nil, passwordHash: hash, by: actor)
            try await tx.invitations.consume(of: user.id)
            try await tx.audit("user.invitation_accepted", by: actor, target: ("user", user.id.lowercased))
        }
        return details.email
    }

    /// Finds the live invitation of `token` and runs `then` on its user in the same transaction.
    private func withInvitation(_ token: String, lock: Bool,
                                then: ((Transaction, User) async throws -> Void)? = nil) async throws -> InvitationDetails {
        let gone = OctoError.notFound("invitation (the link is wrong, was already used or has expired; ask for a new one)")
        guard !token.isEmpty, token.count <= 128,
              let found = try await database.withTenant(nil, { tx in try await tx.lookup.invitation(hash: RandomToken.sha256(token)) }) else {
            throw gone
        }
        let details: InvitationDetails? = try await database.withTenant(found.providerId) { tx in
            guard let invitation = try await tx.invitations.get(found.invitationId, lock: lock),
                  invitation.expiresAt > database.clock.now,
                  try await tx.lookup.providerIsActive(found.providerId) else { return nil }
            let user = try await tx.users.get(invitation.userId)
            guard user.status == .invited, user.email.lowercased() == invitation.sentTo.lowercased() else { return nil }
            let provider = try await tx.providers.get(found.providerId)
            try await then?(tx, user)
            return InvitationDetails(email: user.email, name: user.name, providerName: provider.name, locale: user.locale, expiresAt: invitation.expiresAt)
        }
        guard let details else { throw gone }
        return details
    }
}
