import Foundation

/// A point of presence of a provider: where its network equipment lives.
public struct Pop: Codable, Sendable, Hashable {
    /// Identifier.
    public var id: UUID
    /// Owning provider.
    public var providerId: UUID
    /// Display name, unique per provider.
    public var name: String
    /// Short code.
    public var code: String?
    /// City.
    public var city: String?
    /// State (UF).
    public var state: String?
    /// Street address.
    public var address: String?
    /// Free text.
    public var notes: String?
    /// Creation time.
    public var createdAt: Date
    /// Last change.
    public var updatedAt: Date

    /// Creates a POP value.
    public init(id: UUID, providerId: UUID, name: String, code: String?, city: String?, state: String?, address: String?, notes: String?, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.providerId = providerId
        self.name = name
        self.code = code
        self.city = city
        self.state = state
        self.address = address
        self.notes = notes
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// Fields of a POP for create (name required) and update (absent fields stay).
public struct PopInput: Codable, Sendable {
    /// Display name.
    public var name: String?
    /// Short code.
    public var code: Nullable<String>?
    /// City.
    public var city: Nullable<String>?
    /// State (UF).
    public var state: Nullable<String>?
    /// Street address.
    public var address: Nullable<String>?
    /// Free text.
    public var notes: Nullable<String>?

    /// Creates the input; absent fields stay unchanged on update.
    public init(name: String? = nil, code: String? = nil, city: String? = nil, state: String? = nil, address: String? = nil, notes: String? = nil) {
        self.name = name
        self.code = code.map(Nullable.value)
        self.city = city.map(Nullable.value)
        self.state = state.map(Nullable.value)
        self.address = address.map(Nullable.value)
        self.notes = notes.map(Nullable.value)
    }
}
