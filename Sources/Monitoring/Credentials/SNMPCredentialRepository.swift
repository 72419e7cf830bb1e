import Foundation
import OctoCore
import OctoStore
import PostgresNIO
import SNMP

extension Transaction {
    /// The provider's SNMP credentials.
    public var snmpCredentials: SNMPCredentialRepository { SNMPCredentialRepository(tx: self) }
}

/// SNMP credentials of the transaction's provider. Communities and v3 pass phrases are sealed with
/// ``SecretBox`` bound to the provider, the credential id and the field, and are never returned.
public struct SNMPCredentialRepository: Sendable {
    let tx: Transaction

    static let columns = """
        id, provider_id, pop_id, device_id, name, version, priority, v3_user, auth_protocol, priv_protocol,
        context_name, created_at, updated_at
        """

    static func decode(_ row: PostgresRandomAccessRow) throws -> SNMPCredential {
        SNMPCredential(id: try row.column("id"), providerId: try row.column("provider_id"), popId: try row.column("pop_id"),
                       deviceId: try row.column("device_id"), name: try row.column("name"), version: try row.column("version"),
                       priority: Int(try row.column("priority", as: Int32.self)), v3User: try row.column("v3_user"),
                       authProtocol: try row.column("auth_protocol"), privProtocol: try row.column("priv_protocol"),
                       contextName: try row.column("context_name"), createdAt: try row.column("created_at"),
                       updatedAt: try row.column("updated_at"))
    }

    /// Every credential, in discovery order.
    public func list() async throws -> [SNMPCredential] {
        try await tx.query("SELECT \(unescaped: Self.columns) FROM snmp_credentials ORDER BY priority, name, id")
            .monitoringRows(Self.decode)
    }

    /// The credential, or `notFound`.
    public func get(_ id: UUID) async throws -> SNMPCredential {
        guard let credential = try await tx.query("SELECT \(unescaped: Self.columns) FROM snmp_credentials WHERE id = \(id)")
            .monitoringFirst(Self.decode) else { throw OctoError.notFound("SNMP credential") }
        return credential
    }

    /// Validates and stores a credential with its secrets sealed, and audits it (without the secrets).
    public func create(_ input: SNMPCredentialInput, secrets: SecretBox, by actor: Actor) async throws -> SNMPCredential {
        guard let name = input.name?.trimmingCharacters(in: .whitespaces), (1...200).contains(name.count) else {
            throw OctoError.invalid("name", "name must have 1 to 200 characters")
        }
        let version = input.version ?? "v2c"
        if input.popId != nil && input.deviceId != nil {
            throw OctoError.invalid("device_id", "a credential is scoped to a POP or to a device, not both")
        }
        let id = UUID()
        var community: String?
        var user: String?
        var auth: (String, String)?
        var priv: (String, String)?
        switch version {
        case "v2c":
            guard let text = input.community, (1...255).contains(text.utf8.count) else {
                throw OctoError.invalid("community", "a v2c credential needs a community of 1 to 255 bytes")
            }
            community = try seal(text, id: id, field: "community", secrets: secrets)
        case "v3":
            guard let name = input.v3User, (1...32).contains(name.utf8.count) else {
                throw OctoError.invalid("v3_user", "a v3 credential needs a user name of 1 to 32 bytes")
            }
            user = name
            if let proto = input.authProtocol {
                guard let parsed = AuthProtocol(name: proto) else { throw OctoError.invalid("auth_protocol", "unknown authentication protocol") }
                guard let key = input.authKey, key.utf8.count >= 8 else {
                    throw OctoError.invalid("auth_key", "the authentication pass phrase needs at least 8 characters")
                }
                auth = (parsed.rawValue, try seal(key, id: id, field: "auth", secrets: secrets))
            }
            if let proto = input.privProtocol {
                guard auth != nil else { throw OctoError.invalid("priv_protocol", "privacy needs authentication") }
                guard let parsed = PrivProtocol(name: proto) else { throw OctoError.invalid("priv_protocol", "unknown privacy protocol") }
                guard let key = input.privKey, key.utf8.count >= 8 else {
                    throw OctoError.invalid("priv_key", "the privacy pass phrase needs at least 8 characters")
                }
                priv = (parsed.rawValue, try seal(key, id: id, field: "priv", secrets: secrets))
            }
        default:
            throw OctoError.invalid("version", "version must be v2c or v3")
        }
        let priority = input.priority ?? 100
        guard (0...10_000).contains(priority) else { throw OctoError.invalid("priority", "priority must be within 0…10000") }
        let now = tx.clock.now
        try await tx.query("""
            INSERT INTO snmp_credentials (id, provider_id, pop_id, device_id, name, version, priority, community_sealed, v3_user,
                                          auth_protocol, auth_key_sealed, priv_protocol, priv_key_sealed, context_name,
                                          created_at, updated_at)
            VALUES (\(id), \(tx.providerID), \(input.popId), \(input.deviceId), \(name), \(version), \(Int32(priority)),
                    \(community), \(user), \(auth?.0), \(auth?.1), \(priv?.0), \(priv?.1), \(input.contextName ?? ""),
                    \(now), \(now))
            """)
        let credential = try await get(id)
        try await tx.audit("snmp_credential.create", by: actor, target: ("snmp_credential", id.lowercased),
                           before: SNMPCredential?.none, after: credential)
        return credential
    }

