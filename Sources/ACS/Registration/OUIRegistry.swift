import CWMP
import Foundation
import OctoCore

/// The IEEE OUI registry (MA-L assignments): the organisation behind the OUI a CPE sends in its
/// Inform's DeviceId. Read once, on first use, from Debian's `ieee-data` (`/usr/share/ieee-data/oui.csv`).
public struct OUIRegistry: Sendable {
    /// Where Debian's `ieee-data` installs the registry.
    public static let defaultPath = "/usr/share/ieee-data/oui.csv"

    /// Organisation by OUI (six upper-case hexadecimal digits).
    public let organizations: [String: String]

    /// A registry with these entries.
    public init(organizations: [String: String]) {
        self.organizations = organizations
    }

    /// The system's registry, or nil when `ieee-data` is not installed (manufacturers then stay as
    /// the CPEs report them).
    public static let system: OUIRegistry? = try? load()

    /// Reads `oui.csv` (`Registry,Assignment,Organization Name,Organization Address`, RFC 4180 quoting).
    public static func load(path: String = defaultPath) throws -> OUIRegistry {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RegistryMissing(path: path)
        }
        return parse(String(decoding: data, as: UTF8.self))
    }

    /// Parses the CSV text; rows that are not six-digit assignments are skipped.
    public static func parse(_ text: String) -> OUIRegistry {
        var organizations: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let fields = csvFields(line)
            guard fields.count >= 3, fields[1].count == 6, fields[1].allSatisfy(\.isHexDigit) else { continue }
            let name = fields[2].trimmingCharacters(in: .whitespaces)
            if !name.isEmpty { organizations[fields[1].uppercased()] = name }
        }
        return OUIRegistry(organizations: organizations)
    }

    /// The organisation of `oui`, as the registry writes it.
    public func organization(_ oui: String) -> String? {
        organizations[oui.uppercased()]
    }

    /// What CPEs report instead of a manufacturer's name.
    private static let placeholders: Set<String> = ["", "unknown", "manufacturer", "n/a", "na", "none", "vendor"]

    /// Whether `reported` (trimmed) names no manufacturer: empty or a placeholder. Only then is the
    /// registry needed, so it is read on the first such Inform, not on every process's first one.
    public static func isPlaceholder(_ reported: String) -> Bool {
        reported.utf8.count <= 12 && placeholders.contains(reported.lowercased())
    }

    /// The manufacturer to record for a CPE: what it reports, unless that is empty or a placeholder;
    /// then the short name of its OUI's organisation.
    public func manufacturer(oui: String, reported: String) -> String {
        let trimmed = reported.trimmed
        guard Self.isPlaceholder(trimmed), let organization = organization(oui) else { return trimmed }
        return OrganizationName.short(organization)
    }

    /// The registry file is not there.
    public struct RegistryMissing: Error, CustomStringConvertible {
        /// The path that was read.
        public var path: String
        /// What to install.
        public var description: String { "the IEEE OUI registry is missing at \(path) (Debian package ieee-data)" }
    }

    /// The fields of one CSV line (RFC 4180: quoted fields, `""` for a quote inside quotes).
    static func csvFields(_ line: Substring) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        let characters = Array(line)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if quoted {
                if character == "\"" {
                    if index + 1 < characters.count && characters[index + 1] == "\"" {
                        current.append("\"")
                        index += 1
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
            index += 1
        }
        fields.append(current)
        return fields
    }
}
