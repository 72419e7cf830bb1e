/// A conceptual table: cells grouped by row index and column number.
public struct SNMPTable: Hashable, Sendable {
    /// One row: its index (the OID suffix after the column) and its cells by column number.
    public struct Row: Hashable, Sendable {
        /// The row index, e.g. `[3]` for ifIndex 3 or four arcs for an IP-indexed table.
        public var index: OID
        /// Cells by column number.
        public var cells: [UInt32: SNMPValue]
    }

    /// The entry OID the table was walked from (e.g. `ifXEntry`).
    public var entry: OID
    /// Column numbers seen, ascending.
    public private(set) var columns: [UInt32] = []
    /// Rows in index order.
    public var rows: [Row] {
        rowsByIndex.keys.sorted().map { Row(index: $0, cells: rowsByIndex[$0] ?? [:]) }
    }

    private var rowsByIndex: [OID: [UInt32: SNMPValue]] = [:]

    /// Creates an empty table for `entry`.
    public init(entry: OID) {
        self.entry = entry
    }

    /// Adds a cell; varbinds outside `entry` or without an index are ignored.
    public mutating func insert(_ varBind: VarBind) {
        guard let suffix = varBind.oid.suffix(after: entry), suffix.count >= 2 else { return }
        let column = suffix.arcs[0]
        let index = OID(Array(suffix.arcs.dropFirst()))
        if rowsByIndex[index] == nil { rowsByIndex[index] = [:] }
        rowsByIndex[index]?[column] = varBind.value
        if !columns.contains(column) {
            columns.append(column)
            columns.sort()
        }
    }

    /// The value at a column and row index.
    public subscript(column: UInt32, index: OID) -> SNMPValue? {
        rowsByIndex[index]?[column]
    }
}
