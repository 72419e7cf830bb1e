import Foundation
import Synchronization

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

    /// Reads the registry file at `path` — once per process and path; later calls share the result.
    /// Throws ``ProfileError`` (`unreadable`) when it is missing or holds no entry.
    public static func load(path: String = defaultPath) throws -> EnterpriseRegistry {
        if let loaded = loaded.withLock({ $0[path] }) { return loaded }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ProfileError(.unreadable, file: path,
                               "the IANA enterprise registry is missing (Debian package libwireshark-data)")
        }
        let registry = parse(String(decoding: data, as: UTF8.self))
        guard !registry.organizations.isEmpty else {
            throw ProfileError(.unreadable, file: path, "no enterprise number in the file")
        }
        loaded.withLock { $0[path] = registry }
        return registry
    }

    private static let loaded = Mutex<[String: EnterpriseRegistry]>([:])

    /// Parses registry text: one `<number><spaces or tabs><name>` per line; other lines are skipped.
    public static func parse(_ text: String) -> EnterpriseRegistry {
        var organizations: [Int: String] = [:]
        for line in text.utf8.split(separator: UInt8(ascii: "\n")) {
            var number = 0
            var index = line.startIndex
            while index < line.endIndex, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(line[index]) {
                number = number &* 10 &+ Int(line[index] - UInt8(ascii: "0"))
                index = line.index(after: index)
            }
            guard index > line.startIndex, index < line.endIndex, line[index] == UInt8(ascii: " ") || line[index] == UInt8(ascii: "\t")
            else { continue }
            var name = String(decoding: line[index...], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            // A trailing comment (`\t# formerly 'Arastra, Inc.'`) is not part of the name.
            if name.contains("#"), let comment = name.range(of: #"\s#"#, options: .regularExpression) {
                name = String(name[..<comment.lowerBound]).trimmingCharacters(in: .whitespaces)
            }
            guard !name.isEmpty, !name.hasPrefix("---") else { continue }
            organizations[number] = name
        }
        return EnterpriseRegistry(organizations: organizations)
    }
}
