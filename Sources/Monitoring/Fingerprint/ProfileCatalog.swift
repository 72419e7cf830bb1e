import Foundation
import SNMP
import Synchronization

/// The validated set of vendor profiles, with their OIDs parsed and regular expressions compiled.
/// Load it once (``bundled()``) and share it: it is immutable.
public struct ProfileCatalog: Sendable {
    /// The profiles, sorted by id; `generic` is among them.
    public let profiles: [VendorProfile]
    /// Vendor names from the IANA enterprise registry and sysDescr, for devices no profile names.
    public let vendors: VendorRegistry
    let compiled: [CompiledProfile]

    /// The profile with this id.
    public func profile(_ id: String) -> VendorProfile? {
        profiles.first { $0.id == id }
    }

    /// The profiles shipped in `Sources/Monitoring/Profiles`, with the vendor names of
    /// `Sources/Monitoring/Vendors` over the IANA enterprise registry at `enterprises` (read once here).
    /// Throws ``ProfileError``, also when the registry file is missing.
    /// The catalog is immutable: it is built once per process and registry path, later calls share it.
    public static func bundled(enterprises: String = EnterpriseRegistry.defaultPath) throws -> ProfileCatalog {
        if let built = builtCatalogs.withLock({ $0[enterprises] }) { return built }
        let catalog = try buildBundled(enterprises: enterprises)
        builtCatalogs.withLock { $0[enterprises] = catalog }
        return catalog
    }

    private static let builtCatalogs = Mutex<[String: ProfileCatalog]>([:])

    private static func buildBundled(enterprises: String) throws -> ProfileCatalog {
        guard let directory = Bundle.module.url(forResource: "Profiles", withExtension: nil) else {
            throw ProfileError(.unreadable, file: "", "the Profiles resource directory is missing from the bundle")
        }
        let vendors = try VendorRegistry.bundled(enterprises: try EnterpriseRegistry.load(path: enterprises))
        return try load(directory: directory, vendors: vendors)
    }

