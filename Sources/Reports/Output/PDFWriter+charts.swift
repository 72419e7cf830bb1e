import CPangoCairo
import Foundation

extension PDFWriter {
    func drawChart(_ chart: ReportChart) {
        switch chart {
        case .availability(let title, let bars): availability(title, bars)
        case .traffic(let title, let points, let p95): traffic(title, points, p95)
        case .histogram(let title, let bands): histogram(title, bands)
        }
    }

    func chartTitle(_ title: String) {
        setColor(0.15, 0.15, 0.15)
        y += text(title, x: Self.margin, y: y, width: contentWidth, size: 10, bold: true) + 6
    }

    /// Horizontal bars, one per entity; the axis starts a little below the lowest value so 99.9 and
    /// 99.5 look different; a red tick marks each contracted target; bars below it are red.
    func availability(_ title: String, _ bars: [(label: String, percent: Double, target: Double?)]) {
        guard let cr, !bars.isEmpty else { return }
        let shown = Array(bars.prefix(20))
        let barHeight = 14.0, gap = 5.0
        ensure(30 + Double(shown.count) * (barHeight + gap) + 20)
        chartTitle(title)
        let lowest = shown.map { min($0.percent, $0.target ?? 100) }.min() ?? 100
        let axisMin = max(0, (lowest - max(0.5, (100 - lowest) * 0.2)).rounded(.down))
        let labelWidth = 150.0, plotX = Self.margin + labelWidth + 6, plotWidth = contentWidth - labelWidth - 70
        func xOf(_ value: Double) -> Double { plotX + (value - axisMin) / (100 - axisMin) * plotWidth }
        let top = y
        for (index, bar) in shown.enumerated() {
            let rowY = top + Double(index) * (barHeight + gap)
            setColor(0.2, 0.2, 0.2)
            _ = text(bar.label, x: Self.margin, y: rowY + 1, width: labelWidth, size: 8, align: .right)
            setColor(0.93, 0.93, 0.93)
            cairo_rectangle(cr, plotX, rowY, plotWidth, barHeight)
            cairo_fill(cr)
            let breach = bar.target.map { bar.percent < $0 } ?? false
            breach ? setColor(0.80, 0.15, 0.15) : setColor(0.13, 0.55, 0.33)
            cairo_rectangle(cr, plotX, rowY, max(1, xOf(bar.percent) - plotX), barHeight)
            cairo_fill(cr)
            if let target = bar.target {
                setColor(0.55, 0.0, 0.0)
                cairo_set_line_width(cr, 1.5)
                cairo_move_to(cr, xOf(target), rowY - 2)
                cairo_line_to(cr, xOf(target), rowY + barHeight + 2)
                cairo_stroke(cr)
            }
            setColor(0.1, 0.1, 0.1)
            _ = text(formatter.percent(bar.percent), x: plotX + plotWidth + 6, y: rowY + 1, width: 64, size: 8)
        }
        y = top + Double(shown.count) * (barHeight + gap)
        setColor(0.4, 0.4, 0.4)
        for tick in 0...4 {
            let value = axisMin + (100 - axisMin) * Double(tick) / 4
            _ = text(formatter.number(value, places: axisMin >= 99 ? 2 : 1), x: xOf(value) - 25, y: y, width: 50, size: 7, align: .center)
        }
        y += 20
    }

