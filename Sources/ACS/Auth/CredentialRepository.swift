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

    static let infoColumns = "id, device_id, username, realm, created_at"

    static func info(_ row: PostgresRandomAccessRow) throws -> CWMPCredentialInfo {
        CWMPCredentialInfo(id: try row.acsColumn("id"), deviceId: try row.acsColumn("device_id"), username: try row.acsColumn("username"),
                           realm: try row.acsColumn("realm"), createdAt: try row.acsColumn("created_at"))
    }

    /// A page of the provider's CPE credentials by user name (never a password or hash).
    public func list(deviceId: UUID? = nil, page: PageRequest) async throws -> Page<CWMPCredentialInfo> {
        let items = try await tx.query("""
            SELECT \(unescaped: Self.infoColumns) FROM cwmp_credentials WHERE (\(deviceId)::uuid IS NULL OR device_id = \(deviceId))
            ORDER BY username, id LIMIT \(page.limit) OFFSET \(page.offset)
            """).acsRows(Self.info)
        let total = try await tx.query("SELECT count(*)::int8 AS n FROM cwmp_credentials WHERE (\(deviceId)::uuid IS NULL OR device_id = \(deviceId))")
            .acsFirst { try $0.acsColumn("n", as: Int64.self) } ?? 0
        return Page(items: items, total: Int(total), limit: page.limit, offset: page.offset)
    }

    /// The credential as the API shows it, or ``OctoError/Code/notFound``.
    public func info(_ id: UUID) async throws -> CWMPCredentialInfo {
        guard let info = try await tx.query("SELECT \(unescaped: Self.infoColumns) FROM cwmp_credentials WHERE id = \(id)").acsFirst(Self.info) else {
            throw OctoError.notFound("credential")
        }
        return info
    }

    /// Creates a credential from the API's input (user name and password required; a device binds it).
    public func create(_ input: CWMPCredentialInput, realm: String, by actor: Actor) async throws -> CWMPCredentialInfo {
        guard let username = input.username else { throw OctoError.invalid("username", "username is required") }
        guard let password = input.password else { throw OctoError.invalid("password", "password is required") }
        let device = input.deviceId?.wrapped
        if let device { _ = try await tx.devices.get(device) }
        return try await info(try await create(username: username, password: password, deviceID: device, realm: realm, by: actor))
    }

    /// Changes the binding to a device (`device_id: null` makes it provider-wide) or the password (the
    /// user name only together with a new password, since the Digest hash covers both).
    public func update(_ id: UUID, _ input: CWMPCredentialInput, realm: String, by actor: Actor) async throws -> CWMPCredentialInfo {
        let before = try await info(id)
        if input.username != nil && input.password == nil {
            throw OctoError.invalid("password", "a new user name needs the password too")
        }
        if let device = input.deviceId?.wrapped { _ = try await tx.devices.get(device) }
        if let password = input.password {
            let username = input.username ?? before.username
            guard !username.isEmpty, username.count <= 256, !username.contains(":") else {
                throw OctoError.invalid("username", "1–256 characters, no colon")
            }
            guard password.count >= 8, password.count <= 256 else { throw OctoError.invalid("password", "8–256 characters") }
            let material = HTTPAuthenticator.hashes(username: username, password: password, realm: realm)
            try await tx.query("""
                UPDATE cwmp_credentials SET username = \(username), salt = \(ByteBuffer(bytes: material.salt)),
                    password_hash = \(ByteBuffer(bytes: material.hash)), digest_ha1 = \(material.ha1), realm = \(realm)
                WHERE id = \(id)
                """)
        }
        if let device = input.deviceId {
            try await tx.query("UPDATE cwmp_credentials SET device_id = \(device.wrapped) WHERE id = \(id)")
        }
        let after = try await info(id)
        try await tx.audit("cwmp_credential.update", by: actor, target: ("cwmp_credential", id.lowercased), before: before,
                           after: CWMPCredentialAudit(after, passwordChanged: input.password != nil))
        return after
    }

    /// Deletes the credential; a process that read it stops accepting it within its credential cache time.
    public func delete(_ id: UUID, by actor: Actor) async throws {
        let before = try await info(id)
        try await tx.query("DELETE FROM cwmp_credentials WHERE id = \(id)")
        try await tx.audit("cwmp_credential.delete", by: actor, target: ("cwmp_credential", id.lowercased), before: before,
                           after: CWMPCredentialInfo?.none)
    }

    /// The credential named `username`, if any.
    public func find(username: String) async throws -> CWMPCredential? {
        try await tx.query("""
            SELECT id, provider_id, device_id, username, salt, password_hash, digest_ha1, realm, state
            FROM cwmp_credentials WHERE username = \(username)
            """).acsFirst { row in
                CWMPCredential(id: try row.acsColumn("id"), providerID: try row.acsColumn("provider_id"), deviceID: try row.acsColumn("device_id"),
                               username: try row.acsColumn("username"),
                               salt: Array(buffer: try row.acsColumn("salt", as: ByteBuffer.self)),
                               passwordHash: Array(buffer: try row.acsColumn("password_hash", as: ByteBuffer.self)),
                               digestHA1: try row.acsColumn("digest_ha1"), realm: try row.acsColumn("realm"),
                               offered: try row.acsColumn("state", as: String.self) == "offered")
            }
    }
}
