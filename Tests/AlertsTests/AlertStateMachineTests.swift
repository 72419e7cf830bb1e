import Alerts
import Foundation
import Testing

/// The alert life as a value with an injected clock: pending for `for`, hysteresis, keep-firing, no-data.
@Suite struct AlertStateMachineTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// Feeds `values` one per minute through a CPU > 90 (clear below 80) threshold.
    func run(_ values: [Double?], for forSeconds: TimeInterval = 120, keep: TimeInterval = 0) -> ([AlertStateMachine.Transition?], AlertStateMachine) {
        let threshold = AlertCondition.Threshold(metric: "cpu", aggregation: .avg, windowSeconds: 300, op: .greater, value: 90, clear: 80)
        var machine = AlertStateMachine(forSeconds: forSeconds, keepFiringForSeconds: keep)
        var transitions: [AlertStateMachine.Transition?] = []
        for (minute, value) in values.enumerated() {
            let observation = value.map(threshold.observe) ?? .noData
            transitions.append(machine.observe(observation, at: Self.t0.addingTimeInterval(Double(minute) * 60)))
        }
        return (transitions, machine)
    }

    @Test func firesAfterForAndResolvesOnceBelowTheClearingThreshold() {
        let (transitions, machine) = run([95, 96, 97, 85, 79])
        #expect(transitions == [.pending, nil, .firing, nil, .resolved])
        #expect(machine.state == .resolved)
    }

    @Test func aValueHoveringAtTheThresholdNotifiesOnce() {
        // 91, 89, 91, 89 …: above the firing threshold, then between the two thresholds.
        let (transitions, machine) = run([91, 89, 91, 89, 91, 89, 91, 89], for: 0)
        #expect(transitions.compactMap { $0 } == [.firing])
        #expect(machine.state == .firing)
    }

    @Test func aShortSpikeNeverFires() {
        let (transitions, machine) = run([95, 70, 95, 70], for: 120)
        #expect(transitions == [.pending, .cancelled, .pending, .cancelled])
        #expect(machine.firedAt == nil)
    }

    @Test func keepFiringForBridgesAFlap() {
        let (transitions, _) = run([95, 70, 95, 70, 70, 70], for: 0, keep: 120)
        #expect(transitions == [.firing, .resolving, .refiring, .resolving, nil, .resolved])
    }

    @Test func noDataIsItsOwnStateNeverDownNorOk() {
        let (transitions, machine) = run([95, nil, nil, nil], for: 120)
        #expect(transitions == [.pending, nil, nil, nil], "no data neither fires nor clears")
        #expect(machine.state == .pending && machine.noData)
        let (firing, fired) = run([95, 95, 95, nil, nil], for: 60)
        #expect(firing.compactMap { $0 } == [.pending, .firing])
        #expect(fired.state == .firing && fired.noData)
    }

    @Test(arguments: [
        (AlertCondition.Comparison.less, -27.0, -26.0, -28.0, Observation.breach(-28.0)),
        (.less, -27.0, -26.0, -26.5, .hold(-26.5)),
        (.less, -27.0, -26.0, -25.0, .clear(-25.0)),
        (.greater, 90.0, 80.0, 85.0, .hold(85.0)),
        (.greaterOrEqual, 90.0, 90.0, 90.0, .breach(90.0)),
    ])
    func thresholdsHaveHysteresis(_ op: AlertCondition.Comparison, _ value: Double, _ clear: Double, _ sample: Double, _ expected: Observation) {
        let threshold = AlertCondition.Threshold(metric: "x", aggregation: .last, windowSeconds: 300, op: op, value: value, clear: clear)
        #expect(threshold.observe(sample) == expected)
    }

    @Test func conditionsRefuseWhatCannotBeEvaluated() throws {
        #expect(throws: (any Error).self) {
            try AlertCondition.threshold(.init(metric: "cpu", aggregation: .avg, windowSeconds: 300, op: .greater, value: 90, clear: 95)).validate()
        }
        #expect(throws: (any Error).self) { try AlertCondition.noData(metric: "cpu", windowSeconds: 10).validate() }
        #expect(throws: (any Error).self) { try AlertCondition.change(metric: "x", windowSeconds: 600, delta: 0).validate() }
        try AlertCondition.change(metric: "opticalRxPower", windowSeconds: 600, delta: -3).validate()
    }

    @Test func suppressionFindsTheTopmostDownAncestor() {
        let uplink = UUID(), olt = UUID(), onu = UUID(), other = UUID(), loose = UUID()
        let parents = Suppression.parents(devices: [(uplink, nil, uplink), (olt, nil, uplink), (onu, olt, uplink), (other, nil, uplink), (loose, nil, nil)])
        #expect(parents == [olt: uplink, onu: olt, other: uplink])
        #expect(Suppression.roots(parents: parents, down: [olt]) == [onu: olt])
        #expect(Suppression.roots(parents: parents, down: [olt, uplink]) == [onu: uplink, olt: uplink, other: uplink])
        // A cycle stops the walk.
        #expect(Suppression.roots(parents: [olt: onu, onu: olt], down: [onu]) == [olt: onu])
    }

    @Test func maintenanceWindowsRecur() {
        let start = Self.t0
        let weekly = MaintenanceWindow(id: UUID(), name: "w", scope: .provider, scopeId: nil, startsAt: start, endsAt: start.addingTimeInterval(3_600),
                                       recurrence: .weekly, until: start.addingTimeInterval(14 * 86_400), reason: nil, createdBy: "t", createdAt: start)
        #expect(weekly.isOpen(at: start.addingTimeInterval(60)))
        #expect(!weekly.isOpen(at: start.addingTimeInterval(3_601)))
        #expect(weekly.isOpen(at: start.addingTimeInterval(7 * 86_400 + 1_800)))
        #expect(!weekly.isOpen(at: start.addingTimeInterval(21 * 86_400 + 60)), "after until")
        #expect(!weekly.isOpen(at: start.addingTimeInterval(-60)))
    }

    @Test func silencesMatchLabelsWithSuffixWildcards() {
        let silence = Silence(id: UUID(), matchers: ["rule": "CPU*", "pop_id": "p1"], startsAt: Self.t0, endsAt: Self.t0.addingTimeInterval(600),
                              reason: "r", createdBy: "t", createdAt: Self.t0)
        #expect(silence.mutes(["rule": "CPU above 90%", "pop_id": "p1"], at: Self.t0.addingTimeInterval(1)))
        #expect(!silence.mutes(["rule": "CPU above 90%", "pop_id": "p2"], at: Self.t0.addingTimeInterval(1)))
        #expect(!silence.mutes(["rule": "CPU above 90%", "pop_id": "p1"], at: Self.t0.addingTimeInterval(601)))
    }
}
