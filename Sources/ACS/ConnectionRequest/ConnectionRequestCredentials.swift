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
