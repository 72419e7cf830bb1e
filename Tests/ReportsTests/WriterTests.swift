import Foundation
import OctoTestSupport
@testable import Reports
import Testing

/// The CSV dialects read back, and PDFs read back with poppler (`pdftotext`, `pdffonts`) and rendered
/// to PNG with `pdftoppm`.
struct WriterTests {
    static let period = try! ReportPeriod.days("2026-11-01", through: "2026-11-30", timeZone: "America/Sao_Paulo")

    static let columns = [
        ReportColumn("name", "Nome", "Name", width: 2), ReportColumn("uptime_percent", "Disponibilidade", "Availability", .percent),
        ReportColumn("bytes", "Volume", "Volume", .bytes), ReportColumn("at", "Início", "Start", .dateTime),
        ReportColumn("note", "Observação", "Note", inPDF: false),
    ]

    /// Feeds a small report to `writer`: a summary, a chart, and a primary table of `rows` rows.
    static func feed(_ writer: any ReportWriter, language: ReportLanguage = .ptBR, rows: Int = 3) throws -> [UInt8] {
        try writer.begin(ReportMeta(title: language == .ptBR ? "Relatório de SLA e disponibilidade" : "SLA and availability report",
                                    provider: "Provedor São João", period: period, scope: "POP Ribeirão Preto",
                                    language: language, generatedAt: period.to))
        try writer.section(language == .ptBR ? "Resumo" : "Summary")
        try writer.figures([("Disponibilidade", "99,950 %"), ("Quedas", "3")])
        try writer.chart(.availability(title: "Disponibilidade por POP", bars: [("Centro", 99.95, 99.9), ("Ribeirão", 99.2, 99.5)]))
        let start = period.from
        var points: [(at: Date, in: Double, out: Double)] = []
        for k in 0..<288 {
            let x = Double(k)
            let inbound: Double = 50e6 + 40e6 * sin(x / 20)
            let outbound: Double = 20e6 + 10e6 * cos(x / 15)
            points.append((start.addingTimeInterval(x * 300), inbound, outbound))
        }
        try writer.chart(.traffic(title: "Tráfego", points: points, p95: 88e6))
        try writer.beginTable(ReportTable(title: "Dispositivos", columns: columns, primary: true))
        let names = ["Ação, \"quoted\"; ok", "=SUM(A1)", "linha\ndupla", "Conexão ótica"]
        for index in 0..<rows {
            try writer.row([.text(index < names.count ? names[index] : "Dispositivo \(index)"), .number(99.5 + Double(index % 5) / 10),
                            .number(1234.6), .date(start.addingTimeInterval(Double(index) * 60)), .text("n\(index)")],
                           highlight: index == 1)
        }
        try writer.endTable()
        return try writer.finish()
    }

