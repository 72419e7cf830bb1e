import Foundation

/// Splits a SQL script into statements at top-level semicolons, respecting quotes, dollar quoting and
/// comments, because the extended protocol runs one statement at a time.
enum SQLScript {
    static func statements(_ script: String) -> [String] {
        let text = Array(script.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var index = 0

        func flush() {
            let statement = String(current).trimmingCharacters(in: .whitespacesAndNewlines)
            if !statement.isEmpty && !isOnlyComments(statement) { statements.append(statement) }
            current = String.UnicodeScalarView()
        }

        while index < text.count {
            let scalar = text[index]
            let next: Unicode.Scalar? = index + 1 < text.count ? text[index + 1] : nil
            switch scalar {
            case "-" where next == "-":
                while index < text.count && text[index] != "\n" { current.append(text[index]); index += 1 }
                continue
            case "/" where next == "*":
                while index < text.count && !(text[index] == "*" && index + 1 < text.count && text[index + 1] == "/") {
                    current.append(text[index]); index += 1
                }
                if index < text.count { current.append("*"); current.append("/"); index += 2 }
                continue
            case "'", "\"":
                current.append(scalar); index += 1
                while index < text.count {
                    current.append(text[index])
                    if text[index] == scalar {
                        if index + 1 < text.count && text[index + 1] == scalar { current.append(scalar); index += 2; continue }
                        index += 1
                        break
                    }
                    index += 1
                }
                continue
            case "$":
                // A dollar-quote tag: $$ or $name$.
                var end = index + 1
                while end < text.count && (text[end].properties.isAlphabetic || text[end] == "_" || ("0"..."9").contains(text[end])) { end += 1 }
                if end < text.count && text[end] == "$" {
                    let tag = Array(text[index...end])
                    for s in tag { current.append(s) }
                    index = end + 1
                    while index < text.count {
                        if text[index] == "$" && index + tag.count <= text.count && Array(text[index..<index + tag.count]) == tag {
                            for s in tag { current.append(s) }
                            index += tag.count
                            break
                        }
                        current.append(text[index]); index += 1
                    }
                    continue
                }
            case ";":
                flush(); index += 1
                continue
            default:
                break
            }
            current.append(scalar)
            index += 1
        }
        flush()
        return statements
    }

    private static func isOnlyComments(_ statement: String) -> Bool {
        statement.split(separator: "\n").allSatisfy { $0.trimmingCharacters(in: .whitespaces).hasPrefix("--") || $0.trimmingCharacters(in: .whitespaces).isEmpty }
    }
}
