import CWMP
import Foundation
import Testing

@Suite struct SessionTests {
    let start = Date(timeIntervalSince1970: 1_750_000_000)
    let inform = Inform(device: DeviceIdentity(manufacturer: "M", oui: "ABCDEF", productClass: "P", serialNumber: "S1"),
                        events: [InformEvent(code: "1 BOOT")],
                        parameters: [ParameterValue(name: "Device.DeviceInfo.SoftwareVersion", value: "1")])

    func informed(_ configuration: CWMPSession.Configuration = .init(), version: CWMPVersion = .v1_2) -> CWMPSession {
        var session = CWMPSession(configuration: configuration, start: start)
        let action = session.receive(.message(Envelope(version: version, id: "1", message: .inform(inform)), at: start))
        #expect(action == .send(Envelope(version: version, id: "1", message: .informResponse(maxEnvelopes: 1)), effects: [.informed(inform)]))
        return session
    }

    @Test func informThenEmptyPostFinishes() {
        var session = informed()
        #expect(session.state == .cpeTurn)
        #expect(session.receive(.emptyPost(at: start + 1)) == .finish(effects: [.ended(.completed)]))
        #expect(session.isClosed)
        guard case .reject(let error, _) = session.receive(.emptyPost(at: start + 2)) else { Issue.record("accepted after close"); return }
        #expect(error.code == .sessionClosed)
    }

    @Test func firstMessageMustBeInform() {
        var session = CWMPSession(start: start)
        guard case .reject(let error, let effects) = session.receive(.emptyPost(at: start)) else { Issue.record("accepted"); return }
        #expect(error.code == .expectedInform)
        #expect(effects == [.ended(.protocolError)])
        var other = CWMPSession(start: start)
        guard case .reject(let second, _) = other.receive(.message(Envelope(version: .v1_0, id: nil, message: .getRPCMethods), at: start)) else {
            Issue.record("accepted"); return
        }
        #expect(second.code == .expectedInform)
    }

