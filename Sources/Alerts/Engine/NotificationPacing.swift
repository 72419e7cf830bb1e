import Foundation

/// How a channel paces its notifications, as Alertmanager's route timers do: alerts that share the
/// `groupBy` labels form a group; a new group waits `groupWait` to collect its siblings; a group that
/// changed (an alert joined or resolved) is told again at most every `groupInterval`; a group still
/// firing is reminded every `repeatInterval`. Quiet hours hold what is below `quietHours.minSeverity`
/// until they end.
public struct NotificationPacing: Sendable, Hashable, Codable {
    /// A label alerts are grouped by.
    public enum GroupLabel: String, Sendable, Hashable, Codable, CaseIterable {
        case pop, rule, severity, device
    }

    /// Group by these labels (empty: one group for the whole provider).
    public var groupBy: [GroupLabel]
    /// Before the first notification of a new group.
    public var groupWaitSeconds: Int
    /// Between notifications of a group that changed.
    public var groupIntervalSeconds: Int
    /// Between reminders of a group that still fires and did not change.
    public var repeatIntervalSeconds: Int
    /// Hours in which only severe alerts go out now; the rest waits for the end.
    public var quietHours: QuietHours?

    /// Alertmanager's defaults: 30 s, 5 min, 4 h, grouped by POP and rule.
    public static let standard = NotificationPacing(groupBy: [.pop, .rule], groupWaitSeconds: 30, groupIntervalSeconds: 300,
                                                    repeatIntervalSeconds: 14_400, quietHours: nil)

    /// Creates a pacing.
    public init(groupBy: [GroupLabel], groupWaitSeconds: Int, groupIntervalSeconds: Int, repeatIntervalSeconds: Int, quietHours: QuietHours? = nil) {
        self.groupBy = groupBy
        self.groupWaitSeconds = groupWaitSeconds
        self.groupIntervalSeconds = groupIntervalSeconds
        self.repeatIntervalSeconds = repeatIntervalSeconds
        self.quietHours = quietHours
    }

    private enum CodingKeys: String, CodingKey { case groupBy, groupWaitSeconds, groupIntervalSeconds, repeatIntervalSeconds, quietHours }

    /// Decodes; an absent field takes its ``standard`` value.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let standard = Self.standard
        groupBy = try container.decodeIfPresent([GroupLabel].self, forKey: .groupBy) ?? standard.groupBy
        groupWaitSeconds = try container.decodeIfPresent(Int.self, forKey: .groupWaitSeconds) ?? standard.groupWaitSeconds
        groupIntervalSeconds = try container.decodeIfPresent(Int.self, forKey: .groupIntervalSeconds) ?? standard.groupIntervalSeconds
        repeatIntervalSeconds = try container.decodeIfPresent(Int.self, forKey: .repeatIntervalSeconds) ?? standard.repeatIntervalSeconds
        quietHours = try container.decodeIfPresent(QuietHours.self, forKey: .quietHours)
    }

    /// The field that is out of range, for a 400.
    public func validate() throws(PacingError) {
        guard (0...3_600).contains(groupWaitSeconds) else { throw PacingError(field: "group_wait_seconds", reason: "0 to 3600 seconds") }
        guard (1...86_400).contains(groupIntervalSeconds) else { throw PacingError(field: "group_interval_seconds", reason: "1 to 86400 seconds") }
        guard (60...604_800).contains(repeatIntervalSeconds) else { throw PacingError(field: "repeat_interval_seconds", reason: "60 to 604800 seconds") }
        guard Set(groupBy).count == groupBy.count else { throw PacingError(field: "group_by", reason: "a label appears twice") }
        try quietHours?.validate()
    }

    /// The key of the group `alert` falls in: the group labels' values, in a fixed order.
    public func groupKey(of alert: Alert) -> String {
        groupBy.sorted { $0.rawValue < $1.rawValue }.map { label in
            let value: String = switch label {
            case .pop: alert.popId?.uuidString.lowercased() ?? "-"
            case .rule: alert.ruleId.uuidString.lowercased()
            case .severity: alert.severity.rawValue
            case .device: alert.deviceId?.uuidString.lowercased() ?? "-"
            }
            return "\(label.rawValue)=\(value)"
        }.joined(separator: ",")
    }
}

/// A pacing field out of range.
public struct PacingError: Error, Sendable, Hashable {
    /// The field (snake_case, as the API names it).
    public var field: String
    /// The allowed range.
    public var reason: String
}

/// Hours of the day, in a time zone, in which only alerts of `minSeverity` and above are sent at once.
public struct QuietHours: Sendable, Hashable, Codable {
    /// Start, `HH:MM`.
    public var start: String
    /// End, `HH:MM`; before `start` when the quiet hours cross midnight (22:00–07:00).
    public var end: String
    /// IANA time zone (default America/Sao_Paulo).
    public var timeZone: String
    /// What still goes out during the quiet hours (default critical).
    public var minSeverity: AlertSeverity

    /// Creates quiet hours.
    public init(start: String, end: String, timeZone: String = "America/Sao_Paulo", minSeverity: AlertSeverity = .critical) {
        self.start = start
        self.end = end
        self.timeZone = timeZone
        self.minSeverity = minSeverity
    }

