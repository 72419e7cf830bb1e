/// Case-insensitive glob matching with `*` only.
public enum Glob {
    /// Whether `value` matches `pattern`.
    public static func matches(_ pattern: String, _ value: String) -> Bool {
        let pattern = Array(pattern.lowercased())
        let value = Array(value.lowercased())
        var p = 0, v = 0, star = -1, mark = 0
        while v < value.count {
            if p < pattern.count, pattern[p] != "*", pattern[p] == value[v] {
                p += 1; v += 1
            } else if p < pattern.count, pattern[p] == "*" {
                star = p; mark = v; p += 1
            } else if star >= 0 {
                p = star + 1; mark += 1; v = mark
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}
