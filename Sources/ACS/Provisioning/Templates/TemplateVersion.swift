import Foundation
import OctoCore

/// One immutable version of a template.
public struct TemplateVersion: Codable, Sendable, Hashable {
    /// The template.
    public var templateId: UUID
    /// 1, 2, …
    public var version: Int
    /// The abstract settings (JSON form of ``ProvisioningSettings``; may hold variables).
    public var settings: JSONValue
    /// `field` or `field@band` (band in lower case, e.g. `wifi.key@5ghz`) → path below the root, replacing the mapping's first entry.
    public var pathOverrides: [String: String]
    /// Policies the settings were checked against and that are enforced on apply.
    public var policies: TemplatePolicies
    /// Why it was made.
    public var note: String?
    /// The version a rollback copied.
    public var sourceVersion: Int?
    /// Who made it.
    public var createdBy: String?
    /// When.
    public var createdAt: Date
}
