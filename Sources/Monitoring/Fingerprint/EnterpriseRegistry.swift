import Foundation

/// The IANA Private Enterprise Numbers registry: enterprise number → organisation, as the registry
/// writes it. Read at start from the copy Debian's `libwireshark-data` ships
/// (`/usr/share/wireshark/enterprises.tsv`, `<number><whitespace><name>` lines, `#` comments).
public struct EnterpriseRegistry: Sendable {
    /// Where Debian's `libwireshark-data` installs the registry.
    public static let defaultPath = "/usr/share/wireshark/enterprises.tsv"

    /// Organisation by enterprise number.
    public let organizations: [Int: String]

    /// A registry with these entries (tests and the empty registry).
    public init(organizations: [Int: String]) {
        self.organizations = organizations
    }

    /// No entries: every device keeps only what the profiles and sysDescr tell.
    public static let empty = EnterpriseRegistry(organizations: [:])

    /// The organisation of `number`, or nil when the registry does not list it.
    public func organization(_ number: Int) -> String? {
        organizations[number]
    }

    /// Reads the registry file at `path`. Throws ``ProfileError`` (`unreadable`) when it is missing or
    /// holds no entry.
    public static func load(path: String = defaultPath) throws -> EnterpriseRegistry {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ProfileError(.unreadable, file: path,
                               "the IANA enterprise registry is missing (Debian package libwireshark-data)")
        }
        let registry = parse(String(decoding: data, as: UTF8.self))
        guard !registry.organizations.isEmpty else {
            throw ProfileError(.unreadable, file: path, "no enterprise number in the file")
        }
        return registry
    }

    /// Parses registry text: one `<number><spaces or tabs><name>` per line; other lines are skipped.
    public static func parse(_ text: String) -> EnterpriseRegistry {
        var organizations: [Int: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            guard let first = line.first, first.isNumber else { continue }
            let digits = line.prefix { $0.isNumber }
            var name = line.dropFirst(digits.count).trimmingCharacters(in: .whitespaces)
            // A trailing comment (`\t# formerly 'Arastra, Inc.'`) is not part of the name.
            if let comment = name.range(of: #"\s#"#, options: .regularExpression) {
                name = String(name[..<comment.lowerBound]).trimmingCharacters(in: .whitespaces)
            }
            guard let number = Int(digits), !name.isEmpty, !name.hasPrefix("---") else { continue }
            organizations[number] = name
        }
        return EnterpriseRegistry(organizations: organizations)
    }
}
