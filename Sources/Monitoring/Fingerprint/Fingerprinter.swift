import Foundation
import SNMP

/// Chooses the vendor profile of a device from what it says about itself. Pure: the SNMP reads happen
/// in ``SNMPDevicePoller``, which asks this type what to read.
///
/// A profile matches when one of its rules holds: sysObjectID under one of the rule's prefixes (when
/// given), sysDescr matching one of its patterns (when given), and every probe subtree present. The
/// most specific match wins: score = 100 × arcs of the longest matching prefix + 50 for a sysDescr
/// pattern + 20 per probe + `priority`. Nothing matching gives `generic`, whose vendor then comes from
/// the facts (``VendorRegistry``: the IANA enterprise number, else sysDescr). Every decision carries its
/// reason, so an operator can see which rule matched or why none did.
public struct Fingerprinter: Sendable {
    /// The profiles to choose from.
    public let catalog: ProfileCatalog

    /// Creates a fingerprinter over `catalog`.
    public init(catalog: ProfileCatalog) {
        self.catalog = catalog
    }

    /// The winning profile and its score.
    public struct Match: Hashable, Sendable {
        /// The profile.
        public var profile: VendorProfile
        /// How specific the match was (0 for `generic`).
        public var score: Int
        /// The index of the profile's rule that matched best (nil for `generic`).
        public var rule: Int? = nil
        /// What held: `match[1]: sysObjectID under 1.3.6.1.4.1.2011, sysDescr ~ "\bVRP\b"`.
        public var detail: String = ""
    }

    /// The probe subtrees worth checking for this sysObjectID and sysDescr: those of the rules whose
    /// other parts already hold.
    public func probes(sysObjectID: OID?, sysDescr: String) -> [OID] {
        var seen: Set<OID> = []
        var result: [OID] = []
        for profile in catalog.compiled {
            for rule in profile.rules where Self.score(rule, sysObjectID: sysObjectID, sysDescr: sysDescr, present: nil) != nil {
                for probe in rule.probes where seen.insert(probe).inserted { result.append(probe) }
            }
        }
        return result
    }

    /// The best profile for these facts. `present` holds the probe subtrees found on the device.
    public func match(sysObjectID: OID?, sysDescr: String, present: Set<OID> = []) -> Match {
        candidates(sysObjectID: sysObjectID, sysDescr: sysDescr, present: present).first
            ?? Match(profile: catalog.profile(VendorProfile.genericID)!, score: 0)
    }

    /// Every profile with a rule that holds, best first (ties: profile id), each with its best rule.
    public func candidates(sysObjectID: OID?, sysDescr: String, present: Set<OID> = []) -> [Match] {
        var matches: [Match] = []
        for profile in catalog.compiled {
            var top: (score: Int, index: Int)?
            for (index, rule) in profile.rules.enumerated() {
                guard let score = Self.score(rule, sysObjectID: sysObjectID, sysDescr: sysDescr, present: present) else { continue }
                if top.map({ score > $0.score }) ?? true { top = (score, index) }
            }
            guard let top else { continue }
            matches.append(Match(profile: profile.profile, score: top.score + (profile.profile.priority ?? 0), rule: top.index,
                                 detail: Self.describe(profile.rules[top.index], index: top.index, sysObjectID: sysObjectID,
                                                       sysDescr: sysDescr)))
        }
        return matches.sorted { $0.score != $1.score ? $0.score > $1.score : $0.profile.id < $1.profile.id }
    }

    /// The vendor these facts name when no profile does (IANA enterprise number, then sysDescr).
    public func attribute(sysObjectID: OID?, sysDescr: String, implemented: [Int] = []) -> VendorRegistry.Attribution? {
        catalog.vendors.attribute(sysObjectID: sysObjectID, sysDescr: sysDescr, implemented: implemented)
    }

    /// Whether `match` leaves the vendor to the facts and the facts need the enterprise subtrees the
    /// agent implements (the sysObjectID is missing or a generic agent's).
    public func needsImplementedEnterprises(_ match: Match, sysObjectID: OID?) -> Bool {
        (match.profile.id == VendorProfile.genericID || match.profile.vendorFromFacts == true)
            && catalog.vendors.needsImplementedEnterprises(sysObjectID: sysObjectID)
    }

    /// The scalar OIDs whose values the profile's model, version and serial extractions read.
    public func extractionOIDs(profile id: String) -> [OID] {
        guard let profile = catalog.compiled.first(where: { $0.profile.id == id }) else { return [] }
        return [profile.model, profile.version, profile.serial].compactMap { $0?.oid }
    }