    @Test func plainCSVIsRFC4180AndReadsBack() throws {
        let bytes = try Self.feed(CSVWriter(dialect: .plain), rows: 4)
        #expect(Array(bytes.prefix(3)) != [0xEF, 0xBB, 0xBF])
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("name,uptime_percent,bytes,at,note\r\n"))
        let records = CSVReader.parse(bytes, separator: ",")
        #expect(records.count == 5)
        #expect(records[1] == ["Ação, \"quoted\"; ok", "99.5000", "1235", "2026-11-01T03:00:00Z", "n0"])
        #expect(records[2][0] == "=SUM(A1)")
        #expect(records[3][0] == "linha\ndupla")
        #expect(records.allSatisfy { $0.count == 5 })
    }

    @Test func brazilianCSVHasBOMSemicolonsAndDecimalCommas() throws {
        let bytes = try Self.feed(CSVWriter(dialect: .ptBR), rows: 4)
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF], "Excel needs the BOM to read UTF-8")
        let records = CSVReader.parse(bytes, separator: ";")
        #expect(records[0] == ["Nome", "Disponibilidade", "Volume", "Início", "Observação"])
        #expect(records[1] == ["Ação, \"quoted\"; ok", "99,5000", "1235", "01/11/2026 00:00:00", "n0"])
        #expect(records[2] == ["'=SUM(A1)", "99,6000", "1235", "01/11/2026 00:01:00", "n1"], "formulas are neutralised for Excel")
        #expect(records[3][0] == "linha\ndupla")
        #expect(records[4][0] == "Conexão ótica")
        #expect(Double(records[2][1].replacingOccurrences(of: ",", with: ".")) == 99.6)
        let raw = String(decoding: bytes, as: UTF8.self)
        #expect(raw.contains("\"Ação, \"\"quoted\"\"; ok\";"), "a field with the separator and quotes is quoted, quotes doubled")
    }

    /// Runs a poppler tool.
    static func tool(_ arguments: [String]) async throws -> String {
        let run = try await ChildProcess.run(arguments)
        guard run.succeeded else { throw TestSetupError("\(arguments[0]) failed: \(run.text)") }
        return run.output
    }

    static func temporary(_ name: String) -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reports-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.appendingPathComponent(name)
    }

    @Test func aPDFHasItsTextFontsEmbeddedAndTablesThatBreakWithTheirHeader() async throws {
        let bytes = try Self.feed(PDFWriter(), rows: 160)
        #expect(bytes.starts(with: Array("%PDF-".utf8)))
        let file = Self.temporary("sla.pdf")
        try Data(bytes).write(to: file)
        let text = try await Self.tool(["/usr/bin/pdftotext", "-layout", file.path, "-"])
        #expect(text.contains("Relatório de SLA e disponibilidade"))
        #expect(text.contains("Provedor São João"))
        #expect(text.contains("POP Ribeirão Preto"))
        #expect(text.contains("01/11/2026 – 30/11/2026"), "the period in local dates")
        #expect(text.contains("Conexão ótica"))
        #expect(text.contains("99,950 %"))
        #expect(text.contains("95% 88,0 Mbit/s"), "the 95th percentile line is labelled")
        #expect(!text.contains("Observação"), "CSV-only columns stay out of the PDF")
        let info = try await Self.tool(["/usr/bin/pdfinfo", file.path])
        let pages = Int(info.split(separator: "\n").first { $0.hasPrefix("Pages:") }?.split(separator: " ").last ?? "0") ?? 0
        #expect(pages >= 4, "cover, then 160 rows over several pages")
        // Every page after the cover has its number; a later page repeats the table header.
        for page in 2...pages {
            let pageText = try await Self.tool(["/usr/bin/pdftotext", "-f", "\(page)", "-l", "\(page)", "-layout", file.path, "-"])
            #expect(pageText.contains("Página \(page)"))
        }
        let last = try await Self.tool(["/usr/bin/pdftotext", "-f", "\(pages)", "-l", "\(pages)", "-layout", file.path, "-"])
        #expect(last.contains("Disponibilidade") && last.contains("Início"), "the header is repeated")
        #expect(last.contains("Dispositivo 159"))
        let fonts = try await Self.tool(["/usr/bin/pdffonts", file.path])
        let fontLines = fonts.split(separator: "\n").dropFirst(2)
        #expect(!fontLines.isEmpty && fontLines.allSatisfy { $0.contains("DejaVu") && $0.contains(" yes ") }, "DejaVu, embedded: \(fonts)")
        // Rendered to PNG.
        let prefix = file.deletingLastPathComponent().appendingPathComponent("page").path
        _ = try await Self.tool(["/usr/bin/pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2", file.path, prefix])
        let pngs = try FileManager.default.contentsOfDirectory(atPath: file.deletingLastPathComponent().path).filter { $0.hasSuffix(".png") }
        #expect(pngs.count == 2)
        for png in pngs {
            let data = try Data(contentsOf: file.deletingLastPathComponent().appendingPathComponent(png))
            #expect(data.starts(with: [0x89, 0x50, 0x4E, 0x47]) && data.count > 5000)
        }
    }

    @Test func anEnglishPDFSpeaksEnglish() async throws {
        let bytes = try Self.feed(PDFWriter(), language: .en, rows: 3)
        let file = Self.temporary("sla-en.pdf")
        try Data(bytes).write(to: file)
        let text = try await Self.tool(["/usr/bin/pdftotext", "-layout", file.path, "-"])
        #expect(text.contains("SLA and availability report") && text.contains("Page 2") && text.contains("2026-11-01 – 2026-11-30"))
        #expect(!text.contains("Página"))
    }

    /// Pages are numbered "N of M": the writer paginates first, then draws with the total known.
    @Test func everyPageAfterTheCoverSaysNOfM() async throws {
        for (language, word, of) in [(ReportLanguage.ptBR, "Página", "de"), (.en, "Page", "of")] {
            let file = Self.temporary("pages.pdf")
            try Data(try Self.feed(PDFWriter(), language: language, rows: 300)).write(to: file)
            let info = try await Self.tool(["/usr/bin/pdfinfo", file.path])
            let pages = Int(info.split(separator: "\n").first { $0.hasPrefix("Pages:") }?.split(separator: " ").last ?? "0") ?? 0
            #expect(pages >= 6, "cover, then 300 rows over several pages")
            for page in 1...max(pages, 1) {
                let text = try await Self.tool(["/usr/bin/pdftotext", "-f", "\(page)", "-l", "\(page)", "-layout", file.path, "-"])
                if page == 1 {
                    #expect(!text.contains(word + " "), "the cover has no number")
                } else {
                    #expect(text.contains("\(word) \(page) \(of) \(pages)"), "page \(page) of \(pages)")
                }
            }
        }
    }

    /// Whole numbers are written without `String(format:)`, exactly as `%.0f` writes them.
    @Test func wholeNumbersInCSVMatchPrintf() {
        let values: [Double] = [0, 0.4, 0.5, 1.5, 2.5, -2.5, -0.4, -0.0, 123_456_789.5, 7_875_000_000, 19_000_000, 1e15, 1e300, 2.4999999]
        for value in values {
            let printf = String(format: "%.0f", value)
            #expect(CSVWriter.whole(value).map { $0 == printf } ?? true, "\(value)")
        }
        let writer = CSVWriter(dialect: .plain)
        for value in values { #expect(writer.format(.number(value), .integer) == String(format: "%.0f", value)) }
    }
}
