import CPEReach
import Foundation
import OctoCore
import OctoStore
import PostgresNIO

/// The provider's account on its XMPP server, as the API shows it: never the password.
public struct XMPPAccountInfo: Codable, Sendable, Hashable {
    /// Server host.
    public var host: String
    /// Server port.
    public var port: Int
    /// Bare JID of the ACS (`acs@xmpp.example.net`).
    public var jid: String
    /// Resource the ACS binds.
    public var resource: String
    /// Last change.
    public var updatedAt: Date
}

/// `PUT /acs/xmpp-account`: where the ACS logs in to send Annex K connection requests.
public struct XMPPAccountInput: Codable, Sendable {
    /// Server host name or address (1–253 characters).
    public var host: String
    /// Server port (1–65535; 5222 when omitted).
    public var port: Int?
    /// Bare JID `user@domain`.
    public var jid: String
    /// Password (1–256 characters), sealed at rest, write-only.
    public var password: String
    /// Resource (default `acs`).
    public var resource: String?

    /// Creates the input.
    public init(host: String, port: Int? = nil, jid: String, password: String, resource: String? = nil) {
        self.host = host
        self.port = port
        self.jid = jid
        self.password = password
        self.resource = resource
    }
}

extension Transaction {
    /// The provider's XMPP account for connection requests.
    public var xmppAccount: XMPPAccountRepository { XMPPAccountRepository(tx: self) }
}

/// The provider's XMPP account, its password sealed with ``SecretBox`` bound to the provider.
public struct XMPPAccountRepository: Sendable {
    let tx: Transaction

    /// Sets (or replaces) the account, audited without the password.
    public func set(_ input: XMPPAccountInput, secrets: SecretBox, by actor: Actor) async throws {
        let host = input.host.trimmingCharacters(in: .whitespaces)
        guard (1...253).contains(host.count), !host.contains(where: { $0.isWhitespace || $0 == "/" }) else {
            throw OctoError.invalid("host", "a host name or address")
        }
        let port = input.port ?? 5222
        guard (1...65535).contains(port) else { throw OctoError.invalid("port", "1–65535") }
        let parts = input.jid.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, !input.jid.contains("/"), input.jid.count <= 1023,
              !input.jid.contains(where: { $0.isWhitespace }) else {
            throw OctoError.invalid("jid", "a bare JID user@domain")
        }
        guard (1...256).contains(input.password.count) else { throw OctoError.invalid("password", "1–256 characters") }
        let resource = input.resource ?? "acs"
        guard (1...256).contains(resource.count), !resource.contains(where: { $0.isWhitespace }) else {
            throw OctoError.invalid("resource", "1–256 characters without spaces")
        }
        let sealed = try secrets.seal(input.password, context: Self.context(provider: tx.providerID))
        try await tx.query("""
            INSERT INTO cwmp_xmpp_accounts (provider_id, host, port, jid, resource, password_sealed, updated_at)
            VALUES (\(tx.providerID), \(host), \(port), \(input.jid), \(resource), \(sealed), \(tx.clock.now))
            ON CONFLICT (provider_id) DO UPDATE SET host = EXCLUDED.host, port = EXCLUDED.port, jid = EXCLUDED.jid,
                resource = EXCLUDED.resource, password_sealed = EXCLUDED.password_sealed, updated_at = EXCLUDED.updated_at
            """)
        try await tx.audit("cwmp_xmpp_account.set", by: actor, target: ("xmpp_account", input.jid), details: .object([
            "host": .string(host), "port": .number(Double(port)), "jid": .string(input.jid), "resource": .string(resource),
        ]))
    }

    /// The account as the API shows it, or ``OctoError/Code/notFound``.
    public func info() async throws -> XMPPAccountInfo {
        let row = try await tx.query("SELECT host, port, jid, resource, updated_at FROM cwmp_xmpp_accounts").acsFirst { row in
            XMPPAccountInfo(host: try row.acsColumn("host"), port: Int(try row.acsColumn("port", as: Int32.self)), jid: try row.acsColumn("jid"),
                            resource: try row.acsColumn("resource"), updatedAt: try row.acsColumn("updated_at"))
        }
        guard let row else { throw OctoError.notFound("XMPP account") }
        return row
    }

    /// Removes the account, audited.
    public func delete(by actor: Actor) async throws {
        let before = try await info()
        try await tx.query("DELETE FROM cwmp_xmpp_accounts")
        try await tx.audit("cwmp_xmpp_account.delete", by: actor, target: ("xmpp_account", before.jid),
                           before: before, after: XMPPAccountInfo?.none)
    }

    /// The account with its password opened, or nil.
    public func account(secrets: SecretBox?) async throws -> XMPPConnection.Account? {
        let row = try await tx.query("SELECT host, port, jid, resource, password_sealed FROM cwmp_xmpp_accounts").acsFirst { row in
            (try row.acsColumn("host", as: String.self), try row.acsColumn("port", as: Int32.self), try row.acsColumn("jid", as: String.self),
             try row.acsColumn("resource", as: String.self), try row.acsColumn("password_sealed", as: String.self))
        }
        guard let (host, port, jid, resource, sealed) = row, let secrets else { return nil }
        let password = try secrets.open(sealed, context: Self.context(provider: tx.providerID))
        return XMPPConnection.Account(host: host, port: Int(port), jid: jid, password: password, resource: resource)
    }

    static func context(provider: UUID?) -> String {
        "cwmp-xmpp-account:\(provider?.lowercased ?? "-")"
    }
}