    /// The device's identity under `match`'s profile: model, version and serial from sysDescr and
    /// `values` (the text of the extraction OIDs that answered), the vendor from the facts when the
    /// profile is `generic`, and the reason.
    public func identity(_ match: Match, sysObjectID: OID?, sysDescr: String, values: [OID: String] = [:],
                         implemented: [Int] = []) -> DeviceIdentity {
        let compiled = catalog.compiled.first { $0.profile.id == match.profile.id }
            ?? catalog.compiled.first { $0.profile.id == VendorProfile.genericID }!
        let profile = compiled.profile
        let enterprise = VendorRegistry.enterprise(of: sysObjectID)
        var vendor = profile.vendor
        var reasons: [String] = []
        if profile.id == VendorProfile.genericID {
            let facts = sysObjectID.map { "sysObjectID \($0)" } ?? "no sysObjectID"
            reasons.append("no profile rule matched (\(facts), sysDescr \"\(String(sysDescr.prefix(60)))\")")
            if let attribution = attribute(sysObjectID: sysObjectID, sysDescr: sysDescr, implemented: implemented) {
                vendor = attribution.vendor
                reasons.append(attribution.reason)
            } else {
                reasons.append("no vendor: enterprise number unknown to the registry and no vendor name in sysDescr")
            }
        } else {
            reasons.append("profile \(profile.id) \(match.detail), score \(match.score)")
            if profile.vendorFromFacts == true,
               let attribution = attribute(sysObjectID: sysObjectID, sysDescr: sysDescr, implemented: implemented),
               attribution.vendor != profile.vendor {
                vendor = attribution.vendor
                reasons.append(attribution.reason)
            } else if let enterprise {
                let organization = catalog.vendors.enterprises.organization(enterprise)
                reasons.append("IANA enterprise \(enterprise)" + (organization.map { " (\($0))" } ?? ""))
            }
        }
        return DeviceIdentity(profile: profile.id, vendor: vendor, os: profile.os, kind: profile.kind,
                              model: Self.extract(compiled.model, sysDescr: sysDescr, values: values),
                              version: Self.extract(compiled.version, sysDescr: sysDescr, values: values),
                              serial: Self.extract(compiled.serial, sysDescr: sysDescr, values: values),
                              sysObjectID: sysObjectID?.description ?? "", sysDescr: sysDescr,
                              enterprise: enterprise, reason: reasons.joined(separator: "; "))
    }

    /// ``identity(_:sysObjectID:sysDescr:values:)`` for a profile id, re-deriving the rule that matched.
    public func identity(profile id: String, sysObjectID: OID?, sysDescr: String, present: Set<OID> = [],
                         values: [OID: String] = [:]) -> DeviceIdentity {
        let match = candidates(sysObjectID: sysObjectID, sysDescr: sysDescr, present: present).first { $0.profile.id == id }
            ?? Match(profile: catalog.profile(id) ?? catalog.profile(VendorProfile.genericID)!, score: 0)
        return identity(match, sysObjectID: sysObjectID, sysDescr: sysDescr, values: values)
    }

    /// Matches and extracts in one step (for callers that already read every OID).
    public func identify(sysObjectID: OID?, sysDescr: String, present: Set<OID> = [], values: [OID: String] = [:],
                         implemented: [Int] = []) -> DeviceIdentity {
        let match = match(sysObjectID: sysObjectID, sysDescr: sysDescr, present: present)
        return identity(match, sysObjectID: sysObjectID, sysDescr: sysDescr, values: values, implemented: implemented)
    }

    /// `match[1]: sysObjectID under 1.3.6.1.4.1.2011, sysDescr ~ "\bVRP\b", probe 1.3.6.1.4.1.41112.1.4`.
    static func describe(_ rule: CompiledProfile.Rule, index: Int, sysObjectID: OID?, sysDescr: String) -> String {
        var parts: [String] = []
        if let sysObjectID, let prefix = rule.prefixes.filter({ sysObjectID.hasPrefix($0) }).max(by: { $0.count < $1.count }) {
            parts.append("sysObjectID under \(prefix)")
        }
        let range = NSRange(sysDescr.startIndex..., in: sysDescr)
        if let regex = rule.descr.first(where: { $0.firstMatch(in: sysDescr, range: range) != nil }) {
            parts.append("sysDescr ~ \"\(regex.pattern)\"")
        }
        for probe in rule.probes { parts.append("probe \(probe) present") }
        return "match[\(index)]: " + parts.joined(separator: ", ")
    }

    /// The rule's score, or nil when it does not hold. `present == nil` skips the probe check.
    static func score(_ rule: CompiledProfile.Rule, sysObjectID: OID?, sysDescr: String, present: Set<OID>?) -> Int? {
        var score = 0
        if !rule.prefixes.isEmpty {
            guard let sysObjectID,
                  let longest = rule.prefixes.filter({ sysObjectID.hasPrefix($0) }).map(\.count).max() else { return nil }
            score += 100 * longest
        }
        if !rule.descr.isEmpty {
            let range = NSRange(sysDescr.startIndex..., in: sysDescr)
            guard rule.descr.contains(where: { $0.firstMatch(in: sysDescr, range: range) != nil }) else { return nil }
            score += 50
        }
        if let present {
            guard rule.probes.allSatisfy({ present.contains($0) }) else { return nil }
            score += 20 * rule.probes.count
        }
        return score
    }

    static func extract(_ extraction: CompiledProfile.Extraction?, sysDescr: String, values: [OID: String]) -> String? {
        guard let extraction else { return nil }
        if let oid = extraction.oid, let value = values[oid] {
            let text = extraction.pattern.map { firstCapture($0, in: value) } ?? clean(value)
            if let text, !text.isEmpty { return text }
        }
        if let pattern = extraction.descr, let text = firstCapture(pattern, in: sysDescr), !text.isEmpty {
            return text
        }
        return nil
    }

    static func firstCapture(_ regex: NSRegularExpression, in text: String) -> String? {
        guard let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) else { return nil }
        let range = match.numberOfRanges > 1 ? match.range(at: 1) : match.range
        guard range.location != NSNotFound, let swiftRange = Range(range, in: text) else { return nil }
        return clean(String(text[swiftRange]))
    }

    static func clean(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }
}
