import Foundation

/// Short vendor names from the organisation names registries carry (IANA enterprise numbers, IEEE
/// OUIs): `Fortinet, Inc.` → `Fortinet`, `HUAWEI TECHNOLOGIES CO.,LTD` → `Huawei`,
/// `Arista Networks, Inc.` → `Arista`.
public enum OrganizationName {
    static let legalWords: Set<String> = [
        "inc", "inc.", "ltd", "ltd.", "co", "co.", "corp", "corp.", "corporation", "llc", "gmbh", "ag", "s.a.", "sa",
        "limited", "plc", "networks", "systems", "technologies", "technology", "communications", "co.,ltd", "co.,ltd.",
        "company", "group", "electronics",
    ]

    /// The organisation without parenthesised text, what follows the first comma and trailing legal or
    /// generic words; all-capital words of four letters or more are capitalised. Never empty: a name that
    /// would vanish is returned as given.
    public static func short(_ organization: String) -> String {
        var name = Substring(organization)
        if let parenthesis = name.firstIndex(of: "(") { name = name[..<parenthesis] }
        if let comma = name.firstIndex(of: ",") { name = name[..<comma] }
        var words = name.split(separator: " ").map(String.init)
        while words.count > 1, let last = words.last, legalWords.contains(last.lowercased()) { words.removeLast() }
        words = words.map { word in
            guard word.count >= 4, word.allSatisfy({ $0.isLetter && $0.isUppercase }) else { return word }
            return word.prefix(1) + word.dropFirst().lowercased()
        }
        let short = words.joined(separator: " ").trimmingCharacters(in: .whitespaces.union(.punctuationCharacters))
        return short.isEmpty ? organization : short
    }
}
