import Foundation
import OctoCore
import SNMP

/// Names a device's vendor from facts, before and beside the profiles: the IANA enterprise number in
/// `sysObjectID` (through ``EnterpriseRegistry``), and for agents that answer with a generic number
/// (net-snmp's 8072, Broadcom FASTPATH's 4413, none at all) the vendor names in `sysDescr`.
///
/// `Sources/Monitoring/Vendors/vendors.json` holds what the registry cannot: the short names NOC
/// engineers use for the registry's organisations (`ciscoSystems` → `Cisco`, `Wuhan Research Institute
/// of Posts and Telecommunications` → `FiberHome`), the generic agent numbers, and the sysDescr patterns.
public struct VendorRegistry: @unchecked Sendable {
    /// Where a vendor name came from.
    public enum Source: Hashable, Sendable {
        /// The enterprise number of sysObjectID, with the registry's organisation.
        case enterprise(Int, organization: String?)
        /// A vendor pattern over sysDescr.
        case sysDescr(pattern: String)
        /// A vendor's enterprise subtree the agent implements (found by GETNEXT), with the registry's
        /// organisation.
        case implemented(Int, organization: String?)
    }

    /// A vendor attributed to a device, with why.
    public struct Attribution: Hashable, Sendable {
        /// The vendor's short name.
        public var vendor: String
        /// Where it came from.
        public var source: Source

        /// One line an operator reads: which fact named the vendor.
        public var reason: String {
            switch source {
            case .enterprise(let number, let organization):
                return "vendor from IANA enterprise \(number)" + (organization.map { " (\($0))" } ?? "")
            case .sysDescr(let pattern):
                return "vendor from sysDescr pattern \"\(pattern)\""
            case .implemented(let number, let organization):
                return "vendor from the enterprise subtree the agent implements, \(number)" + (organization.map { " (\($0))" } ?? "")
            }
        }
    }

    /// The IANA registry.
    public let enterprises: EnterpriseRegistry
    let aliases: [Int: String]
    let genericAgents: Set<Int>
    let descrPatterns: [(regex: NSRegularExpression, pattern: String, vendor: String)]

    /// The file `vendors.json` decodes from.
    struct File: Decodable {
        struct Name: Decodable {
            var enterprises: [Int]
            var vendor: String
            var note: String?
        }
        struct Agent: Decodable {
            var enterprise: Int
            var note: String?
        }
        struct Pattern: Decodable {
            var pattern: String
            var vendor: String
        }
        var names: [Name]
        var genericAgents: [Agent]
        var sysDescr: [Pattern]
    }

    /// No registry and no names: the profiles alone decide.
    public static let empty = VendorRegistry(enterprises: .empty, aliases: [:], genericAgents: [], descrPatterns: [])

    init(enterprises: EnterpriseRegistry, aliases: [Int: String], genericAgents: Set<Int>,
         descrPatterns: [(regex: NSRegularExpression, pattern: String, vendor: String)]) {
        self.enterprises = enterprises
        self.aliases = aliases
        self.genericAgents = genericAgents
        self.descrPatterns = descrPatterns
    }

    /// The bundled `vendors.json` over `enterprises`. Throws ``ProfileError``.
    public static func bundled(enterprises: EnterpriseRegistry) throws -> VendorRegistry {
        guard let url = Bundle.module.url(forResource: "Vendors/vendors", withExtension: "json")
            ?? Bundle.module.url(forResource: "vendors", withExtension: "json", subdirectory: "Vendors"),
            let data = try? Data(contentsOf: url) else {
            throw ProfileError(.unreadable, file: "vendors.json", "the Vendors resource is missing from the bundle")
        }
        return try decode(data, enterprises: enterprises)
    }

