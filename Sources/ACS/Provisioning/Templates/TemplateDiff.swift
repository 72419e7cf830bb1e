/// The difference between two template versions, per abstract field (secrets masked).
public struct TemplateDiff: Codable, Sendable, Hashable {
    /// One field that differs.
    public struct Entry: Codable, Sendable, Hashable {
        /// `wifi.ssid@5GHz`, `policies.inform_interval`, `path_overrides.wifi.key`.
        public var field: String
        /// The value in the first version (nil when unset).
        public var before: String?
        /// The value in the second version (nil when unset).
        public var after: String?
    }

    /// Version compared from.
    public var from: Int
    /// Version compared to.
    public var to: Int
    /// The fields that differ, by field.
    public var changes: [Entry]

    /// Compares `a` with `b`.
    public init(_ a: TemplateVersion, _ b: TemplateVersion) {
        from = a.version
        to = b.version
        func flat(_ version: TemplateVersion) -> [String: (String, Bool)] {
            var out: [String: (String, Bool)] = [:]
            if let settings = try? ProvisioningSettings(json: version.settings) {
                for value in settings.values { out[value.key] = (value.value, value.field.isSecret) }
            }
            for (key, path) in version.pathOverrides { out["path_overrides.\(key)"] = (path, false) }
            if let modes = version.policies.allowedSecurity { out["policies.allowed_security"] = (modes.joined(separator: ","), false) }
            if let wps = version.policies.wpsOff { out["policies.wps_off"] = (String(wps), false) }
            if let interval = version.policies.informInterval { out["policies.inform_interval"] = (String(interval), false) }
            return out
        }
        let left = flat(a)
        let right = flat(b)
        var changes: [Entry] = []
        for key in Set(left.keys).union(right.keys).sorted() {
            let before = left[key]
            let after = right[key]
            guard before?.0 != after?.0 else { continue }
            let secret = before?.1 == true || after?.1 == true
            func shown(_ value: (String, Bool)?) -> String? {
                guard let value else { return nil }
                return secret && !TemplateVariables.hasVariables(value.0) ? "********" : value.0
            }
            changes.append(Entry(field: key, before: shown(before), after: shown(after) == shown(before) && secret ? "******** (changed)" : shown(after)))
        }
        self.changes = changes
    }
}
