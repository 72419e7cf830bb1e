@testable import Alerts
import Foundation
import Testing

/// Grouping timers as values with an injected clock: group wait, group interval, repeat interval and
/// quiet hours, as Alertmanager defines the first three.
@Suite struct NotificationPacingTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15 08:00 UTC, 05:00 in São Paulo
    static let pacing = NotificationPacing(groupBy: [.pop, .rule], groupWaitSeconds: 30, groupIntervalSeconds: 300, repeatIntervalSeconds: 3_600)
    let a = UUID(), b = UUID(), c = UUID()

    func at(_ seconds: TimeInterval) -> Date { Self.t0.addingTimeInterval(seconds) }

    @Test func aNewGroupWaitsForItsSiblingsThenSendsThemTogether() {
        let state = NotificationGroupState(firstSeenAt: Self.t0)
        #expect(Self.pacing.decide(state: state, firing: [a], severity: .warning, now: at(10)) == .wait(until: at(30)))
        #expect(Self.pacing.decide(state: state, firing: [a, b], severity: .warning, now: at(30)) == .send(firing: [a, b], resolved: [], reason: .initial))
    }

    @Test func anAlertThatClearsWithinTheGroupWaitIsNeverTold() {
        let state = NotificationGroupState(firstSeenAt: Self.t0)
        #expect(Self.pacing.decide(state: state, firing: [], severity: nil, now: at(30)) == .done)
    }

    /// A table of instants after a notification at t0 + 30 s that told `a` firing.
    @Test(arguments: [
        // (seconds after t0, firing now, expected)
        (60.0, "a", "wait 3630"),        // nothing changed: the reminder after the repeat interval
        (60.0, "ab", "wait 330"),        // b joined: no sooner than the group interval after the last one
        (330.0, "ab", "send change +b -"),
        (330.0, "", "send change + a"),  // a resolved: told once, at the group interval
        (3_630.0, "a", "send repeat +a -"),
        (120.0, "b", "wait 330"),        // a resolved and b fired: one change
        (330.0, "b", "send change +b a"),
    ])
    func afterTheFirstNotification(seconds: Double, firingNow: String, expected: String) {
        let state = NotificationGroupState(firstSeenAt: Self.t0, lastSentAt: at(30), notifiedFiring: [a])
        let ids: [Character: UUID] = ["a": a, "b": b, "c": c]
        let firing = Set(firingNow.compactMap { ids[$0] })
        let decision = Self.pacing.decide(state: state, firing: firing, severity: .warning, now: at(seconds))
        #expect(describe(decision, ids) == expected)
    }

    func describe(_ decision: PacingDecision, _ ids: [Character: UUID]) -> String {
        func names(_ set: Set<UUID>) -> String { String(ids.filter { set.contains($0.value) }.keys.sorted()) }
        switch decision {
        case .done: return "done"
        case .wait(let until): return "wait \(Int(until.timeIntervalSince(Self.t0)))"
        case .send(let firing, let resolved, let reason):
            let added = firing.subtracting([a])
            return "send \(reason.rawValue) +\(names(reason == .repeat ? firing : added)) \(resolved.isEmpty ? "-" : names(resolved))"
        }
    }

    @Test func aGroupWhoseAlertsAllResolvedAndWereToldIsDone() {
        let state = NotificationGroupState(firstSeenAt: Self.t0, lastSentAt: at(330), notifiedFiring: [])
        #expect(Self.pacing.decide(state: state, firing: [], severity: nil, now: at(4_000)) == .done)
    }

    @Test func aFlappingAlertIsToldAtMostOncePerGroupInterval() {
        // The alert resolves and fires again every minute for an hour; the channel hears of it at most
        // once per group interval (300 s), whatever the flapping.
        var state = NotificationGroupState(firstSeenAt: Self.t0)
        var sent: [Date] = []
        for minute in 0..<60 {
            let now = at(Double(minute) * 60 + 30)
            let firing: Set<UUID> = minute.isMultiple(of: 2) ? [a] : []
            if case .send(let told, _, _) = Self.pacing.decide(state: state, firing: firing, severity: .warning, now: now) {
                sent.append(now)
                state.lastSentAt = now
                state.notifiedFiring = told
            }
        }
        #expect(sent.count >= 2 && sent.count <= 13, "\(sent.count)")
        #expect(zip(sent, sent.dropFirst()).allSatisfy { $1.timeIntervalSince($0) >= 300 })
    }

    @Test func groupKeysFollowTheChosenLabels() {
        let pop = UUID(), rule = UUID()
        let alert = Alert(id: a, ruleId: rule, fingerprint: "f", deviceId: UUID(), popId: pop, target: "device", labels: [:], severity: .critical,
                          state: .firing, summary: "x", noData: false, startedAt: Self.t0, evaluatedAt: Self.t0, affected: 0)
        #expect(Self.pacing.groupKey(of: alert) == "pop=\(pop.uuidString.lowercased()),rule=\(rule.uuidString.lowercased())")
        let bySeverity = NotificationPacing(groupBy: [.severity], groupWaitSeconds: 0, groupIntervalSeconds: 1, repeatIntervalSeconds: 60)
        #expect(bySeverity.groupKey(of: alert) == "severity=critical")
        let single = NotificationPacing(groupBy: [], groupWaitSeconds: 0, groupIntervalSeconds: 1, repeatIntervalSeconds: 60)
        #expect(single.groupKey(of: alert) == "")
    }

    @Test func quietHoursHoldWarningsUntilTheyEndButNotCriticals() throws {
        // 22:00–07:00 in São Paulo (UTC−3): t0 is 05:00 there, so the hours end at 10:00 UTC.
        var pacing = Self.pacing
        pacing.quietHours = QuietHours(start: "22:00", end: "07:00")
        let state = NotificationGroupState(firstSeenAt: Self.t0)
        #expect(pacing.decide(state: state, firing: [a], severity: .warning, now: at(30)) == .wait(until: at(7_200)))
        #expect(pacing.decide(state: state, firing: [a], severity: .critical, now: at(30)) == .send(firing: [a], resolved: [], reason: .initial))
        #expect(pacing.decide(state: state, firing: [a], severity: .warning, now: at(7_200)) == .send(firing: [a], resolved: [], reason: .initial))
        // Outside them (12:00 in São Paulo) nothing waits.
        #expect(pacing.quietHours?.end(containing: at(7 * 3_600)) == nil)
        // A window within one day.
        let lunch = QuietHours(start: "12:00", end: "13:30", timeZone: "UTC", minSeverity: .warning)
        #expect(lunch.end(containing: at(4 * 3_600 + 600)) == at(5 * 3_600 + 1_800))
    }

    @Test(arguments: [
        (#"{"group_wait_seconds": -1}"#, "group_wait_seconds"),
        (#"{"group_interval_seconds": 0}"#, "group_interval_seconds"),
        (#"{"repeat_interval_seconds": 10}"#, "repeat_interval_seconds"),
        (#"{"group_by": ["pop", "pop"]}"#, "group_by"),
        (#"{"quiet_hours": {"start": "25:00", "end": "07:00"}}"#, "quiet_hours.start"),
        (#"{"quiet_hours": {"start": "22:00", "end": "22:00"}}"#, "quiet_hours.end"),
        (#"{"quiet_hours": {"start": "22:00", "end": "07:00", "time_zone": "Mars/Olympus"}}"#, "quiet_hours.time_zone"),
    ])
    func outOfRangeSettingsNameTheirField(json: String, field: String) throws {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let pacing = try decoder.decode(NotificationPacing.self, from: Data(json.utf8))
        #expect(throws: PacingError.self) { try pacing.validate() }
        do { try pacing.validate() } catch { #expect(error.field == field) }
    }

    @Test func absentFieldsTakeTheStandardValues() throws {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let pacing = try decoder.decode(NotificationPacing.self, from: Data(#"{"group_wait_seconds": 5}"#.utf8))
        #expect(pacing.groupWaitSeconds == 5 && pacing.groupIntervalSeconds == 300 && pacing.repeatIntervalSeconds == 14_400 && pacing.groupBy == [.pop, .rule])
        try pacing.validate()
    }
}
