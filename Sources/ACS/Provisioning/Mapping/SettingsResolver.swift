import Foundation

/// Settings → parameter values for one device: the effective mapping of its data model and identity,
/// checked against its parameter tree. No I/O.
public struct SettingsResolver: Sendable {
    /// The mapping files.
    public var catalog: MappingCatalog

    /// Creates a resolver over `catalog`.
    public init(catalog: MappingCatalog = .bundled) {
        self.catalog = catalog
    }

    /// Resolves `settings` for a device with `facts` and `tree` (paths with objects ending in a dot).
    /// Band fields follow the interfaces detected in the tree (``DeviceCapabilities``) unless a model
    /// file declares the band; a band the tree cannot tell is refused per field, never guessed.
    /// `rejected` paths are skipped; `pathOverrides` (`field` or `field@band` → path below the root)
    /// replace the mapping's first entry of that field.
    public func resolve(_ settings: ProvisioningSettings, facts: DeviceFacts, tree: [String: ParameterNode],
                        rejected: Set<String> = [], pathOverrides: [String: String] = [:],
                        capabilities detected: DeviceCapabilities? = nil) -> Resolution {
        let root = tree.keys.contains { $0.hasPrefix("Device.") } ? "Device." : "InternetGatewayDevice."
        guard let mapping = catalog.effective(root: root, facts: facts) else {
            return Resolution(changes: [], skipped: [], errors: [ProvisioningError(.invalidMapping, field: root, "no mapping for \(root)")], mapping: [])
        }
        let capabilities = detected ?? DeviceCapabilities.detect(tree: tree)
        let deviceName = [facts.manufacturer, facts.productClass].filter { !$0.isEmpty }.joined(separator: " ")
        var changes: [String: ParameterChange] = [:]
        var skipped: [SkippedField] = []
        var errors: [ProvisioningError] = []
        for setting in settings.values {
            let key = setting.key
            if mapping.unsupported.contains(setting.field) {
                skipped.append(SkippedField(field: key, path: nil, reason: .unsupported))
                continue
            }
            var entries = mapping.fields[setting.field] ?? []
            if entries.isEmpty {
                skipped.append(SkippedField(field: key, path: nil, reason: .unsupported))
                continue
            }
            if let override = pathOverrides[key.lowercased()] ?? pathOverrides[key] ?? pathOverrides[setting.field.rawValue] {
                entries[0].path = override
            }
            var variables: [String: String] = [:]
            if let band = setting.band {
                if setting.field == .wifiChannel, let channel = Int(setting.value), !BandSignal.channel(channel, belongsTo: band) {
                    errors.append(ProvisioningError(.invalidValue, field: key, "\(key): channel \(channel) is not a \(band.rawValue) channel"))
                    continue
                }
                if mapping.readOnlyBands.contains(band) {
                    skipped.append(SkippedField(field: key, path: nil, reason: .readOnlyBand))
                    continue
                }
                if let declared = mapping.declaredBands[band] {
                    guard let declared else {
                        skipped.append(SkippedField(field: key, path: nil, reason: .noSuchBand))
                        continue
                    }
                    variables = declared
                } else if let detected = capabilities.band(band) {
                    variables = detected.variables
                    if setting.field == .wifiChannel, let channel = Int(setting.value), let allowed = detected.channels, !allowed.contains(channel) {
                        errors.append(ProvisioningError(.invalidValue, field: key,
                            "\(key): channel \(channel) is not offered by the \(band.rawValue) radio of \(deviceName) (it lists \(allowed.map(String.init).joined(separator: ",")))"))
                        continue
                    }
                } else if let problem = capabilities.problem(band) {
                    errors.append(ProvisioningError(.ambiguousBand, field: key,
                        "\(key): cannot tell which interface is \(band.rawValue) on \(deviceName): \(problem); add a mapping"))
                    continue
                } else {
                    skipped.append(SkippedField(field: key, path: nil, reason: .noSuchBand))
                    continue
                }
            }
            var produced = false
            for entry in entries {
                var candidates: [String]
                if let table = entry.values {
                    guard let mapped = table[setting.value], !mapped.isEmpty else { continue }
                    candidates = mapped
                } else {
                    switch entry.transform {
                    case .not?: candidates = [setting.value == "true" ? "false" : "true"]
                    case .isAuto?: candidates = [setting.value == "auto" ? "true" : "false"]
                    case .channelNumber?:
                        produced = produced || setting.value == "auto"
                        guard setting.value != "auto" else { continue }
                        candidates = [setting.value]
                    case nil: candidates = [setting.value]
                    }
                }
                produced = true
                if let listPath = entry.allowedBy, let expanded = Self.expand(root + listPath, variables: variables, tree: tree),
                   let listed = tree[expanded]?.value, !listed.isEmpty {
                    let offered = listed.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                    let usable = candidates.filter { offered.contains($0) }
                    guard !usable.isEmpty else {
                        errors.append(ProvisioningError(.invalidValue, field: key,
                            "\(key): \(setting.value) is not offered by \(deviceName) (\(expanded) lists \(offered.joined(separator: ", ")))"))
                        continue
                    }
                    candidates = usable
                }
                let value = candidates[0]
                guard let path = Self.expand(root + entry.path, variables: variables, tree: tree) else {
                    if entry.optional == true {
                        skipped.append(SkippedField(field: key, path: root + entry.path, reason: .absent))
                    } else {
                        errors.append(ProvisioningError(.missingPath, field: key,
                                                        "\(key): \(root + entry.path) (mapping \(mapping.layers.joined(separator: " + "))) is not in the device's data model"))
                    }
                    continue
                }
                if rejected.contains(path) {
                    skipped.append(SkippedField(field: key, path: path, reason: .rejected))
                    continue
                }
                guard let node = tree[path], !path.hasSuffix(".") else {
                    if entry.optional == true {
                        skipped.append(SkippedField(field: key, path: path, reason: .absent))
                    } else {
                        errors.append(ProvisioningError(.missingPath, field: key, "\(key): \(path) is not in the device's data model"))
                    }
                    continue
                }
                guard node.writable else {
                    errors.append(ProvisioningError(.notWritable, field: key, "\(key): \(path) is not writable on this device"))
                    continue
                }
                changes[path] = ParameterChange(path: path, value: value, type: entry.type, field: key, current: node.value)
            }
            if !produced {
                errors.append(ProvisioningError(.invalidValue, field: key,
                                                "\(key): value \(setting.value) is not supported by mapping \(mapping.layers.joined(separator: " + "))"))
            }
        }
        return Resolution(changes: changes.values.sorted(), skipped: skipped, errors: errors, mapping: mapping.layers,
                          rebootAfterWifiChange: mapping.rebootAfterWifiChange)
    }

