import CPangoCairo
import Foundation

/// Renders a report as an A4 PDF with cairo and pango: a cover with the provider's name and logo,
/// sections, key figures, charts, and tables that break across pages with their header repeated.
/// Every page after the cover has a running header and "Página N de M" / "Page N of M". Fonts
/// (DejaVu Sans) are embedded by cairo as subsets.
///
/// The writer keeps what it is fed (the PDF's own content: titles, figures, charts and the rows of the
/// tables shown in the PDF, not the CSV-only tables) and lays it out twice when finished: a first pass
/// only paginates (heights, no glyphs drawn) to learn the page count, the second draws.
public final class PDFWriter: ReportWriter {
    static let pageWidth = 595.276, pageHeight = 841.89
    static let margin = 42.0
    static let font = "DejaVu Sans"

    final class Sink {
        var bytes: [UInt8] = []
        var discard = false
    }

    /// What the writer was fed, replayed by each pass.
    enum Command {
        case section(String)
        case figures([(label: String, value: String)])
        case paragraph(String)
        case chart(ReportChart)
        case beginTable(ReportTable)
        case row([ReportCell], highlight: Bool)
        case endTable
    }

    var commands: [Command] = []
    /// Whether the table being fed is shown in the PDF (its rows are kept).
    var keepingRows = false
    var sink = Sink()
    var surface: OpaquePointer?
    var cr: OpaquePointer?
    var meta: ReportMeta?
    var formatter = ReportFormatter(language: .en, timeZone: "UTC")
    var page = 0
    /// Pages of the whole document, known in the drawing pass.
    var totalPages: Int?
    /// False in the paginating pass: text is measured, not drawn.
    var drawing = true
    var y = 0.0
    var table: ReportTable?
    var widths: [Double] = []
    var visible: [Int] = []
    var rowIndex = 0
    /// One pango layout reused for every text of a pass, and the font descriptions by size and weight.
    var cachedLayout: OpaquePointer?
    var fonts: [Double: OpaquePointer] = [:]

    /// Creates a writer.
    public init() {}

    deinit { closeSurface() }

    var bottom: Double { Self.pageHeight - Self.margin - 18 }
    var contentWidth: Double { Self.pageWidth - 2 * Self.margin }

    public func begin(_ meta: ReportMeta) throws {
        self.meta = meta
        formatter = ReportFormatter(language: meta.language, timeZone: meta.period.timeZone)
        commands = []
    }