    /// Changes a credential's name or priority and replaces the secrets given (a new community, or new
    /// v3 pass phrases for the protocols it has); audited without the secrets.
    public func update(_ id: UUID, _ input: SNMPCredentialInput, secrets: SecretBox, by actor: Actor) async throws -> SNMPCredential {
        let before = try await get(id)
        if let name = input.name, !(1...200).contains(name.trimmingCharacters(in: .whitespaces).count) {
            throw OctoError.invalid("name", "name must have 1 to 200 characters")
        }
        if let priority = input.priority, !(0...10_000).contains(priority) {
            throw OctoError.invalid("priority", "priority must be within 0…10000")
        }
        if input.version != nil || input.popId != nil || input.deviceId != nil || input.v3User != nil
            || input.authProtocol != nil || input.privProtocol != nil {
            throw OctoError.invalid("version", "version, scope, user and protocols cannot change; create another credential")
        }
        var community: String?
        var authKey: String?
        var privKey: String?
        if let text = input.community {
            guard before.version == "v2c", (1...255).contains(text.utf8.count) else {
                throw OctoError.invalid("community", "only a v2c credential has a community, of 1 to 255 bytes")
            }
            community = try seal(text, id: id, field: "community", secrets: secrets)
        }
        if let key = input.authKey {
            guard before.authProtocol != nil, key.utf8.count >= 8 else {
                throw OctoError.invalid("auth_key", "the credential has no authentication, or the pass phrase is shorter than 8")
            }
            authKey = try seal(key, id: id, field: "auth", secrets: secrets)
        }
        if let key = input.privKey {
            guard before.privProtocol != nil, key.utf8.count >= 8 else {
                throw OctoError.invalid("priv_key", "the credential has no privacy, or the pass phrase is shorter than 8")
            }
            privKey = try seal(key, id: id, field: "priv", secrets: secrets)
        }
        try await tx.query("""
            UPDATE snmp_credentials SET name = coalesce(\(input.name?.trimmingCharacters(in: .whitespaces)), name),
                priority = coalesce(\(input.priority.map { Int32($0) }), priority),
                community_sealed = coalesce(\(community), community_sealed), auth_key_sealed = coalesce(\(authKey), auth_key_sealed),
                priv_key_sealed = coalesce(\(privKey), priv_key_sealed), context_name = coalesce(\(input.contextName), context_name),
                updated_at = \(tx.clock.now)
            WHERE id = \(id)
            """)
        let after = try await get(id)
        try await tx.audit("snmp_credential.update", by: actor, target: ("snmp_credential", id.lowercased), before: before, after: after)
        return after
    }

