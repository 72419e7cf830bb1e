import Foundation
import OctoCore

/// A provider's provisioning template: which devices it is for and which of its immutable versions is current.
public struct ProvisioningTemplate: Codable, Sendable, Hashable {
    /// Glob patterns (`*`) on what devices report; an absent criterion matches every device.
    public struct Match: Codable, Sendable, Hashable {
        /// Manufacturer pattern.
        public var manufacturer: String?
        /// OUI pattern.
        public var oui: String?
        /// Product class pattern.
        public var productClass: String?
        /// Firmware (SoftwareVersion) pattern.
        public var firmware: String?

        /// Creates a match.
        public init(manufacturer: String? = nil, oui: String? = nil, productClass: String? = nil, firmware: String? = nil) {
            self.manufacturer = manufacturer
            self.oui = oui
            self.productClass = productClass
            self.firmware = firmware
        }

        /// Whether `facts` satisfy every criterion.
        public func matches(_ facts: DeviceFacts) -> Bool {
            func ok(_ pattern: String?, _ value: String) -> Bool { pattern.map { Glob.matches($0, value) } ?? true }
            return ok(manufacturer, facts.manufacturer) && ok(oui, facts.oui) && ok(productClass, facts.productClass) && ok(firmware, facts.firmware)
        }
    }

    /// Identifier.
    public var id: UUID
    /// Unique name within the provider.
    public var name: String
    /// Which devices.
    public var match: Match
    /// Only devices of this POP, when set.
    public var popId: UUID?
    /// Higher wins when several templates match a device.
    public var priority: Int
    /// The version devices are provisioned with.
    public var currentVersion: Int
    /// When it was archived (no longer matched).
    public var archivedAt: Date?
    /// Creation time.
    public var createdAt: Date
    /// Last change.
    public var updatedAt: Date
}

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

/// Rules a template's settings must follow: allowed security modes, WPS off, a fixed inform interval.
public struct TemplatePolicies: Codable, Sendable, Hashable {
    /// Security modes allowed (e.g. `["wpa2", "wpa3", "wpa2_wpa3"]`).
    public var allowedSecurity: [String]?
    /// WPS is forced off on every band the settings configure.
    public var wpsOff: Bool?
    /// The periodic inform interval is forced to this many seconds.
    public var informInterval: Int?

    /// No policies.
    public init(allowedSecurity: [String]? = nil, wpsOff: Bool? = nil, informInterval: Int? = nil) {
        self.allowedSecurity = allowedSecurity
        self.wpsOff = wpsOff
        self.informInterval = informInterval
    }

    /// The settings with the policies enforced; a violation is an error naming the field.
    public func enforce(on settings: ProvisioningSettings) throws(ProvisioningError) -> ProvisioningSettings {
        var out = settings
        if let allowed = allowedSecurity {
            for value in settings.values where value.field == .wifiSecurity && !allowed.contains(value.value) {
                throw ProvisioningError(.policyViolation, field: "settings.\(value.key)",
                                        "\(value.key) is \(value.value); policy allows only \(allowed.joined(separator: ", "))")
            }
        }
        if wpsOff == true {
            for band in settings.bands {
                if settings[.wifiWPS, band] == "true" {
                    throw ProvisioningError(.policyViolation, field: "settings.wifi.wps@\(band.rawValue)", "policy wps_off forbids WPS on \(band.rawValue)")
                }
                out[.wifiWPS, band] = "false"
            }
        }
        if let interval = informInterval { out[.informInterval] = String(interval) }
        return out
    }

    /// Checks the policies themselves.
    public func validate() throws(ProvisioningError) {
        for mode in allowedSecurity ?? [] where !ProvisioningSettings.securityModes.contains(mode) {
            throw ProvisioningError(.invalidValue, field: "policies.allowed_security", "policies.allowed_security: unknown mode \(mode)")
        }
        if let interval = informInterval, !(30...604_800).contains(interval) {
            throw ProvisioningError(.invalidValue, field: "policies.inform_interval", "policies.inform_interval must be 30–604800 seconds")
        }
    }
}

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
            let parts = key.split(separator: "@", maxSplits: 1).map(String.init)
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
