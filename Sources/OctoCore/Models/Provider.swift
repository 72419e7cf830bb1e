import Foundation

/// An ISP using the platform: the unit of tenancy.
public struct Provider: Codable, Sendable, Hashable {
    /// Operational state of a provider.
    public enum Status: String, Codable, Sendable, CaseIterable { case active, suspended }
    /// Identifier.
    public var id: UUID
    /// URL-safe name, used in the CWMP endpoint path.
    public var slug: String
    /// Display name.
    public var name: String
    /// CNPJ or other registration.
    public var document: String?
    /// Large providers get dedicated queues and workers.
    public var large: Bool
    /// Whether it may work.
    public var status: Status
    /// Whether its CPEs must use TLS to authenticate with Basic (Digest over plain HTTP still works).
    public var cwmpRequireTlsForBasic: Bool
    /// Creation time.
    public var createdAt: Date
    /// Last change.
    public var updatedAt: Date

    /// Creates a provider value.
    public init(id: UUID, slug: String, name: String, document: String?, large: Bool, status: Status, cwmpRequireTlsForBasic: Bool = false,
                createdAt: Date, updatedAt: Date) {
        self.id = id
        self.cwmpRequireTlsForBasic = cwmpRequireTlsForBasic
        self.slug = slug
        self.name = name
        self.document = document
        self.large = large
        self.status = status
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// Fields to create a provider.
public struct ProviderInput: Codable, Sendable {
    /// URL-safe name (lowercase letters, digits, dashes).
    public var slug: String
    /// Display name.
    public var name: String
    /// CNPJ or other registration.
    public var document: String?
    /// Large providers get dedicated queues.
    public var large: Bool?
    /// Initial state.
    public var status: Provider.Status?
    /// Refuse CWMP Basic authentication over plain HTTP (default false).
    public var cwmpRequireTlsForBasic: Bool?

    /// Creates the input; absent fields stay unchanged on update.
    public init(slug: String, name: String, document: String? = nil, large: Bool? = nil, status: Provider.Status? = nil,
                cwmpRequireTlsForBasic: Bool? = nil) {
        self.cwmpRequireTlsForBasic = cwmpRequireTlsForBasic
        self.slug = slug
        self.name = name
        self.document = document
        self.large = large
        self.status = status
    }
}

/// Fields to change a provider; absent fields stay.
public struct ProviderPatch: Codable, Sendable {
    /// New display name.
    public var name: String?
    /// New registration.
    public var document: String?
    /// Large or not.
    public var large: Bool?
    /// New state.
    public var status: Provider.Status?
    /// Refuse CWMP Basic authentication over plain HTTP.
    public var cwmpRequireTlsForBasic: Bool?

    /// Creates the input; absent fields stay unchanged on update.
    public init(name: String? = nil, document: String? = nil, large: Bool? = nil, status: Provider.Status? = nil,
                cwmpRequireTlsForBasic: Bool? = nil) {
        self.cwmpRequireTlsForBasic = cwmpRequireTlsForBasic
        self.name = name
        self.document = document
        self.large = large
        self.status = status
    }
}
