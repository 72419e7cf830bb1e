import Foundation
import OctoCore

/// When a schedule fires, in the provider's time zone: daily at 06:00, weekly on Mondays at 06:00,
/// monthly on the 1st at 06:00, or a five-field cron expression (`minute hour day month weekday`,
/// with `*`, lists, ranges and steps; weekday 0 or 7 is Sunday; when both day and weekday are
/// restricted, either matches, as in cron).
public enum ReportCadence: Sendable, Hashable {
    case daily, weekly, monthly
    case cron(CronExpression)

    /// From the stored `cadence` and `cron` columns; 400 naming the field.
    public init(cadence: String, cron: String?) throws(OctoError) {
        switch cadence {
        case "daily": self = .daily
        case "weekly": self = .weekly
        case "monthly": self = .monthly
        case "cron":
            guard let cron else { throw .invalid("cron", "cron is required for cadence cron") }
            self = .cron(try CronExpression(cron))
        default: throw .invalid("cadence", "cadence must be daily, weekly, monthly or cron")
        }
    }

    /// The first firing strictly after `date` in `timeZone`.
    public func next(after date: Date, timeZone: String) throws(OctoError) -> Date {
        let calendar = try ReportPeriod.calendar(timeZone)
        let expression: CronExpression
        switch self {
        case .daily: expression = try CronExpression("0 6 * * *")
        case .weekly: expression = try CronExpression("0 6 * * 1")
        case .monthly: expression = try CronExpression("0 6 1 * *")
        case .cron(let cron): expression = cron
        }
        guard let next = expression.next(after: date, calendar: calendar) else { throw .invalid("cron", "the cron expression never fires") }
        return next
    }
}

/// A five-field cron expression.
public struct CronExpression: Sendable, Hashable {
    /// Allowed minutes, hours, days of month, months and weekdays (0 = Sunday).
    let minutes: Set<Int>, hours: Set<Int>, days: Set<Int>, months: Set<Int>, weekdays: Set<Int>
    let dayRestricted: Bool, weekdayRestricted: Bool
    /// The text.
    public let text: String

    /// Parses `text`; 400 naming `cron`.
    public init(_ text: String) throws(OctoError) {
        let fields = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard fields.count == 5 else { throw .invalid("cron", "cron needs five fields: minute hour day month weekday") }
        minutes = try Self.field(fields[0], 0...59)
        hours = try Self.field(fields[1], 0...23)
        days = try Self.field(fields[2], 1...31)
        months = try Self.field(fields[3], 1...12)
        weekdays = Set(try Self.field(fields[4], 0...7).map { $0 % 7 })
        dayRestricted = fields[2] != "*"
        weekdayRestricted = fields[4] != "*"
        self.text = fields.joined(separator: " ")
    }

    static func field(_ text: String, _ range: ClosedRange<Int>) throws(OctoError) -> Set<Int> {
        var values = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw .invalid("cron", "bad cron field \(text)") }
            var step = 1
            if pieces.count == 2 {
                guard let value = Int(pieces[1]), value > 0 else { throw .invalid("cron", "bad cron step in \(text)") }
                step = value
            }
            let span: ClosedRange<Int>
            if pieces[0] == "*" {
                span = range
            } else if let dash = pieces[0].firstIndex(of: "-") {
                guard let low = Int(pieces[0][..<dash]), let high = Int(pieces[0][pieces[0].index(after: dash)...]), low <= high,
                      range.contains(low), range.contains(high) else { throw .invalid("cron", "bad cron range in \(text)") }
                span = low...high
            } else {
                guard let value = Int(pieces[0]), range.contains(value) else { throw .invalid("cron", "cron value out of range in \(text)") }
                span = value...(pieces.count == 2 ? range.upperBound : value)
            }
            values.formUnion(stride(from: span.lowerBound, through: span.upperBound, by: step))
        }
        return values
    }

    /// The first matching minute strictly after `date`, searched minute by minute over local
    /// calendar fields for up to four years; `nil` when none (e.g. 31 February).
    public func next(after date: Date, calendar: Calendar) -> Date? {
        guard var candidate = calendar.date(bySetting: .second, value: 0, of: date.addingTimeInterval(60)) else { return nil }
        if candidate <= date { candidate = candidate.addingTimeInterval(60) }
        candidate = Date(timeIntervalSince1970: (candidate.timeIntervalSince1970 / 60).rounded(.down) * 60)
        if candidate <= date { candidate = candidate.addingTimeInterval(60) }
        let limit = date.addingTimeInterval(4 * 366 * 86_400)
        while candidate < limit {
            let c = calendar.dateComponents([.month, .day, .weekday, .hour, .minute], from: candidate)
            guard let month = c.month, let day = c.day, let weekday = c.weekday, let hour = c.hour, let minute = c.minute else { return nil }
            if !months.contains(month) {
                candidate = calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: candidate)) ?? limit
                continue
            }
            let dayMatches: Bool
            let dom = days.contains(day), dow = weekdays.contains(weekday - 1)
            if dayRestricted && weekdayRestricted { dayMatches = dom || dow } else { dayMatches = dom && dow }
            if !dayMatches {
                candidate = calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: candidate)) ?? limit
                continue
            }
            if !hours.contains(hour) {
                candidate = candidate.addingTimeInterval(Double(60 - minute) * 60)
                continue
            }
            if minutes.contains(minute) { return candidate }
            candidate = candidate.addingTimeInterval(60)
        }
        return nil
    }
}
