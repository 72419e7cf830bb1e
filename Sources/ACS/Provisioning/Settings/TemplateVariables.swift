import Foundation
import OctoCore

/// Variables a template's string values may hold: `{{customer.name}}`, `{{customer.id}}`,
/// `{{device.serial}}`, `{{device.oui}}` and `{{generated.wifi_key}}` (a per-device random key, generated
/// once and stored sealed). They are replaced per device before the settings are resolved.
public struct TemplateVariables: Sendable, Hashable {
    /// The names a template may use.
    public static let names = ["customer.name", "customer.id", "device.serial", "device.oui", "generated.wifi_key"]

    /// Values by name; a missing one is replaced by an empty string.
    public var values: [String: String]

    /// Creates a set of values.
    public init(_ values: [String: String] = [:]) {
        self.values = values
    }

    /// Whether `text` contains `{{`.
    public static func hasVariables(_ text: String) -> Bool { text.contains("{{") }

    /// The variable names `text` uses.
    public static func used(in text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { names.append(String(rest[open.upperBound...])); break }
            names.append(rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces))
            rest = rest[close.upperBound...]
        }
        return names
    }

    /// Refuses unknown or unterminated variables, naming `path`.
    public static func check(_ text: String, at path: String) throws(ProvisioningError) {
        for name in used(in: text) where !names.contains(name) {
            throw ProvisioningError(.invalidValue, field: path, "\(path) uses unknown variable {{\(name)}}; known: \(names.joined(separator: ", "))")
        }
    }

    /// `text` with every variable replaced.
    public func substitute(_ text: String) -> String {
        guard Self.hasVariables(text) else { return text }
        var out = text
        for name in Self.used(in: text) {
            out = out.replacingOccurrences(of: "{{\(name)}}", with: values[name] ?? "")
            out = out.replacingOccurrences(of: "{{ \(name) }}", with: values[name] ?? "")
        }
        return out
    }
}

extension ProvisioningSettings {
    /// The settings with every variable replaced and the results checked again (an SSID made too long
    /// by a customer name is an error naming the field).
    public func substituting(_ variables: TemplateVariables) throws(ProvisioningError) -> ProvisioningSettings {
        var out: [SettingValue] = []
        for value in values {
            guard TemplateVariables.hasVariables(value.value) else { out.append(value); continue }
            let text = variables.substitute(value.value)
            out.append(SettingValue(value.field, band: value.band, try Self.canonical(.string(text), field: value.field, at: value.key)))
        }
        return ProvisioningSettings(values: out)
    }

    /// Whether any value uses `{{generated.wifi_key}}`.
    public var usesGeneratedKey: Bool { values.contains { $0.value.contains("generated.wifi_key") } }
}
