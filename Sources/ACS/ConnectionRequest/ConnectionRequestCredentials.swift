import Foundation
import OctoCore
import OctoStore
import PostgresNIO

/// The user name and password a device expects on its connection-request URL.
public struct ConnectionRequestCredential: Sendable, Hashable {
    /// User name.
    public var username: String
    /// Password (opened from its sealed form).
    public var password: String
}

/// A connection-request credential as the API shows it: never the password.
public struct ConnectionRequestCredentialInfo: Codable, Sendable, Hashable {
    /// Identifier.
    public var id: UUID
    /// The device it is for; `nil` for the provider default.
    public var deviceId: UUID?
    /// User name.
    public var username: String
    /// Last change.
    public var updatedAt: Date
}

/// `PUT /acs/connection-request-credentials/{default|device id}`: both fields required, the password write-only.
public struct ConnectionRequestCredentialInput: Codable, Sendable {
    /// User name (1–256 characters).
    public var username: String
    /// Password (1–256 characters), sealed at rest.
    public var password: String

    /// Creates the input.
    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }
}

extension Transaction {
    /// The provider's connection-request credentials.
    public var connectionRequestCredentials: ConnectionRequestCredentialRepository { ConnectionRequestCredentialRepository(tx: self) }
}

/// Connection-request credentials of the transaction's provider: a provider default and per-device
/// overrides, the password sealed with ``SecretBox`` bound to the provider and device.
public struct ConnectionRequestCredentialRepository: Sendable {
    let tx: Transaction

    /// Sets the default (`device` nil) or a device's credential, replacing the previous one, and audits it.
    public func set(username: String, password: String, device: UUID?, secrets: SecretBox, by actor: Actor) async throws {
        guard (1...256).contains(username.count) else { throw OctoError.invalid("username", "1–256 characters") }
        guard (1...256).contains(password.count) else { throw OctoError.invalid("password", "1–256 characters") }
        let sealed = try secrets.seal(password, context: Self.context(provider: tx.providerID, device: device))
        if device == nil {
            try await tx.query("DELETE FROM cwmp_connection_request_credentials WHERE device_id IS NULL")
        } else {
            try await tx.query("DELETE FROM cwmp_connection_request_credentials WHERE device_id = \(device)")
        }
        try await tx.query("""
            INSERT INTO cwmp_connection_request_credentials (provider_id, device_id, username, password_sealed, updated_at)
            VALUES (\(tx.providerID), \(device), \(username), \(sealed), \(tx.clock.now))
            """)
        try await tx.audit("cwmp_connection_request_credential.set", by: actor,
                           target: ("device", device?.lowercased ?? "default"), details: .object(["username": .string(username)]))
    }

    static func info(_ row: PostgresRandomAccessRow) throws -> ConnectionRequestCredentialInfo {
        ConnectionRequestCredentialInfo(id: try row.acsColumn("id"), deviceId: try row.acsColumn("device_id"),
                                        username: try row.acsColumn("username"), updatedAt: try row.acsColumn("updated_at"))
    }

    /// A page of the provider's connection-request credentials: the default first, then per device (no passwords).
    public func list(page: PageRequest) async throws -> Page<ConnectionRequestCredentialInfo> {
        let items = try await tx.query("""
            SELECT id, device_id, username, updated_at FROM cwmp_connection_request_credentials
            ORDER BY device_id NULLS FIRST, id LIMIT \(page.limit) OFFSET \(page.offset)
            """).acsRows(Self.info)
        let total = try await tx.query("SELECT count(*)::int8 AS n FROM cwmp_connection_request_credentials")
            .acsFirst { try $0.acsColumn("n", as: Int64.self) } ?? 0
        return Page(items: items, total: Int(total), limit: page.limit, offset: page.offset)
    }

    /// The default (`device` nil) or a device's own credential as the API shows it, or ``OctoError/Code/notFound``.
    public func info(device: UUID?) async throws -> ConnectionRequestCredentialInfo {
        let row = try await tx.query("""
            SELECT id, device_id, username, updated_at FROM cwmp_connection_request_credentials
            WHERE (\(device)::uuid IS NULL AND device_id IS NULL) OR device_id = \(device)
            """).acsFirst(Self.info)
        guard let row else { throw OctoError.notFound("connection-request credential") }
        return row
    }

    /// Removes the default or a device's own credential, audited.
    public func delete(device: UUID?, by actor: Actor) async throws {
        let before = try await info(device: device)
        try await tx.query("DELETE FROM cwmp_connection_request_credentials WHERE id = \(before.id)")
        try await tx.audit("cwmp_connection_request_credential.delete", by: actor, target: ("device", device?.lowercased ?? "default"),
                           before: before, after: ConnectionRequestCredentialInfo?.none)
    }

    /// The device's own credential, else the provider default, else none.
    public func credential(for device: UUID, secrets: SecretBox?) async throws -> ConnectionRequestCredential? {
        let row = try await tx.query("""
            SELECT username, password_sealed, device_id FROM cwmp_connection_request_credentials
            WHERE device_id = \(device) OR device_id IS NULL ORDER BY device_id NULLS LAST LIMIT 1
            """).acsFirst { row in
                (try row.acsColumn("username", as: String.self), try row.acsColumn("password_sealed", as: String.self),
                 try row.acsColumn("device_id", as: UUID?.self))
            }
        guard let (username, sealed, owner) = row, let secrets else { return nil }
        let password = try secrets.open(sealed, context: Self.context(provider: tx.providerID, device: owner))
        return ConnectionRequestCredential(username: username, password: password)
    }

    static func context(provider: UUID?, device: UUID?) -> String {
        "cwmp-connection-request:\(provider?.lowercased ?? "-"):\(device?.lowercased ?? "default")"
    }
}
