import Foundation
import OctoCore

/// A report's period: whole days, weeks or months of the provider's clock, or any span between two
/// local midnights. `[from, to)` in UTC; a day in São Paulo starts at 03:00 UTC.
public struct ReportPeriod: Sendable, Hashable, Codable {
    /// Start, inclusive.
    public var from: Date
    /// End, exclusive.
    public var to: Date
    /// The IANA time zone the edges were computed in.
    public var timeZone: String

    /// Creates a period from explicit instants.
    public init(from: Date, to: Date, timeZone: String) throws(OctoError) {
        guard to > from else { throw .invalid("to", "to must be after from") }
        guard TimeZone(identifier: timeZone) != nil else { throw .invalid("time_zone", "unknown time zone \(timeZone)") }
        self.from = from
        self.to = to
        self.timeZone = timeZone
    }

    /// The provider's calendar (Gregorian, Monday first).
    public static func calendar(_ timeZone: String) throws(OctoError) -> Calendar {
        guard let zone = TimeZone(identifier: timeZone) else { throw .invalid("time_zone", "unknown time zone \(timeZone)") }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        calendar.firstWeekday = 2
        return calendar
    }

    /// The local days `first` … `last` (inclusive), `yyyy-MM-dd`, from midnight to midnight.
    public static func days(_ first: String, through last: String, timeZone: String) throws(OctoError) -> ReportPeriod {
        let calendar = try calendar(timeZone)
        let start = try midnight(first, field: "from", calendar: calendar)
        let endDay = try midnight(last, field: "to", calendar: calendar)
        guard let end = calendar.date(byAdding: .day, value: 1, to: endDay) else { throw .invalid("to", "bad date") }
        return try ReportPeriod(from: start, to: end, timeZone: timeZone)
    }

    /// The local calendar month `year`-`month`.
    public static func month(_ year: Int, _ month: Int, timeZone: String) throws(OctoError) -> ReportPeriod {
        guard (1...12).contains(month), (2000...2200).contains(year) else { throw .invalid("month", "no such month \(year)-\(month)") }
        let calendar = try calendar(timeZone)
        guard let start = calendar.date(from: DateComponents(year: year, month: month, day: 1)),
              let end = calendar.date(byAdding: .month, value: 1, to: start) else { throw .invalid("month", "bad month") }
        return try ReportPeriod(from: start, to: end, timeZone: timeZone)
    }

    /// The last complete day, week (Monday to Sunday) or month before `now`, in `timeZone`.
    public static func previous(_ unit: Unit, before now: Date, timeZone: String) throws(OctoError) -> ReportPeriod {
        let calendar = try calendar(timeZone)
        let component: Calendar.Component = switch unit { case .day: .day; case .week: .weekOfYear; case .month: .month }
        guard let current = calendar.dateInterval(of: component, for: now),
              let start = calendar.date(byAdding: component, value: -1, to: current.start) else {
            throw .invalid("period", "cannot compute the previous \(unit.rawValue)")
        }
        return try ReportPeriod(from: start, to: current.start, timeZone: timeZone)
    }

    /// Calendar units of scheduled reports.
    public enum Unit: String, Sendable, Codable { case day, week, month }

    /// Seconds in the period (a São Paulo day is always 86 400 s; DST ended there in 2019).
    public var seconds: TimeInterval { to.timeIntervalSince(from) }

    /// `from` … last day, as local dates (`2026-11-01 – 2026-11-30`).
    public func localLabel() -> String {
        guard let calendar = try? Self.calendar(timeZone) else { return "" }
        let last = to.addingTimeInterval(-1)
        return "\(Self.localDate(from, calendar)) – \(Self.localDate(last, calendar))"
    }

    /// `yyyy-MM-dd` of `date` in `calendar`.
    public static func localDate(_ date: Date, _ calendar: Calendar) -> String {
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }

    /// `yyyy-MM-dd HH:mm` of `date` in `calendar`.
    public static func localDateTime(_ date: Date, _ calendar: Calendar) -> String {
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
    }

    private static func midnight(_ text: String, field: String, calendar: Calendar) throws(OctoError) -> Date {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, text.count == 10, (2000...2200).contains(parts[0]), (1...12).contains(parts[1]), (1...31).contains(parts[2]),
              let date = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])),
              calendar.component(.day, from: date) == parts[2] else {
            throw .invalid(field, "\(field) must be a date yyyy-mm-dd")
        }
        return date
    }
}
