import Foundation

/// Writes a report's primary table as CSV (RFC 4180: CRLF, fields quoted when they hold the separator,
/// a quote or a line break, quotes doubled).
///
/// - `plain`: `,`, decimal point, instants in ISO 8601 UTC, headers are the column keys.
/// - `ptBR`: `;`, decimal comma, instants in the provider's local time (`dd/MM/yyyy HH:mm`), headers
///   in the report's language and a UTF-8 byte-order mark, which Excel needs to read UTF-8; text that
///   starts like a formula (`=`, `+`, `-`, `@`) is prefixed with `'` so Excel shows it as text.
public final class CSVWriter: ReportWriter {
    /// The dialect.
    public enum Dialect: Sendable { case plain, ptBR }

    let dialect: Dialect
    var language: ReportLanguage = .en
    var calendar = Calendar(identifier: .gregorian)
    var bytes: [UInt8] = []
    var columns: [ReportColumn]?
    var inPrimary = false
    var wrotePrimary = false

    /// Creates a writer.
    public init(dialect: Dialect) {
        self.dialect = dialect
    }

    var separator: String { dialect == .plain ? "," : ";" }
    var separatorByte: UInt8 { dialect == .plain ? UInt8(ascii: ",") : UInt8(ascii: ";") }

    public func begin(_ meta: ReportMeta) throws {
        language = meta.language
        calendar = (try? ReportPeriod.calendar(meta.period.timeZone)) ?? calendar
        if dialect == .ptBR { bytes += [0xEF, 0xBB, 0xBF] }
    }

    public func section(_ title: String) throws {}
    public func figures(_ items: [(label: String, value: String)]) throws {}
    public func paragraph(_ text: String) throws {}
    public func chart(_ chart: ReportChart) throws {}

    public func beginTable(_ table: ReportTable) throws {
        guard table.primary, !wrotePrimary else { return }
        inPrimary = true
        wrotePrimary = true
        columns = table.columns
        line(table.columns.map { dialect == .plain ? $0.key : $0.title(language) })
    }

    public func row(_ cells: [ReportCell], highlight: Bool) throws {
        guard inPrimary, let columns else { return }
        line(zip(cells, columns).map { format($0, $1.kind) })
    }

    public func endTable() throws { inPrimary = false }

    public func finish() throws -> [UInt8] {
        defer { bytes = [] }
        return bytes
    }

    func line(_ fields: [String]) {
        for (index, field) in fields.enumerated() {
            if index > 0 { bytes.append(separatorByte) }
            bytes.append(contentsOf: quote(field).utf8)
        }
        bytes += [13, 10]
    }

    func quote(_ field: String) -> String {
        let separator = separatorByte
        guard field.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == 13 || $0 == 10 || $0 == separator }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    func format(_ cell: ReportCell, _ kind: ColumnKind) -> String {
        switch cell {
        case .empty: return ""
        case .text(let text):
            if dialect == .ptBR, let first = text.first, "=+-@".contains(first) { return "'" + text }
            return text
        case .date(let date):
            if dialect == .plain { return Self.iso(date) }
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
            return String(format: "%02d/%02d/%04d %02d:%02d:%02d", c.day ?? 0, c.month ?? 0, c.year ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
        case .number(let value):
            let places: Int = switch kind {
            case .decimal(let places): places
            case .percent: 4
            case .integer, .bitsPerSecond, .bytes, .duration, .text, .dateTime: 0
            }
            if places == 0, let whole = Self.whole(value) { return whole }
            let text = String(format: "%.\(places)f", value)
            return dialect == .ptBR ? text.replacingOccurrences(of: ".", with: ",") : text
        }
    }

    /// `value` as `%.0f` writes it (rounded half to even) without going through `String(format:)`, which is
    /// slow on Linux; `nil` where the fast path could differ (huge magnitudes, negative zero, NaN).
    static func whole(_ value: Double) -> String? {
        let rounded = value.rounded(.toNearestOrEven)
        guard rounded.isFinite, abs(rounded) < 1e15, !(rounded == 0 && value.sign == .minus) else { return nil }
        return String(Int64(rounded))
    }

    /// `2026-11-01T03:00:00Z`.
    static func iso(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }
}

/// Reads RFC 4180 CSV back (either dialect): records of fields, quotes honoured, a leading BOM skipped.
public enum CSVReader {
    /// The records of `bytes` with `separator`.
    public static func parse(_ bytes: [UInt8], separator: Character) -> [[String]] {
        var text = String(decoding: bytes, as: UTF8.self)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        var records: [[String]] = [], record: [String] = [], field = ""
        var quoted = false, wasQuoted = false
        var iterator = Array(text.unicodeScalars).makeIterator()
        var pending: Unicode.Scalar?
        func next() -> Unicode.Scalar? {
            if let scalar = pending { pending = nil; return scalar }
            return iterator.next()
        }
        let sep = separator.unicodeScalars.first!
        while let scalar = next() {
            if quoted {
                if scalar == "\"" {
                    if let following = next() {
                        if following == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; pending = following }
                    } else { quoted = false }
                } else {
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"" where field.isEmpty && !wasQuoted: quoted = true; wasQuoted = true
            case sep: record.append(field); field = ""; wasQuoted = false
            case "\r": continue
            case "\n": record.append(field); records.append(record); record = []; field = ""; wasQuoted = false
            default: field.unicodeScalars.append(scalar)
            }
        }
        if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
        return records
    }
}
