import Foundation

/// Every mapping file, validated: bases by root and overrides by the base they extend. Loaded from the
/// ACS module's resources (``MappingCatalog/bundled``) or from given files (tests, custom catalogs).
public struct MappingCatalog: Sendable {
    /// Files by id.
    public let mappings: [String: DataModelMapping]

    /// A catalog of `mappings`; refuses unknown fields, unknown bases, bases without a root and
    /// placeholders no band defines.
    public init(_ mappings: [DataModelMapping]) throws(ProvisioningError) {
        var byID: [String: DataModelMapping] = [:]
        for mapping in mappings {
            guard byID[mapping.id] == nil else { throw ProvisioningError(.invalidMapping, field: mapping.id, "mapping \(mapping.id) is defined twice") }
            byID[mapping.id] = mapping
        }
        for mapping in mappings {
            if let base = mapping.extends {
                guard let parent = byID[base], parent.extends == nil else {
                    throw ProvisioningError(.invalidMapping, field: mapping.id, "mapping \(mapping.id) extends \(base), which is not a base mapping")
                }
                guard mapping.match != nil else { throw ProvisioningError(.invalidMapping, field: mapping.id, "override \(mapping.id) has no match") }
            } else {
                guard let root = mapping.root, root == "Device." || root == "InternetGatewayDevice." else {
                    throw ProvisioningError(.invalidMapping, field: mapping.id, "base mapping \(mapping.id) needs root Device. or InternetGatewayDevice.")
                }
            }
            for name in Array((mapping.fields ?? [:]).keys) + (mapping.unsupported ?? []) where SettingsField(rawValue: name) == nil {
                throw ProvisioningError(.invalidMapping, field: "\(mapping.id).\(name)", "mapping \(mapping.id) names unknown field \(name)")
            }
            for band in Array((mapping.bands ?? [:]).keys) + (mapping.flags?.readOnlyBands ?? []) where Band(rawValue: band) == nil {
                throw ProvisioningError(.invalidMapping, field: "\(mapping.id).bands.\(band)", "mapping \(mapping.id) names unknown band \(band)")
            }
        }
        self.mappings = byID
    }

    /// The files shipped in the ACS module (`Provisioning/Mappings/*.json`).
    public static let bundled: MappingCatalog = {
        do {
            return try load(directory: Bundle.module.url(forResource: "Mappings", withExtension: nil)!)
        } catch {
            fatalError("the bundled provisioning mappings are invalid: \(error)")
        }
    }()

    /// Loads every `*.json` file of `directory`.
    public static func load(directory: URL) throws -> MappingCatalog {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
        var mappings: [DataModelMapping] = []
        for name in names {
            let data = try Data(contentsOf: directory.appendingPathComponent(name))
            do {
                mappings.append(try JSONDecoder().decode(DataModelMapping.self, from: data))
            } catch {
                throw ProvisioningError(.invalidMapping, field: name, "mapping file \(name) cannot be read: \(error)")
            }
        }
        return try MappingCatalog(mappings)
    }

    /// The base for `root` followed by the overrides matching `facts`, in ascending priority.
    public func layers(root: String, facts: DeviceFacts) -> [DataModelMapping] {
        guard let base = mappings.values.first(where: { $0.extends == nil && $0.root == root }) else { return [] }
        let overrides = mappings.values
            .filter { $0.extends == base.id && ($0.match?.matches(facts) ?? false) }
            .sorted { ($0.priority ?? 0, $0.id) < ($1.priority ?? 0, $1.id) }
        return [base] + overrides
    }

    /// The effective mapping for a device.
    public func effective(root: String, facts: DeviceFacts) -> EffectiveMapping? {
        let layers = layers(root: root, facts: facts)
        guard let base = layers.first, let root = base.root else { return nil }
        var bands: [Band: [String: String]?] = [:]
        var fields: [SettingsField: [DataModelMapping.Entry]] = [:]
        var unsupported = Set<SettingsField>()
        var reboot = false
        var readOnly = Set<Band>()
        for layer in layers {
            for (name, variables) in layer.bands ?? [:] {
                guard let band = Band(rawValue: name) else { continue }
                bands[band] = .some(variables)
            }
            if let flag = layer.flags?.rebootAfterWifiChange { reboot = flag }
            if let names = layer.flags?.readOnlyBands { readOnly = Set(names.compactMap(Band.init(rawValue:))) }
            for (name, entries) in layer.fields ?? [:] {
                guard let field = SettingsField(rawValue: name) else { continue }
                fields[field] = entries
                unsupported.remove(field)
            }
            for name in layer.unsupported ?? [] {
                if let field = SettingsField(rawValue: name) { unsupported.insert(field); fields[field] = nil }
            }
        }
        return EffectiveMapping(root: root, layers: layers.map { "\($0.id)@\($0.version)" }, declaredBands: bands, fields: fields,
                                unsupported: unsupported, rebootAfterWifiChange: reboot, readOnlyBands: readOnly)
    }

    /// Whether some base mapping maps `field` (used to validate template path overrides).
    public func anyBaseMaps(_ field: SettingsField) -> Bool {
        mappings.values.contains { $0.extends == nil && $0.fields?[field.rawValue] != nil }
    }
}