    private enum CodingKeys: String, CodingKey { case start, end, timeZone, minSeverity }

    /// Decodes with the defaults for the optional fields.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        start = try container.decode(String.self, forKey: .start)
        end = try container.decode(String.self, forKey: .end)
        timeZone = try container.decodeIfPresent(String.self, forKey: .timeZone) ?? "America/Sao_Paulo"
        minSeverity = try container.decodeIfPresent(AlertSeverity.self, forKey: .minSeverity) ?? .critical
    }

    static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]),
              (0..<24).contains(hour), (0..<60).contains(minute) else { return nil }
        return hour * 60 + minute
    }

    /// The field that is wrong, for a 400.
    public func validate() throws(PacingError) {
        guard let from = Self.minutes(start) else { throw PacingError(field: "quiet_hours.start", reason: "a time HH:MM") }
        guard let to = Self.minutes(end) else { throw PacingError(field: "quiet_hours.end", reason: "a time HH:MM") }
        guard from != to else { throw PacingError(field: "quiet_hours.end", reason: "a time other than the start") }
        guard TimeZone(identifier: timeZone) != nil else { throw PacingError(field: "quiet_hours.time_zone", reason: "an IANA time zone") }
    }

    /// When the quiet hours that contain `date` end; nil when `date` is outside them.
    public func end(containing date: Date) -> Date? {
        guard let from = Self.minutes(start), let to = Self.minutes(end), let zone = TimeZone(identifier: timeZone) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        let now = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        let inside = from < to ? (now >= from && now < to) : (now >= from || now < to)
        guard inside else { return nil }
        let day = calendar.startOfDay(for: date)
        // The end is today at `to`, or tomorrow when the window crosses midnight and we are before it.
        let endsToday = from < to || now < to
        let base = endsToday ? day : calendar.date(byAdding: .day, value: 1, to: day) ?? day
        return calendar.date(bySettingHour: to / 60, minute: to % 60, second: 0, of: base)
    }
}

/// What a channel last told about one group of alerts.
public struct NotificationGroupState: Sendable, Hashable {
    /// When an alert of the group was first handed to the channel (the group-wait clock).
    public var firstSeenAt: Date
    /// When the channel last sent a notification of the group.
    public var lastSentAt: Date?
    /// The alerts that notification said were firing.
    public var notifiedFiring: Set<UUID>

    /// Creates a state.
    public init(firstSeenAt: Date, lastSentAt: Date? = nil, notifiedFiring: Set<UUID> = []) {
        self.firstSeenAt = firstSeenAt
        self.lastSentAt = lastSentAt
        self.notifiedFiring = notifiedFiring
    }
}

/// The decision for one group at one instant.
public enum PacingDecision: Sendable, Hashable {
    /// Send now: these alerts fire, these resolved since the last notification.
    case send(firing: Set<UUID>, resolved: Set<UUID>, reason: Reason)
    /// Nothing to send before `until`; look again then.
    case wait(until: Date)
    /// Nothing fires and nothing is left to tell: the group can be forgotten.
    case done

    /// Why a notification goes out.
    public enum Reason: String, Sendable, Hashable {
        /// The group's first notification, after the group wait.
        case initial
        /// An alert joined or resolved since the last one.
        case change
        /// Nothing changed; the group still fires after the repeat interval.
        case `repeat`
    }
}

extension NotificationPacing {
    /// Decides, at `now`, for a group whose channel state is `state` and whose alerts that currently
    /// fire (unsuppressed) are `firing` with the highest severity `severity`.
    ///
    /// Alertmanager's rules: the first notification waits `groupWait` from the first alert; a
    /// resolution is only told about alerts that were told firing; a change goes out no sooner than
    /// `groupInterval` after the previous notification; an unchanged, firing group is repeated after
    /// `repeatInterval`. During quiet hours, a group below the quiet hours' severity waits for their end.
    public func decide(state: NotificationGroupState, firing: Set<UUID>, severity: AlertSeverity?, now: Date) -> PacingDecision {
        let resolved = state.notifiedFiring.subtracting(firing)
        let earliest: Date
        let reason: PacingDecision.Reason
        if let last = state.lastSentAt {
            let changed = !firing.subtracting(state.notifiedFiring).isEmpty || !resolved.isEmpty
            if changed {
                earliest = last.addingTimeInterval(TimeInterval(groupIntervalSeconds))
                reason = .change
            } else if !firing.isEmpty {
                earliest = last.addingTimeInterval(TimeInterval(repeatIntervalSeconds))
                reason = .repeat
            } else {
                return .done
            }
        } else {
            // Never told: alerts that fired and cleared within the group wait are not worth a message.
            guard !firing.isEmpty else { return .done }
            earliest = state.firstSeenAt.addingTimeInterval(TimeInterval(groupWaitSeconds))
            reason = .initial
        }
        if now < earliest { return .wait(until: earliest) }
        if let quiet = quietHours, (severity ?? .info) < quiet.minSeverity, let end = quiet.end(containing: now) {
            return .wait(until: end)
        }
        return .send(firing: firing, resolved: resolved, reason: reason)
    }
}
