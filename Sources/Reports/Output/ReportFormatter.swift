import Foundation

/// Formats numbers, rates, volumes, durations and instants for people, in pt-BR (`99,950 %`,
/// `1,2 Gbit/s`, `01/11/2026 00:00`) or en (`99.950 %`, `1.2 Gbit/s`, `2026-11-01 00:00`).
public struct ReportFormatter: Sendable {
    /// Language.
    public var language: ReportLanguage
    /// The provider's calendar.
    public var calendar: Calendar

    /// Creates a formatter.
    public init(language: ReportLanguage, timeZone: String) {
        self.language = language
        self.calendar = (try? ReportPeriod.calendar(timeZone)) ?? Calendar(identifier: .gregorian)
    }

    /// `value` with `places` decimals and grouped thousands.
    public func number(_ value: Double, places: Int = 0) -> String {
        let fixed = String(format: "%.\(places)f", abs(value))
        let parts = fixed.split(separator: ".", omittingEmptySubsequences: false)
        var whole = String(parts[0])
        var grouped = ""
        while whole.count > 3 {
            grouped = (language == .ptBR ? "." : ",") + whole.suffix(3) + grouped
            whole.removeLast(3)
        }
        grouped = whole + grouped
        if parts.count > 1 { grouped += (language == .ptBR ? "," : ".") + parts[1] }
        return (value < 0 && fixed.contains(where: { $0 != "0" && $0 != "." }) ? "-" : "") + grouped
    }

    /// `99,950 %`.
    public func percent(_ value: Double) -> String { number(value, places: 3) + " %" }

    /// Bits per second scaled: `950 bit/s`, `12,5 Mbit/s`.
    public func bits(_ value: Double) -> String { scaled(value, units: ["bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s"]) }

    /// Bytes scaled: `1,5 GB` (powers of 1000).
    public func bytes(_ value: Double) -> String { scaled(value, units: ["B", "kB", "MB", "GB", "TB", "PB"]) }

    func scaled(_ value: Double, units: [String]) -> String {
        var value = value, index = 0
        while abs(value) >= 1000 && index < units.count - 1 { value /= 1000; index += 1 }
        return number(value, places: index == 0 ? 0 : (abs(value) >= 100 ? 0 : abs(value) >= 10 ? 1 : 2)) + " " + units[index]
    }

    /// `2h 05m`, `3d 4h`, `45s`.
    public func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let days = total / 86_400, hours = total % 86_400 / 3600, minutes = total % 3600 / 60, secs = total % 60
        if days > 0 { return "\(days)d \(hours)h" }
        if hours > 0 { return String(format: "%dh %02dm", hours, minutes) }
        if minutes > 0 { return String(format: "%dm %02ds", minutes, secs) }
        return "\(secs)s"
    }

    /// Local date and time: `01/11/2026 00:00` or `2026-11-01 00:00`.
    public func dateTime(_ date: Date) -> String {
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        if language == .ptBR {
            return String(format: "%02d/%02d/%04d %02d:%02d", c.day ?? 0, c.month ?? 0, c.year ?? 0, c.hour ?? 0, c.minute ?? 0)
        }
        return String(format: "%04d-%02d-%02d %02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
    }

    /// Local date: `01/11/2026` or `2026-11-01`.
    public func date(_ date: Date) -> String { String(dateTime(date).prefix(10)) }

    /// A cell as text.
    public func cell(_ cell: ReportCell, _ kind: ColumnKind) -> String {
        switch cell {
        case .empty: return "—"
        case .text(let text): return text
        case .date(let date): return dateTime(date)
        case .number(let value):
            switch kind {
            case .text, .integer, .dateTime: return number(value)
            case .decimal(let places): return number(value, places: places)
            case .percent: return percent(value)
            case .bitsPerSecond: return bits(value)
            case .bytes: return bytes(value)
            case .duration: return duration(value)
            }
        }
    }

    /// The period as local dates: `01/11/2026 – 30/11/2026`.
    public func period(_ period: ReportPeriod) -> String {
        "\(date(period.from)) – \(date(period.to.addingTimeInterval(-1)))"
    }
}
