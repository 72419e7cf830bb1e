import Foundation
import OctoCore
import PostgresNIO

extension Transaction {
    /// E-mailed invitations of the tenant's users to choose their password.
    public var invitations: InvitationRepository { InvitationRepository(tx: self) }
}

/// An invitation sent to a user who has not chosen a password yet. Only the hash of its link's token
/// is stored.
public struct UserInvitation: Codable, Sendable, Hashable {
    /// Row id.
    public var id: UUID
    /// The invited user.
    public var userId: UUID
    /// The address the link went to.
    public var sentTo: String
    /// When it was sent.
    public var createdAt: Date
    /// After this the link no longer works.
    public var expiresAt: Date
}

/// Invitations of the transaction's provider; a user has at most one live invitation.
public struct InvitationRepository: Sendable {
    let tx: Transaction

    /// Replaces `user`'s invitations with a new one whose link token hashes to `tokenHash`.
    public func replace(user: UUID, tokenHash: Data, sentTo: String, expiresAt: Date) async throws -> UserInvitation {
        guard let providerID = tx.providerID else {
            throw OctoError.invalid("invite_via_channel_id", "invitations are sent to a provider's users; create Global Admins with a password")
        }
        try await tx.query("DELETE FROM user_invitations WHERE user_id = \(user)")
        return try await tx.query("""
            INSERT INTO user_invitations (provider_id, user_id, token_hash, sent_to, expires_at)
            VALUES (\(providerID), \(user), \(tokenHash), \(sentTo), \(expiresAt))
            RETURNING id, user_id, sent_to, created_at, expires_at
            """).first(Self.decode)!
    }

    /// The invitation; with `lock`, locked for the rest of the transaction so it is accepted once.
    public func get(_ id: UUID, lock: Bool = false) async throws -> UserInvitation? {
        try await tx.query("SELECT id, user_id, sent_to, created_at, expires_at FROM user_invitations WHERE id = \(id) \(unescaped: lock ? "FOR UPDATE" : "")")
            .first(Self.decode)
    }

    /// The user's live invitation, if any.
    public func current(of user: UUID) async throws -> UserInvitation? {
        try await tx.query("SELECT id, user_id, sent_to, created_at, expires_at FROM user_invitations WHERE user_id = \(user)")
            .first(Self.decode)
    }

    /// Ends every invitation of `user`.
    public func consume(of user: UUID) async throws {
        try await tx.query("DELETE FROM user_invitations WHERE user_id = \(user)")
    }

    static func decode(_ row: PostgresRandomAccessRow) throws -> UserInvitation {
        UserInvitation(id: try row.get("id"), userId: try row.get("user_id"), sentTo: try row.get("sent_to"),
                       createdAt: try row.get("created_at"), expiresAt: try row.get("expires_at"))
    }
}

extension TenantLookup {
    /// The invitation whose link token has this hash, and its provider.
    public func invitation(hash: Data) async throws -> (invitationId: UUID, providerId: UUID)? {
        try await tx.query("SELECT invitation_id, provider_id FROM auth_find_invitation(\(hash))")
            .first { (try $0.get("invitation_id", as: UUID.self), try $0.get("provider_id", as: UUID.self)) }
    }
}
