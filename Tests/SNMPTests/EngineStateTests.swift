import Testing
@testable import SNMP

@Suite("USM engine discovery and time synchronization")
struct EngineStateTests {
    let engineID: [UInt8] = [0x80, 0x00, 0x1F, 0x88, 0x04, 0x01, 0x02]
    let start = ContinuousClock.now

    func report(_ oid: OID, engineID: [UInt8], boots: Int32, time: Int32, authenticated: Bool)
        -> USMEngineState.Incoming {
        .init(pduType: .report, firstOID: oid, engineID: engineID, boots: boots, time: time,
              authenticated: authenticated)
    }

    @Test func discoveryThenSend() {
        var state = USMEngineState()
        #expect(state.start() == .discover)
        let action = state.receive(report(USMEngineState.ReportOID.unknownEngineIDs, engineID: engineID, boots: 4,
                                          time: 500, authenticated: false), now: start)
        #expect(action == .send)
        #expect(state.engineID == engineID)
        #expect(state.start() == .send)
        let later = state.outgoing(now: start.advanced(by: .seconds(30)))
        #expect(later == .init(engineID: engineID, boots: 4, time: 530))
    }

    @Test func discoveryWithoutClockThenTimeWindowResync() {
        var state = USMEngineState()
        _ = state.receive(report(USMEngineState.ReportOID.unknownEngineIDs, engineID: engineID, boots: 0, time: 0,
                                 authenticated: false), now: start)
        #expect(!state.isSynchronized)
        #expect(state.outgoing(now: start) == .init(engineID: engineID, boots: 0, time: 0))
        let action = state.receive(report(USMEngineState.ReportOID.notInTimeWindows, engineID: engineID, boots: 9,
                                          time: 7000, authenticated: true), now: start.advanced(by: .seconds(1)))
        #expect(action == .send)
        #expect(state.outgoing(now: start.advanced(by: .seconds(11))) == .init(engineID: engineID, boots: 9, time: 7010))
    }

    @Test func resyncAfterAgentReboot() {
        var state = USMEngineState(engineID: engineID)
        _ = state.receive(.init(pduType: .response, firstOID: .sysName, engineID: engineID, boots: 1, time: 100,
                                authenticated: true), now: start)
        // The agent rebooted: an authenticated notInTimeWindow report carries the new clock.
        let action = state.receive(report(USMEngineState.ReportOID.notInTimeWindows, engineID: engineID, boots: 2,
                                          time: 3, authenticated: true), now: start.advanced(by: .seconds(60)))
        #expect(action == .send)
        #expect(state.outgoing(now: start.advanced(by: .seconds(60))) == .init(engineID: engineID, boots: 2, time: 3))
    }

    @Test func unauthenticatedTimeWindowReportIsRejectedOnceSynchronized() {
        var state = USMEngineState(engineID: engineID)
        _ = state.receive(.init(pduType: .response, firstOID: .sysName, engineID: engineID, boots: 1, time: 100,
                                authenticated: true), now: start)
        let action = state.receive(report(USMEngineState.ReportOID.notInTimeWindows, engineID: engineID, boots: 0,
                                          time: 0, authenticated: false), now: start)
        #expect(action == .fail(SNMPError(.notInTimeWindow, "unauthenticated time-window report")))
    }

    @Test func responsesAdvanceTheClockButStaleOnesFail() {
        var state = USMEngineState(engineID: engineID)
        #expect(state.receive(.init(pduType: .response, firstOID: nil, engineID: engineID, boots: 3, time: 1000,
                                    authenticated: true), now: start) == .deliver)
        #expect(state.receive(.init(pduType: .response, firstOID: nil, engineID: engineID, boots: 3, time: 1200,
                                    authenticated: true), now: start.advanced(by: .seconds(10))) == .deliver)
        #expect(state.outgoing(now: start.advanced(by: .seconds(10))).time == 1200)
        let stale = state.receive(.init(pduType: .response, firstOID: nil, engineID: engineID, boots: 3, time: 900,
                                        authenticated: true), now: start.advanced(by: .seconds(10)))
        guard case .fail(let error) = stale else {
            Issue.record("expected a failure, got \(stale)")
            return
        }
        #expect(error.code == .notInTimeWindow)
        let older = state.receive(.init(pduType: .response, firstOID: nil, engineID: engineID, boots: 2, time: 5000,
                                        authenticated: true), now: start.advanced(by: .seconds(10)))
        #expect(older != .deliver)
    }

    @Test(arguments: [
        (USMEngineState.ReportOID.unknownUserNames, SNMPError.Code.unknownUser),
        (USMEngineState.ReportOID.wrongDigests, .authenticationFailure),
        (USMEngineState.ReportOID.decryptionErrors, .decryptionError),
        (USMEngineState.ReportOID.unsupportedSecLevels, .unsupportedSecurityLevel),
        (OID([1, 3, 6, 1, 6, 3, 11, 2, 1, 3, 0]), .report),
    ])
    func reportsBecomeErrors(oid: OID, code: SNMPError.Code) {
        var state = USMEngineState(engineID: engineID)
        let action = state.receive(report(oid, engineID: engineID, boots: 1, time: 1, authenticated: false), now: start)
        guard case .fail(let error) = action else {
            Issue.record("expected a failure, got \(action)")
            return
        }
        #expect(error.code == code)
    }

    @Test func responseFromAnotherEngineIsRejected() {
        var state = USMEngineState(engineID: engineID)
        let action = state.receive(.init(pduType: .response, firstOID: nil, engineID: [1, 2, 3, 4, 5], boots: 1,
                                         time: 1, authenticated: true), now: start)
        #expect(action != .deliver)
    }
}