    /// `path` with `{name}` replaced from `variables` and each `*` segment replaced by the lowest
    /// instance number present in `tree` that leads to an existing path; nil when there is none.
    static func expand(_ path: String, variables: [String: String], tree: [String: ParameterNode]) -> String? {
        var text = path
        for (name, value) in variables { text = text.replacingOccurrences(of: "{\(name)}", with: value) }
        guard !text.contains("{") else { return nil }
        guard text.contains("*") else { return text }
        var candidates = [""]
        let segments = text.split(separator: ".", omittingEmptySubsequences: false)
        for (index, segment) in segments.enumerated() {
            let last = index == segments.count - 1
            var next: [String] = []
            for prefix in candidates {
                if segment == "*" {
                    let instances = Set(tree.keys.compactMap { key -> Int? in
                        guard key.hasPrefix(prefix) else { return nil }
                        return Int(key.dropFirst(prefix.count).prefix { $0 != "." })
                    }).sorted()
                    next += instances.map { "\(prefix)\($0)." }
                } else {
                    next.append(last ? prefix + segment : "\(prefix)\(segment).")
                }
            }
            candidates = next.filter { candidate in tree[candidate] != nil || tree.keys.contains { $0.hasPrefix(candidate) } }
        }
        return candidates.first { tree[$0] != nil }
    }
}