    /// In and out rates over time, the 95th percentile as a dashed red line.
    func traffic(_ title: String, _ points: [(at: Date, in: Double, out: Double)], _ p95: Double?) {
        guard let cr, points.count > 1 else { return }
        let height = 180.0
        ensure(height + 50)
        chartTitle(title)
        let axisWidth = 62.0, plotX = Self.margin + axisWidth, plotWidth = contentWidth - axisWidth, top = y
        let peak = max(points.map { max($0.in, $0.out) }.max() ?? 1, p95 ?? 0, 1)
        let scaleMax = Self.niceCeiling(peak)
        let first = points.first!.at, last = points.last!.at
        let span = max(last.timeIntervalSince(first), 1)
        func xOf(_ at: Date) -> Double { plotX + at.timeIntervalSince(first) / span * plotWidth }
        func yOf(_ value: Double) -> Double { top + height - value / scaleMax * height }
        cairo_set_line_width(cr, 0.5)
        for tick in 0...4 {
            let value = scaleMax * Double(tick) / 4
            setColor(0.88, 0.88, 0.88)
            cairo_move_to(cr, plotX, yOf(value))
            cairo_line_to(cr, plotX + plotWidth, yOf(value))
            cairo_stroke(cr)
            setColor(0.4, 0.4, 0.4)
            _ = text(formatter.bits(value), x: Self.margin, y: yOf(value) - 5, width: axisWidth - 6, size: 7, align: .right)
        }
        // Inbound filled, outbound as a line.
        cairo_move_to(cr, xOf(points[0].at), yOf(0))
        for point in points { cairo_line_to(cr, xOf(point.at), yOf(point.in)) }
        cairo_line_to(cr, xOf(last), yOf(0))
        cairo_close_path(cr)
        cairo_set_source_rgba(cr, 0.13, 0.45, 0.75, 0.45)
        cairo_fill(cr)
        setColor(0.9, 0.5, 0.1)
        cairo_set_line_width(cr, 0.8)
        cairo_move_to(cr, xOf(points[0].at), yOf(points[0].out))
        for point in points.dropFirst() { cairo_line_to(cr, xOf(point.at), yOf(point.out)) }
        cairo_stroke(cr)
        if let p95 {
            setColor(0.8, 0.1, 0.1)
            cairo_set_line_width(cr, 1.2)
            var dashes: [Double] = [5, 3]
            cairo_set_dash(cr, &dashes, 2, 0)
            cairo_move_to(cr, plotX, yOf(p95))
            cairo_line_to(cr, plotX + plotWidth, yOf(p95))
            cairo_stroke(cr)
            cairo_set_dash(cr, nil, 0, 0)
            _ = text("95% \(formatter.bits(p95))", x: plotX + plotWidth - 150, y: yOf(p95) - 13, width: 148, size: 7.5, bold: true, align: .right)
        }
        setColor(0.4, 0.4, 0.4)
        for tick in 0...4 {
            let at = first.addingTimeInterval(span * Double(tick) / 4)
            // Within two days the hours tell the ticks apart; over longer spans the dates do.
            let label = span <= 2 * 86_400 ? String(formatter.dateTime(at).suffix(5)) : formatter.date(at)
            _ = text(label, x: xOf(at) - 35, y: top + height + 3, width: 70, size: 7, align: .center)
        }
        // Legend.
        let legendY = top + height + 16
        cairo_set_source_rgba(cr, 0.13, 0.45, 0.75, 0.6)
        cairo_rectangle(cr, plotX, legendY + 2, 10, 6)
        cairo_fill(cr)
        setColor(0.2, 0.2, 0.2)
        _ = text(l("Entrada", "In"), x: plotX + 14, y: legendY, width: 80, size: 7.5)
        setColor(0.9, 0.5, 0.1)
        cairo_rectangle(cr, plotX + 90, legendY + 4, 10, 2)
        cairo_fill(cr)
        setColor(0.2, 0.2, 0.2)
        _ = text(l("Saída", "Out"), x: plotX + 104, y: legendY, width: 80, size: 7.5)
        setColor(0.8, 0.1, 0.1)
        cairo_rectangle(cr, plotX + 180, legendY + 4, 10, 2)
        cairo_fill(cr)
        setColor(0.2, 0.2, 0.2)
        _ = text(l("95º percentil", "95th percentile"), x: plotX + 194, y: legendY, width: 120, size: 7.5)
        y = legendY + 22
    }

    /// Vertical bars of counts per band.
    func histogram(_ title: String, _ bands: [(label: String, count: Int)]) {
        guard let cr, !bands.isEmpty else { return }
        let height = 120.0
        ensure(height + 50)
        chartTitle(title)
        let top = y, slot = contentWidth / Double(bands.count), peak = Double(max(bands.map(\.count).max() ?? 1, 1))
        for (index, band) in bands.enumerated() {
            let x = Self.margin + Double(index) * slot
            let barHeight = Double(band.count) / peak * (height - 14)
            setColor(0.13, 0.45, 0.75)
            cairo_rectangle(cr, x + 4, top + height - barHeight, slot - 8, barHeight)
            cairo_fill(cr)
            setColor(0.1, 0.1, 0.1)
            _ = text(formatter.number(Double(band.count)), x: x, y: top + height - barHeight - 11, width: slot, size: 7, align: .center)
            setColor(0.4, 0.4, 0.4)
            _ = text(band.label, x: x, y: top + height + 3, width: slot, size: 6.5, align: .center)
        }
        y = top + height + 22
    }

    /// 1, 2 or 5 × 10ⁿ at or above `value`.
    static func niceCeiling(_ value: Double) -> Double {
        let exponent = pow(10, floor(log10(value)))
        for factor in [1.0, 2, 2.5, 5, 10] where factor * exponent >= value { return factor * exponent }
        return 10 * exponent
    }
}
