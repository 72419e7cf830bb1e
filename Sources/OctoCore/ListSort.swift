/// The order of a long list, from `sort=name` (ascending) or `sort=-created_at` (descending).
///
/// Only the keys a list declares are accepted, and each maps to a fixed SQL column, so client text never
/// reaches the SQL. The id always breaks ties, so pages are stable.
public struct ListSort: Sendable, Hashable {
    /// The key as the client wrote it (without `-`).
    public var key: String
    /// `-key`.
    public var descending: Bool

    /// Creates an order.
    public init(key: String, descending: Bool = false) {
        self.key = key
        self.descending = descending
    }

    /// Parses `text`; 400 naming `sort` when the key is not in `allowed`. `nil` when absent.
    public static func parse(_ text: String?, allowed: [String]) throws(OctoError) -> ListSort? {
        guard let text, !text.isEmpty else { return nil }
        let descending = text.hasPrefix("-")
        let key = descending ? String(text.dropFirst()) : text
        guard allowed.contains(key) else {
            throw .invalid("sort", "sort must be one of: \(allowed.joined(separator: ", ")) (prefix - for descending)")
        }
        return ListSort(key: key, descending: descending)
    }

    /// `ORDER BY` text from `columns` (key → SQL column, all fixed by the caller), ending with `tieBreak`
    /// in the same direction.
    ///
    /// Nulls come first ascending and last descending. Keys in `notNull` name columns that cannot hold
    /// a null: they get no `NULLS` clause, so a plain b-tree index on the column (whose nulls sort the
    /// other way) still gives the order and a page stops after its rows instead of sorting every match.
    public func sql(columns: [String: String], tieBreak: String = "id", notNull: Set<String> = []) -> String {
        let direction = descending ? "DESC" : "ASC"
        let column = columns[key] ?? tieBreak
        if notNull.contains(key) {
            return "\(column) \(direction), \(tieBreak) \(direction)"
        }
        let nulls = descending ? "NULLS LAST" : "NULLS FIRST"
        return "\(column) \(direction) \(nulls), \(tieBreak) \(direction)"
    }
}