    /// Opens a surface writing into a fresh sink (discarding the bytes when only paginating).
    func openSurface(_ meta: ReportMeta, discard: Bool) throws {
        sink = Sink()
        sink.discard = discard
        let write: cairo_write_func_t = { closure, data, length in
            guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
            let sink = Unmanaged<Sink>.fromOpaque(closure).takeUnretainedValue()
            if !sink.discard { sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length))) }
            return CAIRO_STATUS_SUCCESS
        }
        surface = cairo_pdf_surface_create_for_stream(write, Unmanaged.passUnretained(sink).toOpaque(), Self.pageWidth, Self.pageHeight)
        guard let surface, cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else { throw ReportError.render("cannot create the PDF surface") }
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, "\(meta.title) — \(meta.provider)")
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "OctoISP")
        cr = cairo_create(surface)
    }

    /// Releases the pass's layout, fonts, context and surface; returns the surface's final status.
    @discardableResult
    func closeSurface() -> cairo_status_t {
        if let cachedLayout { g_object_unref(UnsafeMutableRawPointer(cachedLayout)) }
        cachedLayout = nil
        for font in fonts.values { pango_font_description_free(font) }
        fonts = [:]
        if let cr { cairo_destroy(cr) }
        cr = nil
        var status = CAIRO_STATUS_SUCCESS
        if let surface {
            cairo_surface_finish(surface)
            status = cairo_surface_status(surface)
            cairo_surface_destroy(surface)
        }
        surface = nil
        return status
    }

    /// One pass over everything fed: the cover, then every command; returns the number of pages.
    func render(_ meta: ReportMeta) throws -> Int {
        page = 0
        y = 0
        table = nil
        rowIndex = 0
        drawCover(meta)
        newPage()
        for command in commands {
            switch command {
            case .section(let title): drawSection(title)
            case .figures(let items): drawFigures(items)
            case .paragraph(let body): drawParagraph(body)
            case .chart(let chart): drawChart(chart)
            case .beginTable(let table): drawBeginTable(table)
            case .row(let cells, let highlight): drawRow(cells, highlight: highlight)
            case .endTable: drawEndTable()
            }
        }
        finishPage()
        return page
    }

    // MARK: Pages

    func drawCover(_ meta: ReportMeta) {
        guard let cr else { return }
        page = 1
        setColor(0.08, 0.23, 0.42)
        cairo_rectangle(cr, 0, 0, Self.pageWidth, 250)
        cairo_fill(cr)
        var top = 70.0
        if let png = meta.logoPNG, let logo = Self.loadPNG(png) {
            let w = Double(cairo_image_surface_get_width(logo)), h = Double(cairo_image_surface_get_height(logo))
            let scale = min(160 / w, 90 / h, 1)
            cairo_save(cr)
            cairo_translate(cr, Self.margin, 50)
            cairo_scale(cr, scale, scale)
            cairo_set_source_surface(cr, logo, 0, 0)
            cairo_paint(cr)
            cairo_restore(cr)
            cairo_surface_destroy(logo)
            top = 50 + h * scale + 20
        }
        setColor(1, 1, 1)
        top += text(meta.provider, x: Self.margin, y: top, width: contentWidth, size: 16, bold: true)
        top += 8
        _ = text(meta.title, x: Self.margin, y: top, width: contentWidth, size: 26, bold: true)
        setColor(0.1, 0.1, 0.1)
        var lineY = 300.0
        let labels: [(String, String)] = [
            (l("Período", "Period"), formatter.period(meta.period)),
            (l("Abrangência", "Scope"), meta.scope),
            (l("Fuso horário", "Time zone"), meta.period.timeZone),
            (l("Gerado em", "Generated"), formatter.dateTime(meta.generatedAt)),
        ]
        for (label, value) in labels {
            setColor(0.4, 0.4, 0.4)
            _ = text(label, x: Self.margin, y: lineY, width: 140, size: 11)
            setColor(0.1, 0.1, 0.1)
            lineY += max(18, text(value, x: Self.margin + 150, y: lineY, width: contentWidth - 150, size: 11, bold: true)) + 6
        }
        setColor(0.5, 0.5, 0.5)
        _ = text("OctoISP", x: Self.margin, y: Self.pageHeight - Self.margin - 12, width: contentWidth, size: 8)
        cairo_show_page(cr)
    }

    func newPage() {
        guard let cr, let meta else { return }
        if page > 1 { finishPage() }
        page += 1
        setColor(0.35, 0.35, 0.35)
        _ = text(meta.provider, x: Self.margin, y: 22, width: contentWidth / 2, size: 8)
        _ = text(meta.title, x: Self.margin + contentWidth / 2, y: 22, width: contentWidth / 2, size: 8, align: .right)
        setColor(0.8, 0.8, 0.8)
        cairo_set_line_width(cr, 0.5)
        cairo_move_to(cr, Self.margin, 36)
        cairo_line_to(cr, Self.pageWidth - Self.margin, 36)
        cairo_stroke(cr)
        y = Self.margin + 10
    }

    func finishPage() {
        guard let cr else { return }
        setColor(0.35, 0.35, 0.35)
        let number = totalPages.map { "\(l("Página", "Page")) \(page) \(l("de", "of")) \($0)" } ?? "\(l("Página", "Page")) \(page)"
        _ = text(number, x: Self.margin, y: Self.pageHeight - Self.margin + 6, width: contentWidth, size: 8, align: .center)
        cairo_show_page(cr)
    }

    /// Moves to a new page when `height` does not fit; repeats the current table's header there.
    func ensure(_ height: Double) {
        guard y + height > bottom else { return }
        newPage()
        if table != nil { drawTableHeader() }
    }

    // MARK: Content

    public func section(_ title: String) throws { commands.append(.section(title)) }

    public func figures(_ items: [(label: String, value: String)]) throws { commands.append(.figures(items)) }

    public func paragraph(_ body: String) throws { commands.append(.paragraph(body)) }

    public func chart(_ chart: ReportChart) throws { commands.append(.chart(chart)) }

    public func beginTable(_ table: ReportTable) throws {
        keepingRows = table.inPDF
        if table.inPDF { commands.append(.beginTable(table)) }
    }

    public func row(_ cells: [ReportCell], highlight: Bool) throws {
        if keepingRows { commands.append(.row(cells, highlight: highlight)) }
    }

    public func endTable() throws {
        if keepingRows { commands.append(.endTable) }
        keepingRows = false
    }

    func drawSection(_ title: String) {
        ensure(60)
        y += 8
        setColor(0.08, 0.23, 0.42)
        y += text(title, x: Self.margin, y: y, width: contentWidth, size: 14, bold: true) + 8
    }

    func drawFigures(_ items: [(label: String, value: String)]) {
        let columns = 3, boxWidth = (contentWidth - Double(columns - 1) * 8) / Double(columns), boxHeight = 44.0
        for start in stride(from: 0, to: items.count, by: columns) {
            ensure(boxHeight + 8)
            for (offset, item) in items[start..<min(start + columns, items.count)].enumerated() {
                guard let cr else { return }
                let x = Self.margin + Double(offset) * (boxWidth + 8)
                setColor(0.94, 0.95, 0.97)
                cairo_rectangle(cr, x, y, boxWidth, boxHeight)
                cairo_fill(cr)
                setColor(0.4, 0.4, 0.4)
                _ = text(item.label, x: x + 8, y: y + 6, width: boxWidth - 16, size: 7.5)
                setColor(0.1, 0.1, 0.1)
                _ = text(item.value, x: x + 8, y: y + 20, width: boxWidth - 16, size: 12, bold: true)
            }
            y += boxHeight + 8
        }
        y += 4
    }

    func drawParagraph(_ body: String) {
        let height = measure(body, width: contentWidth, size: 9)
        ensure(height + 6)
        setColor(0.2, 0.2, 0.2)
        y += text(body, x: Self.margin, y: y, width: contentWidth, size: 9, wrap: true) + 6
    }

    func drawBeginTable(_ table: ReportTable) {
        ensure(60)
        setColor(0.15, 0.15, 0.15)
        y += text(table.title, x: Self.margin, y: y, width: contentWidth, size: 10, bold: true) + 4
        visible = table.columns.indices.filter { table.columns[$0].inPDF }
        let total = visible.reduce(0) { $0 + table.columns[$1].width }
        widths = visible.map { table.columns[$0].width / total * contentWidth }
        self.table = table
        rowIndex = 0
        drawTableHeader()
    }

    /// The current table's header: titles wrap inside their column; the row is as tall as the tallest.
    func drawTableHeader() {
        guard let table, let cr, let meta else { return }
        let titles = visible.map { table.columns[$0].title(meta.language) }
        let height = zip(titles, widths).map { measure($0, width: $1 - 6, size: 7, bold: true) }.max() ?? 12
        let rowHeight = max(16, height + 6)
        setColor(0.86, 0.89, 0.93)
        cairo_rectangle(cr, Self.margin, y, contentWidth, rowHeight)
        cairo_fill(cr)
        setColor(0.1, 0.1, 0.1)
        var x = Self.margin
        for (slot, index) in visible.enumerated() {
            let column = table.columns[index]
            _ = text(titles[slot], x: x + 3, y: y + 3, width: widths[slot] - 6, size: 7, bold: true, wrap: true,
                     align: Self.isNumeric(column.kind) ? .right : .left)
            x += widths[slot]
        }
        y += rowHeight
    }

    func drawRow(_ cells: [ReportCell], highlight: Bool) {
        guard let table, let cr else { return }
        let rowHeight = 13.0
        ensure(rowHeight)
        // Rows are one line high whatever they hold: the paginating pass only counts them.
        guard drawing else {
            y += rowHeight
            rowIndex += 1
            return
        }
        if highlight {
            cairo_set_source_rgb(cr, 0.99, 0.87, 0.87)
            cairo_rectangle(cr, Self.margin, y, contentWidth, rowHeight)
            cairo_fill(cr)
        } else if rowIndex % 2 == 1 {
            cairo_set_source_rgb(cr, 0.97, 0.97, 0.98)
            cairo_rectangle(cr, Self.margin, y, contentWidth, rowHeight)
            cairo_fill(cr)
        }
        highlight ? setColor(0.6, 0.05, 0.05) : setColor(0.1, 0.1, 0.1)
        var x = Self.margin
        for (slot, index) in visible.enumerated() {
            let column = table.columns[index]
            let cell = index < cells.count ? cells[index] : .empty
            _ = text(formatter.cell(cell, column.kind), x: x + 3, y: y + 2, width: widths[slot] - 6, size: 7,
                     align: Self.isNumeric(column.kind) ? .right : .left)
            x += widths[slot]
        }
        y += rowHeight
        rowIndex += 1
    }

    func drawEndTable() {
        if table != nil { y += 10 }
        table = nil
    }

    public func finish() throws -> [UInt8] {
        guard let meta else { throw ReportError.render("begin was not called") }
        defer { commands = [] }
        // First pass: paginate only, to learn the page count.
        try openSurface(meta, discard: true)
        drawing = false
        totalPages = nil
        let pages = try render(meta)
        closeSurface()
        // Second pass: draw, numbering "N of M".
        try openSurface(meta, discard: false)
        drawing = true
        totalPages = pages
        let drawn = try render(meta)
        let status = closeSurface()
        guard status == CAIRO_STATUS_SUCCESS else { throw ReportError.render(String(cString: cairo_status_to_string(status))) }
        guard drawn == pages else { throw ReportError.render("pagination changed between passes (\(pages) → \(drawn) pages)") }
        defer { sink = Sink() }
        return sink.bytes
    }

    static func isNumeric(_ kind: ColumnKind) -> Bool {
        switch kind {
        case .text, .dateTime: false
        default: true
        }
    }

    // MARK: Text

    enum Align { case left, center, right }

    func l(_ pt: String, _ en: String) -> String { meta?.language == .ptBR ? pt : en }

    func setColor(_ r: Double, _ g: Double, _ b: Double) {
        if let cr { cairo_set_source_rgb(cr, r, g, b) }
    }

    /// The pass's pango layout set up for `body`; owned by the writer (not to be released by callers).
    func layout(_ body: String, width: Double, size: Double, bold: Bool, wrap: Bool, align: Align) -> OpaquePointer? {
        guard let cr else { return nil }
        if cachedLayout == nil { cachedLayout = pango_cairo_create_layout(cr) }
        guard let layout = cachedLayout else { return nil }
        let key = bold ? -size : size
        let description: OpaquePointer
        if let cached = fonts[key] {
            description = cached
        } else {
            description = pango_font_description_new()
            pango_font_description_set_family(description, Self.font)
            pango_font_description_set_absolute_size(description, size * Double(PANGO_SCALE))
            pango_font_description_set_weight(description, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL)
            fonts[key] = description
        }
        pango_layout_set_font_description(layout, description)
        if width > 0 {
            pango_layout_set_width(layout, Int32(width * Double(PANGO_SCALE)))
            if wrap {
                pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_NONE)
                pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR)
            } else {
                pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END)
            }
        } else {
            pango_layout_set_width(layout, -1)
            pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_NONE)
        }
        pango_layout_set_alignment(layout, align == .left ? PANGO_ALIGN_LEFT : align == .right ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_CENTER)
        pango_layout_set_text(layout, body, -1)
        return layout
    }

    /// Draws `body` with its top-left at (`x`, `y`) (only measures it in the paginating pass); returns its height.
    @discardableResult
    func text(_ body: String, x: Double, y: Double, width: Double, size: Double, bold: Bool = false, wrap: Bool = false,
              align: Align = .left) -> Double {
        guard let cr, let layout = layout(body, width: width, size: size, bold: bold, wrap: wrap, align: align) else { return 0 }
        if drawing {
            cairo_move_to(cr, x, y)
            pango_cairo_show_layout(cr, layout)
        }
        var w: Int32 = 0, h: Int32 = 0
        pango_layout_get_pixel_size(layout, &w, &h)
        return Double(h)
    }

    /// Height of `body` laid out in `width` (0: one line).
    func measure(_ body: String, width: Double, size: Double, bold: Bool = false) -> Double {
        guard let layout = layout(body, width: width, size: size, bold: bold, wrap: true, align: .left) else { return 0 }
        var w: Int32 = 0, h: Int32 = 0
        pango_layout_get_pixel_size(layout, &w, &h)
        return Double(h)
    }

    /// Width of `body` on one line.
    func textWidth(_ body: String, size: Double) -> Double {
        guard let layout = layout(body, width: 0, size: size, bold: false, wrap: false, align: .left) else { return 0 }
        var w: Int32 = 0, h: Int32 = 0
        pango_layout_get_pixel_size(layout, &w, &h)
        return Double(w)
    }

    static func loadPNG(_ png: [UInt8]) -> OpaquePointer? {
        final class Reader { var bytes: [UInt8]; var offset = 0; init(_ bytes: [UInt8]) { self.bytes = bytes } }
        let reader = Reader(png)
        let read: cairo_read_func_t = { closure, data, length in
            guard let closure, let data else { return CAIRO_STATUS_READ_ERROR }
            let reader = Unmanaged<Reader>.fromOpaque(closure).takeUnretainedValue()
            let count = Int(length)
            guard reader.offset + count <= reader.bytes.count else { return CAIRO_STATUS_READ_ERROR }
            reader.bytes.withUnsafeBufferPointer { buffer in
                data.update(from: buffer.baseAddress! + reader.offset, count: count)
            }
            reader.offset += count
            return CAIRO_STATUS_SUCCESS
        }
        let image = withExtendedLifetime(reader) {
            cairo_image_surface_create_from_png_stream(read, Unmanaged.passUnretained(reader).toOpaque())
        }
        guard let image, cairo_surface_status(image) == CAIRO_STATUS_SUCCESS else {
            if let image { cairo_surface_destroy(image) }
            return nil
        }
        return image
    }
}
