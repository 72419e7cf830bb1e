import Foundation

/// The language of a report's text (PDF titles, CSV headers of the pt-BR dialect, e-mails).
public enum ReportLanguage: String, Sendable, Codable, CaseIterable {
    case ptBR = "pt-BR"
    case en
}

/// What a column holds; writers format each kind for their language or dialect.
public enum ColumnKind: Sendable, Hashable {
    /// Free text.
    case text
    /// Whole numbers.
    case integer
    /// A number with `places` decimals.
    case decimal(places: Int)
    /// Percent with three decimals (availability).
    case percent
    /// Bits per second (PDF: scaled to k/M/G).
    case bitsPerSecond
    /// Bytes (PDF: scaled to KB/MB/GB/TB).
    case bytes
    /// Seconds (PDF: `1h 02m`).
    case duration
    /// An instant (PDF and pt-BR CSV: local time of the provider; plain CSV: ISO 8601 UTC).
    case dateTime
}

/// One column: a stable key (the plain CSV header) and its titles.
public struct ReportColumn: Sendable, Hashable {
    /// Machine name, e.g. `uptime_percent`.
    public var key: String
    /// Portuguese title.
    public var ptBR: String
    /// English title.
    public var en: String
    /// What the cells hold.
    public var kind: ColumnKind
    /// Relative width in the PDF.
    public var width: Double
    /// Whether the PDF shows it (ids are for the CSV).
    public var inPDF: Bool

    /// Creates a column.
    public init(_ key: String, _ ptBR: String, _ en: String, _ kind: ColumnKind = .text, width: Double = 1, inPDF: Bool = true) {
        self.key = key
        self.ptBR = ptBR
        self.en = en
        self.kind = kind
        self.width = width
        self.inPDF = inPDF
    }

    /// The title in `language`.
    public func title(_ language: ReportLanguage) -> String { language == .ptBR ? ptBR : en }
}

/// A cell value.
public enum ReportCell: Sendable, Hashable {
    case text(String)
    case number(Double)
    case date(Date)
    case empty
}

/// A table's shape; rows are streamed to the writer one by one.
public struct ReportTable: Sendable, Hashable {
    /// Title above the table.
    public var title: String
    /// Columns.
    public var columns: [ReportColumn]
    /// The table the CSV export holds (one per report).
    public var primary: Bool
    /// Whether the PDF shows it (a table of every interface is for the CSV only).
    public var inPDF: Bool

    /// Creates a table.
    public init(title: String, columns: [ReportColumn], primary: Bool = false, inPDF: Bool = true) {
        self.title = title
        self.columns = columns
        self.primary = primary
        self.inPDF = inPDF
    }
}

/// A chart drawn in the PDF.
public enum ReportChart: Sendable {
    /// Horizontal bars of availability per entity, with the target as a mark.
    case availability(title: String, bars: [(label: String, percent: Double, target: Double?)])
    /// Traffic over time (bits per second), in and out, with the 95th percentile as a line.
    case traffic(title: String, points: [(at: Date, in: Double, out: Double)], p95: Double?)
    /// Counts per band (utilization histogram).
    case histogram(title: String, bands: [(label: String, count: Int)])
}

/// Cover and running header data.
public struct ReportMeta: Sendable {
    /// Report title (`Relatório de SLA`).
    public var title: String
    /// The provider's name.
    public var provider: String
    /// PNG bytes of the provider's logo.
    public var logoPNG: [UInt8]?
    /// The period.
    public var period: ReportPeriod
    /// Scope, in words (`POP Centro`, `Todo o provedor`).
    public var scope: String
    /// Language.
    public var language: ReportLanguage
    /// When generated.
    public var generatedAt: Date

    /// Creates the meta data.
    public init(title: String, provider: String, logoPNG: [UInt8]? = nil, period: ReportPeriod, scope: String,
                language: ReportLanguage, generatedAt: Date) {
        self.title = title
        self.provider = provider
        self.logoPNG = logoPNG
        self.period = period
        self.scope = scope
        self.language = language
        self.generatedAt = generatedAt
    }
}

/// Receives a report as it is computed: sections, key figures, charts and table rows, in order.
/// Writers keep only what they need (the PDF writer draws each row as it comes), so a report of
/// 50 000 interfaces is never held in memory.
public protocol ReportWriter: AnyObject {
    /// The cover.
    func begin(_ meta: ReportMeta) throws
    /// A section heading.
    func section(_ title: String) throws
    /// Label/value pairs (totals).
    func figures(_ items: [(label: String, value: String)]) throws
    /// A short paragraph.
    func paragraph(_ text: String) throws
    /// A chart.
    func chart(_ chart: ReportChart) throws
    /// Starts a table.
    func beginTable(_ table: ReportTable) throws
    /// One row of the current table; `highlight` marks a breach.
    func row(_ cells: [ReportCell], highlight: Bool) throws
    /// Ends the current table.
    func endTable() throws
    /// Finishes the file and returns its bytes.
    func finish() throws -> [UInt8]
}
