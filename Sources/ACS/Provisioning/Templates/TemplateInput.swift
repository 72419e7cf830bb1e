import Foundation
import OctoCore

/// The body that creates a template or a new version of one.
public struct TemplateInput: Codable, Sendable, Hashable {
    /// Name (create only).
    public var name: String?
    /// Match (create; optional on a version).
    public var match: ProvisioningTemplate.Match?
    /// POP restriction.
    public var popId: UUID?
    /// Priority.
    public var priority: Int?
    /// Abstract settings.
    public var settings: JSONValue?
    /// Path overrides.
    public var pathOverrides: [String: String]?
    /// Policies.
    public var policies: TemplatePolicies?
    /// Note for the version.
    public var note: String?

    /// Creates an input.
    public init(name: String? = nil, match: ProvisioningTemplate.Match? = nil, popId: UUID? = nil, priority: Int? = nil,
                settings: JSONValue? = nil, pathOverrides: [String: String]? = nil, policies: TemplatePolicies? = nil, note: String? = nil) {
        self.name = name
        self.match = match
        self.popId = popId
        self.priority = priority
        self.settings = settings
        self.pathOverrides = pathOverrides
        self.policies = policies
        self.note = note
    }
}