    /// Loads every `*.json` file of `directory`. Throws ``ProfileError`` naming the first bad file.
    public static func load(directory: URL, vendors: VendorRegistry = .empty) throws -> ProfileCatalog {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
                .filter { $0.hasSuffix(".json") }.sorted()
        } catch {
            throw ProfileError(.unreadable, file: "", "\(directory.path): \(error)")
        }
        var profiles: [VendorProfile] = []
        for name in names {
            let data: Data
            do {
                data = try Data(contentsOf: directory.appendingPathComponent(name))
            } catch {
                throw ProfileError(.unreadable, file: name, "\(error)")
            }
            let profile = try decode(data, file: name)
            let stem = String(name.dropLast(".json".count))
            guard profile.id == stem else {
                throw ProfileError(.invalidValue, file: name, "id \"\(profile.id)\" differs from the file name")
            }
            profiles.append(profile)
        }
        return try ProfileCatalog(profiles: profiles, vendors: vendors)
    }

    /// Decodes one profile file, refusing fields the schema does not know. Throws ``ProfileError``.
    public static func decode(_ data: Data, file: String) throws -> VendorProfile {
        let profile: VendorProfile
        do {
            profile = try JSONDecoder().decode(VendorProfile.self, from: data)
        } catch let error as DecodingError {
            throw ProfileError(.invalidJSON, file: file, describe(error))
        } catch {
            throw ProfileError(.invalidJSON, file: file, "\(error)")
        }
        // Codable ignores unknown keys: compare the file's keys with those the decoded value writes back.
        let original = try? JSONSerialization.jsonObject(with: data)
        let reencoded = (try? JSONEncoder().encode(profile)).flatMap { try? JSONSerialization.jsonObject(with: $0) }
        if let original, let reencoded, let path = firstUnknownKey(original, known: reencoded, path: "") {
            throw ProfileError(.unknownField, file: file, "unknown field \"\(path)\"")
        }
        _ = try CompiledProfile(profile, file: file)
        return profile
    }

    /// Validates and compiles `profiles`. Throws ``ProfileError``.
    public init(profiles: [VendorProfile], vendors: VendorRegistry = .empty) throws {
        var seen: Set<String> = []
        for profile in profiles where !seen.insert(profile.id).inserted {
            throw ProfileError(.catalog, file: "\(profile.id).json", "duplicate profile id \"\(profile.id)\"")
        }
        guard seen.contains(VendorProfile.genericID) else {
            throw ProfileError(.catalog, file: "", "the \"generic\" fallback profile is missing")
        }
        let sorted = profiles.sorted { $0.id < $1.id }
        self.profiles = sorted
        self.vendors = vendors
        self.compiled = try sorted.map { try CompiledProfile($0, file: "\($0.id).json") }
    }

    private static func firstUnknownKey(_ value: Any, known: Any, path: String) -> String? {
        if let object = value as? [String: Any] {
            let knownObject = known as? [String: Any] ?? [:]
            for key in object.keys.sorted() {
                let child = object[key]!
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                if child is NSNull { continue }
                guard let knownChild = knownObject[key] else { return childPath }
                if let found = firstUnknownKey(child, known: knownChild, path: childPath) { return found }
            }
        } else if let array = value as? [Any], let knownArray = known as? [Any] {
            for (index, element) in array.enumerated() where index < knownArray.count {
                if let found = firstUnknownKey(element, known: knownArray[index], path: "\(path)[\(index)]") {
                    return found
                }
            }
        }
        return nil
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
                .trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        switch error {
        case .keyNotFound(let key, let context):
            let at = path(context)
            return "missing field \"\(at.isEmpty ? key.stringValue : at + "." + key.stringValue)\""
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(path(context)): \(context.debugDescription)"
        case .dataCorrupted(let context):
            let at = path(context)
            return at.isEmpty ? context.debugDescription : "\(at): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}

extension VendorProfile {
    /// The id of the fallback profile that matches every device.
    public static let genericID = "generic"
}

/// A profile with its OIDs parsed and patterns compiled. `NSRegularExpression` is immutable and safe to
/// share between threads.
struct CompiledProfile: @unchecked Sendable {
    struct Rule {
        var prefixes: [OID]
        var descr: [NSRegularExpression]
        var probes: [OID]
    }

    struct Extraction {
        var descr: NSRegularExpression?
        var oid: OID?
        var pattern: NSRegularExpression?
    }

    let profile: VendorProfile
    let rules: [Rule]
    let model: Extraction?
    let version: Extraction?
    let serial: Extraction?

    init(_ profile: VendorProfile, file: String) throws {
        func oid(_ text: String, _ field: String) throws -> OID {
            guard !text.hasPrefix("."), let parsed = OID(text), parsed.count >= 2 else {
                throw ProfileError(.badOID, file: file, "\(field): \"\(text)\" is not a dotted numeric OID")
            }
            return parsed
        }
        func regex(_ text: String, _ field: String) throws -> NSRegularExpression {
            do {
                return try NSRegularExpression(pattern: text, options: [])
            } catch {
                throw ProfileError(.badRegex, file: file, "\(field): \"\(text)\" does not compile")
            }
        }
        func extraction(_ value: VendorProfile.Extraction?, _ field: String) throws -> Extraction? {
            guard let value else { return nil }
            guard value.sysDescr != nil || value.oid != nil else {
                throw ProfileError(.invalidValue, file: file, "\(field): give sysDescr or oid")
            }
            return Extraction(descr: try value.sysDescr.map { try regex($0, "\(field).sysDescr") },
                              oid: try value.oid.map { try oid($0, "\(field).oid") },
                              pattern: try value.pattern.map { try regex($0, "\(field).pattern") })
        }

        for (field, text) in [("id", profile.id), ("vendor", profile.vendor), ("os", profile.os), ("kind", profile.kind)]
            where text.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ProfileError(.invalidValue, file: file, "\(field) is empty")
        }
        let kinds: Set<String> = ["router", "switch", "olt", "access_point", "server", "cpe", "other"]
        guard kinds.contains(profile.kind) else {
            throw ProfileError(.invalidValue, file: file, "kind \"\(profile.kind)\" is not one of \(kinds.sorted())")
        }
        var rules: [Rule] = []
        for (index, rule) in profile.match.enumerated() {
            let field = "match[\(index)]"
            let compiled = Rule(
                prefixes: try (rule.sysObjectID ?? []).map { try oid($0, "\(field).sysObjectID") },
                descr: try (rule.sysDescr ?? []).map { try regex($0, "\(field).sysDescr") },
                probes: try (rule.probes ?? []).map { try oid($0, "\(field).probes") })
            guard !compiled.prefixes.isEmpty || !compiled.descr.isEmpty else {
                throw ProfileError(.invalidValue, file: file, "\(field) needs sysObjectID or sysDescr")
            }
            rules.append(compiled)
        }
        if profile.id != VendorProfile.genericID && rules.isEmpty {
            throw ProfileError(.invalidValue, file: file, "match is empty: only generic matches every device")
        }
        if profile.id == VendorProfile.genericID && !rules.isEmpty {
            throw ProfileError(.invalidValue, file: file, "generic must have no match rules")
        }
        for (index, source) in (profile.health ?? []).enumerated() {
            let field = "health[\(index)]"
            for (name, text) in [("value", source.value), ("used", source.used), ("free", source.free),
                                 ("total", source.total), ("label", source.label)] {
                if let text { _ = try oid(text, "\(field).\(name)") }
            }
            let ratio = source.used != nil && (source.free != nil || source.total != nil)
            guard (source.value != nil) != ratio else {
                throw ProfileError(.invalidValue, file: file, "\(field): give value, or used with free or total")
            }
        }
        for (index, source) in (profile.optics ?? []).enumerated() {
            let field = "optics[\(index)]"
            for (name, text) in [("rx", source.rx), ("tx", source.tx), ("label", source.label)] {
                if let text { _ = try oid(text, "\(field).\(name)") }
            }
            guard source.rx != nil || source.tx != nil else {
                throw ProfileError(.invalidValue, file: file, "\(field): give rx or tx")
            }
            if let pattern = source.pattern { _ = try regex(pattern, "\(field).pattern") }
            if let arcs = source.labelIndexArcs, arcs < 1 {
                throw ProfileError(.invalidValue, file: file, "\(field).labelIndexArcs must be at least 1")
            }
        }
        for (index, source) in (profile.sessions ?? []).enumerated() {
            let field = "sessions[\(index)]"
            guard !source.name.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ProfileError(.invalidValue, file: file, "\(field).name is empty")
            }
            guard (source.oid != nil) != (source.count != nil) else {
                throw ProfileError(.invalidValue, file: file, "\(field): give oid or count")
            }
            for (name, text) in [("oid", source.oid), ("count", source.count)] {
                if let text { _ = try oid(text, "\(field).\(name)") }
            }
        }
        self.profile = profile
        self.rules = rules
        self.model = try extraction(profile.model, "model")
        self.version = try extraction(profile.version, "version")
        self.serial = try extraction(profile.serial, "serial")
    }
}
