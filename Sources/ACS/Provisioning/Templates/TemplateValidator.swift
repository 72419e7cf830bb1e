import Foundation
import OctoCore

/// Validates a version before anything is stored: settings (unknown fields, values), policies and path overrides.
public struct TemplateValidator: Sendable {
    /// The mappings path overrides are checked against.
    public var catalog: MappingCatalog

    /// Creates a validator.
    public init(catalog: MappingCatalog = .bundled) {
        self.catalog = catalog
    }

    /// The parsed settings (policies enforced) and normalized path overrides, or the first error naming its field.
    public func validate(settings json: JSONValue, pathOverrides: [String: String], policies: TemplatePolicies) throws(ProvisioningError)
        -> (settings: ProvisioningSettings, pathOverrides: [String: String]) {
        let settings: ProvisioningSettings
        do throws(ProvisioningError) {
            settings = try ProvisioningSettings(json: json)
        } catch {
            var error = error
            error.field = "settings." + error.field
            error.message = "settings." + error.message
            throw error
        }
        try policies.validate()
        let enforced = try policies.enforce(on: settings)
        var overrides: [String: String] = [:]
        for (rawKey, path) in pathOverrides.sorted(by: { $0.key < $1.key }) {
            let key = ProvisioningSettings.snakeCase(rawKey).replacingOccurrences(of: "_g_hz", with: "ghz")
            let parts = key.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard let field = SettingsField(rawValue: parts[0]) else {
                throw ProvisioningError(.unknownField, field: "path_overrides.\(rawKey)",
                                        "path_overrides.\(rawKey): \(parts[0]) is not a field of the settings model")
            }
            if parts.count == 2 {
                guard field.perBand, Band(text: parts[1]) != nil else {
                    throw ProvisioningError(.unknownField, field: "path_overrides.\(rawKey)", "path_overrides.\(rawKey): \(parts[1]) is not a band of \(field.rawValue)")
                }
            }
            guard catalog.anyBaseMaps(field) else {
                throw ProvisioningError(.unknownPath, field: "path_overrides.\(rawKey)", "path_overrides.\(rawKey): no mapping maps \(field.rawValue)")
            }
            let relative = path.hasPrefix("InternetGatewayDevice.") ? String(path.dropFirst("InternetGatewayDevice.".count))
                : path.hasPrefix("Device.") ? String(path.dropFirst("Device.".count)) : path
            let segments = relative.split(separator: ".", omittingEmptySubsequences: false)
            let valid = !relative.isEmpty && !relative.hasSuffix(".") && segments.allSatisfy { segment in
                !segment.isEmpty && segment.allSatisfy { $0.isLetter || $0.isNumber || "_-{}*".contains($0) }
            }
            guard valid, relative.utf8.count <= 256 else {
                throw ProvisioningError(.unknownPath, field: "path_overrides.\(rawKey)", "path_overrides.\(rawKey): \(path) is not a parameter path")
            }
            let normalizedKey = parts.count == 2 ? "\(field.rawValue)@\(Band(text: parts[1])!.rawValue.lowercased())" : field.rawValue
            overrides[normalizedKey] = relative
        }
        return (enforced, overrides)
    }
}