    /// Deletes a credential (devices that used it keep polling with none until discovery finds another).
    public func delete(_ id: UUID, by actor: Actor) async throws {
        let before = try await get(id)
        try await tx.query("DELETE FROM snmp_credentials WHERE id = \(id)")
        try await tx.audit("snmp_credential.delete", by: actor, target: ("snmp_credential", id.lowercased),
                           before: before, after: SNMPCredential?.none)
    }

    /// The credential with its secrets opened.
    public func open(_ id: UUID, secrets: SecretBox) async throws -> OpenedSNMPCredential? {
        try await openAll("SELECT * FROM snmp_credentials WHERE id = \(id)", secrets: secrets).first
    }

    /// These credentials with their secrets opened, read in one statement; an id not found has none.
    func open(_ ids: [UUID], secrets: SecretBox) async throws -> [UUID: OpenedSNMPCredential] {
        var opened: [UUID: OpenedSNMPCredential] = [:]
        for credential in try await openAll("SELECT * FROM snmp_credentials WHERE id = ANY(\(ids))", secrets: secrets) {
            opened[credential.id] = credential
        }
        return opened
    }

    /// The credentials to try, in order: the device's own (when `device` is given), the POP's, then the
    /// provider-wide ones, each in priority order. Discovery, which has no device yet, passes none.
    public func candidates(pop: UUID?, device: UUID? = nil, secrets: SecretBox) async throws -> [OpenedSNMPCredential] {
        try await openAll("""
            SELECT * FROM snmp_credentials
            WHERE (device_id IS NULL AND (pop_id IS NULL OR pop_id = \(pop))) OR device_id = \(device)
            ORDER BY (device_id IS NULL), (pop_id IS NULL), priority, name, id
            """, secrets: secrets)
    }

    private func openAll(_ query: PostgresQuery, secrets: SecretBox) async throws -> [OpenedSNMPCredential] {
        let rows = try await tx.query(query).monitoringRows { row in
            (try row.column("id", as: UUID.self), try row.column("version", as: String.self),
             try row.column("community_sealed", as: String?.self), try row.column("v3_user", as: String?.self),
             try row.column("auth_protocol", as: String?.self), try row.column("auth_key_sealed", as: String?.self),
             try row.column("priv_protocol", as: String?.self), try row.column("priv_key_sealed", as: String?.self),
             try row.column("context_name", as: String.self))
        }
        return try rows.map { id, version, community, user, authProto, authKey, privProto, privKey, contextName in
            if version == "v2c", let community {
                return OpenedSNMPCredential(id: id, credentials: .v2c(community: try secrets.open(community, context: self.context(id, "community"))))
            }
            var auth: USMUser.Credential<AuthProtocol>?
            var priv: USMUser.Credential<PrivProtocol>?
            if let authProto, let proto = AuthProtocol(name: authProto), let authKey {
                auth = .init(proto, try secrets.open(authKey, context: self.context(id, "auth")))
            }
            if let privProto, let proto = PrivProtocol(name: privProto), let privKey {
                priv = .init(proto, try secrets.open(privKey, context: self.context(id, "priv")))
            }
            let usm = USMUser(name: user ?? "", auth: auth, priv: priv)
            return OpenedSNMPCredential(id: id, credentials: .v3(user: usm, level: usm.securityLevel, contextName: contextName))
        }
    }

    private func seal(_ secret: String, id: UUID, field: String, secrets: SecretBox) throws -> String {
        try secrets.seal(secret, context: context(id, field))
    }

    private func context(_ id: UUID, _ field: String) -> String {
        "snmp-credential:\(tx.providerID?.lowercased ?? "-"):\(id.lowercased):\(field)"
    }
}
