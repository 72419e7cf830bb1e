import Foundation

/// A subscriber of a provider.
public struct Customer: Codable, Sendable, Hashable {
    /// Contract state.
    public enum Status: String, Codable, Sendable, CaseIterable { case active, suspended, cancelled }
    /// Identifier.
    public var id: UUID
    /// Owning provider.
    public var providerId: UUID
    /// The POP serving the customer.
    public var popId: UUID?
    /// Name.
    public var name: String
    /// CPF or CNPJ.
    public var document: String?
    /// Contact e-mail.
    public var email: String?
    /// Contact phone.
    public var phone: String?
    /// Service plan.
    public var plan: String?
    /// Id in the provider's ERP.
    public var externalRef: String?
    /// Contract state.
    public var status: Status
    /// The availability the contract promises, in percent (e.g. 99.5); SLA reports compare with it.
    public var slaTargetPercent: Double?
    /// Creation time.
    public var createdAt: Date
    /// Last change.
    public var updatedAt: Date

    /// Creates a customer value.
    public init(id: UUID, providerId: UUID, popId: UUID?, name: String, document: String?, email: String?, phone: String?, plan: String?, externalRef: String?, status: Status, createdAt: Date, updatedAt: Date,
                slaTargetPercent: Double? = nil) {
        self.id = id
        self.providerId = providerId
        self.popId = popId
        self.name = name
        self.document = document
        self.email = email
        self.phone = phone
        self.plan = plan
        self.externalRef = externalRef
        self.status = status
        self.slaTargetPercent = slaTargetPercent
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// Fields of a customer for create (name required) and update (absent fields stay; `pop_id: null` clears).
public struct CustomerInput: Codable, Sendable {
    /// Name.
    public var name: String?
    /// Serving POP.
    public var popId: Nullable<UUID>?
    /// CPF or CNPJ.
    public var document: Nullable<String>?
    /// Contact e-mail.
    public var email: Nullable<String>?
    /// Contact phone.
    public var phone: Nullable<String>?
    /// Service plan.
    public var plan: Nullable<String>?
    /// Id in the provider's ERP.
    public var externalRef: Nullable<String>?
    /// Contract state.
    public var status: Customer.Status?
    /// Contracted availability in percent, above 0 and at most 100; `null` clears it.
    public var slaTargetPercent: Nullable<Double>?

    /// Creates the input; absent fields stay unchanged on update.
    public init(name: String? = nil, popId: Nullable<UUID>? = nil, document: String? = nil, email: String? = nil, phone: String? = nil, plan: String? = nil, externalRef: String? = nil, status: Customer.Status? = nil,
                slaTargetPercent: Double? = nil) {
        self.name = name
        self.popId = popId
        self.document = document.map(Nullable.value)
        self.email = email.map(Nullable.value)
        self.phone = phone.map(Nullable.value)
        self.plan = plan.map(Nullable.value)
        self.externalRef = externalRef.map(Nullable.value)
        self.status = status
        self.slaTargetPercent = slaTargetPercent.map(Nullable.value)
    }

    /// 400 naming `sla_target_percent` when it is out of (0, 100].
    public func validateTarget() throws(OctoError) {
        if case .value(let target)? = slaTargetPercent, !(target > 0 && target <= 100) {
            throw .invalid("sla_target_percent", "sla_target_percent must be above 0 and at most 100")
        }
    }
}