    @Test func answersInTheCPEsVersionAndHandlesTransferComplete() {
        var session = informed(version: .v1_4)
        let done = TransferComplete(commandKey: "fw-1", fault: nil)
        let action = session.receive(.message(Envelope(version: .v1_4, id: "9", message: .transferComplete(done)), at: start + 1))
        #expect(action == .send(Envelope(version: .v1_4, id: "9", message: .transferCompleteResponse),
                                effects: [.transferCompleted(done, autonomous: false)]))
        let methods = session.receive(.message(Envelope(version: .v1_4, id: nil, message: .getRPCMethods), at: start + 2))
        #expect(methods == .send(Envelope(version: .v1_4, id: nil, message: .getRPCMethodsResponse(ACSMessage.supportedMethods)), effects: []))
    }

    @Test func discoveryRunsNamesThenValueBatchesThenQueuedTasks() {
        var session = informed(.init(discoveryBatchSize: 2))
        session.enqueue(PendingRPC(.reboot(commandKey: "r"), purpose: .task("t1")))
        session.enqueueDiscovery(root: "Device.")
        guard case .send(let gpn, _) = session.receive(.emptyPost(at: start + 1)) else { Issue.record("no GPN"); return }
        #expect(gpn.message == .getParameterNames(path: "Device.", nextLevel: false))
        #expect(gpn.version == .v1_2)
        let names = [ParameterInfo(name: "Device.", writable: false), ParameterInfo(name: "Device.A", writable: true),
                     ParameterInfo(name: "Device.B", writable: false), ParameterInfo(name: "Device.C.", writable: true),
                     ParameterInfo(name: "Device.C.D", writable: true)]
        let first = session.receive(.message(Envelope(version: .v1_2, id: gpn.id, message: .getParameterNamesResponse(names)), at: start + 2))
        #expect(first == .send(Envelope(version: .v1_2, id: "acs-2", message: .getParameterValues(["Device.A", "Device.B"])),
                               effects: [.discoveredNames(names)]))
        let values = [ParameterValue(name: "Device.A", value: "1"), ParameterValue(name: "Device.B", value: "")]
        let second = session.receive(.message(Envelope(version: .v1_2, id: "acs-2", message: .getParameterValuesResponse(values)), at: start + 3))
        #expect(second == .send(Envelope(version: .v1_2, id: "acs-3", message: .getParameterValues(["Device.C.D"])),
                                effects: [.discoveredValues(values)]))
        let last = [ParameterValue(name: "Device.C.D", value: "x")]
        let third = session.receive(.message(Envelope(version: .v1_2, id: "acs-3", message: .getParameterValuesResponse(last)), at: start + 4))
        #expect(third == .send(Envelope(version: .v1_2, id: "acs-4", message: .reboot(commandKey: "r")), effects: [.discoveredValues(last)]))
        let reboot = PendingRPC(.reboot(commandKey: "r"), purpose: .task("t1"))
        let end = session.receive(.message(Envelope(version: .v1_2, id: "acs-4", message: .rebootResponse), at: start + 5))
        #expect(end == .finish(effects: [.completed(reboot, .rebootResponse), .ended(.completed)]))
    }

    @Test func cpeFaultIsAValueAndTheSessionGoesOn() {
        var session = informed()
        let set = PendingRPC(.setParameterValues([ParameterValue(name: "Device.X", value: "1")], parameterKey: "k"), purpose: .task("t"))
        let reboot = PendingRPC(.reboot(commandKey: ""), purpose: .task("u"))
        session.enqueue(set)
        session.enqueue(reboot)
        _ = session.receive(.emptyPost(at: start + 1))
        let fault = CWMPFault(code: .notWritable, string: "read-only")
        let action = session.receive(.message(Envelope(version: .v1_2, id: "acs-1", message: .fault(fault)), at: start + 2))
        #expect(action == .send(Envelope(version: .v1_2, id: "acs-2", message: .reboot(commandKey: "")), effects: [.faulted(set, fault)]))
    }

    @Test func mismatchedAnswerIsRejected() {
        var session = informed()
        let rpc = PendingRPC(.getParameterValues(["Device.X"]), purpose: .task("t"))
        session.enqueue(rpc)
        _ = session.receive(.emptyPost(at: start + 1))
        guard case .reject(let error, let effects) = session.receive(.message(Envelope(version: .v1_2, id: nil, message: .rebootResponse), at: start + 2)) else {
            Issue.record("accepted"); return
        }
        #expect(error.code == .unexpectedResponse)
        #expect(effects == [.abandoned(rpc), .ended(.protocolError)])
    }

    @Test func secondInformIsRejected() {
        var session = informed()
        guard case .reject(let error, _) = session.receive(.message(Envelope(version: .v1_2, id: nil, message: .inform(inform)), at: start + 1)) else {
            Issue.record("accepted"); return
        }
        #expect(error.code == .unexpectedInform)
    }

    @Test func idleTimeoutAbandonsTheOutstandingRPC() {
        var session = informed(.init(idleTimeout: 30))
        let rpc = PendingRPC(.reboot(commandKey: "r"), purpose: .task("t"))
        session.enqueue(rpc)
        _ = session.receive(.emptyPost(at: start + 10))
        #expect(session.receive(.tick(start + 39)) == .none(effects: []))
        #expect(!session.isClosed)
        #expect(session.receive(.tick(start + 41)) == .none(effects: [.abandoned(rpc), .ended(.idleTimeout)]))
        #expect(session.state == .closed(.idleTimeout))
    }

    @Test func lateRequestAfterIdleTimeoutIsRejected() {
        var session = informed(.init(idleTimeout: 30))
        guard case .reject(let error, let effects) = session.receive(.emptyPost(at: start + 31)) else { Issue.record("accepted"); return }
        #expect(error.code == .sessionClosed)
        #expect(effects == [.ended(.idleTimeout)])
    }

    @Test func emptyPostInsteadOfAnswerAbandonsAndMovesOn() {
        var session = informed()
        let rpc = PendingRPC(.reboot(commandKey: "r"), purpose: .task("t"))
        session.enqueue(rpc)
        _ = session.receive(.emptyPost(at: start + 1))
        #expect(session.receive(.emptyPost(at: start + 2)) == .finish(effects: [.abandoned(rpc), .ended(.completed)]))
    }
}

@Suite struct SessionQueueTests {
    @Test func dequeueDropsOnlyTheNamedPurposeAndTheSessionMovesOn() {
        let start = Date(timeIntervalSince1970: 1_750_000_000)
        let inform = Inform(device: DeviceIdentity(manufacturer: "M", oui: "ABCDEF", productClass: "P", serialNumber: "S1"),
                            events: [InformEvent(code: "2 PERIODIC")])
        var session = CWMPSession(start: start)
        _ = session.receive(.message(Envelope(version: .v1_0, id: "1", message: .inform(inform)), at: start))
        session.enqueue(PendingRPC(.getParameterNames(path: "Device.", nextLevel: false), purpose: .task("a")))
        session.enqueue(PendingRPC(.getParameterValues(["Device."]), purpose: .task("a")))
        session.enqueue(PendingRPC(.reboot(commandKey: "k"), purpose: .task("b")))
        guard case .send(let first, _) = session.receive(.emptyPost(at: start)) else { Issue.record("nothing sent"); return }
        #expect(first.message == .getParameterNames(path: "Device.", nextLevel: false))
        session.dequeue(purpose: .task("a"))
        #expect(session.queue.map(\.purpose) == [.task("b")])
        let fault = CPEMessage.fault(CWMPFault(code: .invalidParameterName, string: "Invalid parameter name"))
        guard case .send(let next, let effects) = session.receive(.message(Envelope(version: .v1_0, id: first.id, message: fault), at: start)) else {
            Issue.record("the next task was not sent")
            return
        }
        #expect(next.message == .reboot(commandKey: "k"))
        #expect(effects.count == 1)
    }
}