    /// Decodes a vendors file. Throws ``ProfileError`` naming a pattern that does not compile.
    public static func decode(_ data: Data, enterprises: EnterpriseRegistry) throws -> VendorRegistry {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw ProfileError(.invalidJSON, file: "vendors.json", "\(error)")
        }
        var aliases: [Int: String] = [:]
        for name in file.names {
            for number in name.enterprises {
                guard aliases.updateValue(name.vendor, forKey: number) == nil else {
                    throw ProfileError(.invalidValue, file: "vendors.json", "enterprise \(number) is named twice")
                }
            }
        }
        var patterns: [(regex: NSRegularExpression, pattern: String, vendor: String)] = []
        for (index, entry) in file.sysDescr.enumerated() {
            do {
                patterns.append((try NSRegularExpression(pattern: entry.pattern), entry.pattern, entry.vendor))
            } catch {
                throw ProfileError(.badRegex, file: "vendors.json", "sysDescr[\(index)]: \"\(entry.pattern)\" does not compile")
            }
        }
        return VendorRegistry(enterprises: enterprises, aliases: aliases,
                              genericAgents: Set(file.genericAgents.map(\.enterprise)), descrPatterns: patterns)
    }

    /// The enterprise number of a sysObjectID under `1.3.6.1.4.1`, or nil.
    public static func enterprise(of sysObjectID: OID?) -> Int? {
        guard let arcs = sysObjectID?.arcs, arcs.count >= 7, Array(arcs.prefix(6)) == [1, 3, 6, 1, 4, 1] else { return nil }
        return Int(arcs[6])
    }

    /// Whether `number` belongs to an agent many vendors ship (its number says nothing of the vendor).
    public func isGenericAgent(_ number: Int) -> Bool {
        genericAgents.contains(number)
    }

    /// The short vendor name of an enterprise number: the curated name, else the registry's
    /// organisation without legal suffixes; nil when the registry does not know the number.
    public func vendorName(enterprise number: Int) -> String? {
        if let alias = aliases[number] { return alias }
        return enterprises.organization(number).map(Self.shortName)
    }

    /// The vendor named by sysDescr, with the pattern that matched.
    public func vendor(sysDescr: String) -> Attribution? {
        let range = NSRange(sysDescr.startIndex..., in: sysDescr)
        for entry in descrPatterns where entry.regex.firstMatch(in: sysDescr, range: range) != nil {
            return Attribution(vendor: entry.vendor, source: .sysDescr(pattern: entry.pattern))
        }
        return nil
    }

    /// The vendor these facts name: the enterprise number unless it is a generic agent's, then the
    /// sysDescr patterns, then the first vendor enterprise subtree the agent implements (`implemented`,
    /// in the order found), then (for a generic agent) its own name. Nil when nothing names a vendor.
    public func attribute(sysObjectID: OID?, sysDescr: String, implemented: [Int] = []) -> Attribution? {
        let number = Self.enterprise(of: sysObjectID)
        if let number, !isGenericAgent(number), let name = vendorName(enterprise: number) {
            return Attribution(vendor: name, source: .enterprise(number, organization: enterprises.organization(number)))
        }
        if let found = vendor(sysDescr: sysDescr) { return found }
        for subtree in implemented where !isGenericAgent(subtree) {
            if let name = vendorName(enterprise: subtree) {
                return Attribution(vendor: name, source: .implemented(subtree, organization: enterprises.organization(subtree)))
            }
        }
        if let number, let name = vendorName(enterprise: number) {
            return Attribution(vendor: name, source: .enterprise(number, organization: enterprises.organization(number)))
        }
        return nil
    }

    /// Whether the facts leave the vendor open: no sysObjectID, or a generic agent's.
    public func needsImplementedEnterprises(sysObjectID: OID?) -> Bool {
        guard let number = Self.enterprise(of: sysObjectID) else { return true }
        return isGenericAgent(number)
    }

    /// `Fortinet, Inc.` → `Fortinet`; `Arista Networks, Inc.` → `Arista`; `Nokia` stays.
    static func shortName(_ organization: String) -> String {
        OrganizationName.short(organization)
    }
}
