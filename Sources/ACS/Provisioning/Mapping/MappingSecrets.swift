/// The parameter paths the provisioning mappings write secret fields to (``SettingsField/isSecret``):
/// what the mappings know about which parameter of a model holds its Wi-Fi key, PPPoE or admin
/// password, whatever the vendor named it. Paths are matched segment by segment; a `{band}`
/// placeholder or `*` matches one segment.
public struct MappingSecrets: Sendable {
    /// The secret paths of the bundled mappings.
    public static let bundled = MappingSecrets(MappingCatalog.bundled)

    let patterns: [[Substring]]

    /// The secret paths of every mapping of `catalog`, under the root of its base.
    public init(_ catalog: MappingCatalog) {
        var patterns = Set<[Substring]>()
        for mapping in catalog.mappings.values {
            let root = mapping.root ?? mapping.extends.flatMap { catalog.mappings[$0]?.root } ?? ""
            for (name, entries) in mapping.fields ?? [:] where SettingsField(rawValue: name)?.isSecret == true {
                for entry in entries { patterns.insert((root + entry.path).split(separator: ".", omittingEmptySubsequences: false)) }
            }
        }
        self.patterns = Array(patterns)
    }

    /// Whether `path` is one a mapping writes a secret field to.
    public func contains(_ path: String) -> Bool {
        let segments = path.split(separator: ".", omittingEmptySubsequences: false)
        return patterns.contains { pattern in
            pattern.count == segments.count && zip(pattern, segments).allSatisfy { wanted, segment in
                wanted == "*" || (wanted.hasPrefix("{") && wanted.hasSuffix("}")) || wanted == segment
            }
        }
    }
}
