import OctoCore
import Testing

/// `ORDER BY` text of a list's `sort=`.
@Suite struct ListSortTests {
    static let columns = ["name": "name", "seen": "last_seen_at"]

    @Test func nullableColumnsPlaceNullsAndNotNullColumnsFollowTheirIndex() throws {
        // Nullable: nulls first ascending, last descending; the id breaks ties the same way.
        #expect(ListSort(key: "seen").sql(columns: Self.columns) == "last_seen_at ASC NULLS FIRST, id ASC")
        #expect(ListSort(key: "seen", descending: true).sql(columns: Self.columns, notNull: ["name"]) == "last_seen_at DESC NULLS LAST, id DESC")
        // A column that cannot be null is ordered as a plain b-tree index is, either way.
        #expect(ListSort(key: "name").sql(columns: Self.columns, notNull: ["name"]) == "name ASC, id ASC")
        #expect(try ListSort.parse("-name", allowed: ["name"])?.sql(columns: Self.columns, notNull: ["name"]) == "name DESC, id DESC")
    }
}
