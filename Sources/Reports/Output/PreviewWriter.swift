import Foundation

/// Collects a report as JSON for the dashboard's preview: sections' figures and the first rows of each
/// table, formatted for people.
public final class PreviewWriter: ReportWriter {
    /// One table of the preview.
    public struct Table: Sendable, Encodable {
        /// Title.
        public var title: String
        /// Column titles.
        public var columns: [String]
        /// The first rows, as text.
        public var rows: [[String]]
        /// Which of `rows` are highlighted (breaches).
        public var highlighted: [Int]
        /// Rows in all.
        public var total: Int
    }

    /// The preview.
    public struct Preview: Sendable, Encodable {
        /// Report title.
        public var title: String
        /// Scope in words.
        public var scope: String
        /// Period in local dates.
        public var period: String
        /// Key figures.
        public var figures: [[String]]
        /// Tables.
        public var tables: [Table]
    }

    let rowLimit: Int
    var formatter = ReportFormatter(language: .ptBR, timeZone: "UTC")
    var preview = Preview(title: "", scope: "", period: "", figures: [], tables: [])
    var current: (table: ReportTable, visible: [Int])?

    /// Creates a writer keeping `rowLimit` rows per table.
    public init(rowLimit: Int = 50) { self.rowLimit = rowLimit }

    /// The collected preview.
    public var result: Preview { preview }

    public func begin(_ meta: ReportMeta) throws {
        formatter = ReportFormatter(language: meta.language, timeZone: meta.period.timeZone)
        preview = Preview(title: meta.title, scope: meta.scope, period: formatter.period(meta.period), figures: [], tables: [])
    }
    public func section(_ title: String) throws {}
    public func figures(_ items: [(label: String, value: String)]) throws { preview.figures += items.map { [$0.label, $0.value] } }
    public func paragraph(_ text: String) throws {}
    public func chart(_ chart: ReportChart) throws {}
    public func beginTable(_ table: ReportTable) throws {
        let visible = table.columns.indices.filter { table.columns[$0].inPDF }
        current = (table, visible)
        preview.tables.append(Table(title: table.title, columns: visible.map { table.columns[$0].title(formatter.language) }, rows: [],
                                    highlighted: [], total: 0))
    }
    public func row(_ cells: [ReportCell], highlight: Bool) throws {
        guard let current, !preview.tables.isEmpty else { return }
        let index = preview.tables.count - 1
        preview.tables[index].total += 1
        guard preview.tables[index].rows.count < rowLimit else { return }
        if highlight { preview.tables[index].highlighted.append(preview.tables[index].rows.count) }
        preview.tables[index].rows.append(current.visible.map { column in
            formatter.cell(column < cells.count ? cells[column] : .empty, current.table.columns[column].kind)
        })
    }
    public func endTable() throws { current = nil }
    public func finish() throws -> [UInt8] { [] }
}
