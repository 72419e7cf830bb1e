import Foundation
import OctoCore
import OctoStore
import PostgresNIO

extension Transaction {
    /// The provider's CPE credentials.
    public var cwmpCredentials: CredentialRepository { CredentialRepository(tx: self) }
}

/// CPE credentials of the transaction's provider.
public struct CredentialRepository: Sendable {
    let tx: Transaction

    /// Creates a credential for `username` (optionally bound to `deviceID`) and audits it; the password
    /// is kept only as hashes.
    @discardableResult
    public func create(username: String, password: String, deviceID: UUID? = nil, realm: String, by actor: Actor) async throws -> UUID {
        guard !username.isEmpty, username.count <= 256, !username.contains(":") else {
            throw OctoError.invalid("username", "1–256 characters, no colon")
        }
        guard password.count >= 8, password.count <= 256 else { throw OctoError.invalid("password", "8–256 characters") }
        let material = HTTPAuthenticator.hashes(username: username, password: password, realm: realm)
        let id = try await tx.query("""
            INSERT INTO cwmp_credentials (provider_id, device_id, username, salt, password_hash, digest_ha1, realm)
            VALUES (\(tx.providerID), \(deviceID), \(username), \(ByteBuffer(bytes: material.salt)), \(ByteBuffer(bytes: material.hash)),
                    \(material.ha1), \(realm))
            RETURNING id
            """).acsFirst { try $0.acsColumn("id", as: UUID.self) }!
        try await tx.audit("cwmp_credential.create", by: actor, target: ("cwmp_credential", id.lowercased),
                           details: .object(["username": .string(username)]))
        return id
    }

    /// The credential named `username`, if any.
    public func find(username: String) async throws -> CWMPCredential? {
        try await tx.query("""
            SELECT id, provider_id, device_id, username, salt, password_hash, digest_ha1, realm
            FROM cwmp_credentials WHERE username = \(username)
            """).acsFirst { row in
                CWMPCredential(id: try row.acsColumn("id"), providerID: try row.acsColumn("provider_id"), deviceID: try row.acsColumn("device_id"),
                               username: try row.acsColumn("username"),
                               salt: Array(buffer: try row.acsColumn("salt", as: ByteBuffer.self)),
                               passwordHash: Array(buffer: try row.acsColumn("password_hash", as: ByteBuffer.self)),
                               digestHA1: try row.acsColumn("digest_ha1"), realm: try row.acsColumn("realm"))
            }
    }
}
