import Foundation

/// Escapes `%`, `_` and `\` for a LIKE pattern.
enum LikePattern {
    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            if character == "%" || character == "_" || character == "\\" { out.append("\\") }
            out.append(character)
        }
        return out
    }
}

extension String {
    /// Without surrounding whitespace.
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
