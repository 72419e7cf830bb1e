import Foundation
import OctoCore
import SNMP

/// A stored SNMP credential as the API shows it: scope, version and names, never the secrets.
public struct SNMPCredential: Sendable, Codable, Hashable {
    /// Its id.
    public var id: UUID
    /// The owning provider.
    public var providerId: UUID
    /// The POP it is limited to, if any.
    public var popId: UUID?
    /// The device it is limited to, if any.
    public var deviceId: UUID?
    /// A name for the NOC (`core v3`, `legacy public`).
    public var name: String
    /// `v2c` or `v3`.
    public var version: String
    /// Lower tries first during discovery.
    public var priority: Int
    /// The v3 user name.
    public var v3User: String?
    /// The v3 authentication protocol (`SHA-256`, …), if any.
    public var authProtocol: String?
    /// The v3 privacy protocol (`AES`, …), if any.
    public var privProtocol: String?
    /// The v3 context name.
    public var contextName: String
    /// Creation time.
    public var createdAt: Date
    /// Last change.
    public var updatedAt: Date

    /// Creates a credential view.
    public init(id: UUID, providerId: UUID, popId: UUID?, deviceId: UUID?, name: String, version: String, priority: Int,
                v3User: String?, authProtocol: String?, privProtocol: String?, contextName: String, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.providerId = providerId
        self.popId = popId
        self.deviceId = deviceId
        self.name = name
        self.version = version
        self.priority = priority
        self.v3User = v3User
        self.authProtocol = authProtocol
        self.privProtocol = privProtocol
        self.contextName = contextName
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// What the API sends to create a credential.
public struct SNMPCredentialInput: Sendable, Codable, Hashable {
    /// Name (required).
    public var name: String?
    /// `v2c` (default) or `v3`.
    public var version: String?
    /// Discovery order (default 100).
    public var priority: Int?
    /// Limit to a POP.
    public var popId: UUID?
    /// Limit to a device.
    public var deviceId: UUID?
    /// v2c community.
    public var community: String?
    /// v3 user name.
    public var v3User: String?
    /// v3 authentication protocol.
    public var authProtocol: String?
    /// v3 authentication pass phrase.
    public var authKey: String?
    /// v3 privacy protocol.
    public var privProtocol: String?
    /// v3 privacy pass phrase.
    public var privKey: String?
    /// v3 context name.
    public var contextName: String?

    /// Creates an input.
    public init(name: String? = nil, version: String? = nil, priority: Int? = nil, popId: UUID? = nil, deviceId: UUID? = nil,
                community: String? = nil, v3User: String? = nil, authProtocol: String? = nil, authKey: String? = nil,
                privProtocol: String? = nil, privKey: String? = nil, contextName: String? = nil) {
        self.name = name
        self.version = version
        self.priority = priority
        self.popId = popId
        self.deviceId = deviceId
        self.community = community
        self.v3User = v3User
        self.authProtocol = authProtocol
        self.authKey = authKey
        self.privProtocol = privProtocol
        self.privKey = privKey
        self.contextName = contextName
    }
}

/// A credential with its secrets opened, ready to build an ``SNMPTarget``.
public struct OpenedSNMPCredential: Sendable, Hashable {
    /// The stored credential's id.
    public var id: UUID
    /// What the SNMP client sends.
    public var credentials: SNMPCredentials
}
