import ACS
import CPESimulator
import CWMP
import Foundation
import OctoCore
import OctoStore
import OctoTestSupport
import PostgresNIO
import Testing

/// A device task whose session dies after the CPE ran it but before its answer was stored is not run a
/// second time: the CPE's next Inform shows its ParameterKey (or an M event with its CommandKey) and the
/// requeued task is recorded done from it. The ACS, a simulated CPE and PostgreSQL are real; the dead
/// process is a session left open with its lease run out, as after a `kill -9`. No job worker runs:
/// the tasks' connection-request jobs, retried on the test's clock, would record their outcome on the
/// task rows just as a sweep looks at them, and a sweep leaves a row another transaction holds for the
/// next sweep.
@Suite(.serialized) struct TaskOnceTests {
    static let interval = "InternetGatewayDevice.ManagementServer.PeriodicInformInterval"

    /// A CPE and its runner, registered (first session with discovery).
    static func registered(_ harness: TaskHarness, index: Int = 0) async throws -> (SimulatedCPE, CPESessionRunner, UUID) {
        var cpe = SimulatedCPE(model: try Fixtures.model("device-H199Z.csv"), index: index)
        let runner = CPESessionRunner(acs: harness.acsURL, username: "cpe", password: ACSHarness.password, mode: .basic)
        _ = try await runner.run(&cpe)
        return (cpe, runner, try await harness.deviceID(serial: cpe.model.identity.serialNumber))
    }

    /// Opens a session for `cpe`, takes the ACS's first RPC and, with `apply`, lets the CPE run it, but
    /// never sends the answer: the session stays open in the ACS with its task running. Returns the RPC.
    static func hold(_ cpe: inout SimulatedCPE, _ harness: TaskHarness, apply: Bool) async throws -> ACSMessage {
        cpe.pendingEvents = [InformEvent(code: InformEvent.periodic)]
        let inform = CWMPEncoder().encode(Envelope(version: .v1_0, id: "1", message: CPEMessage.inform(cpe.inform(currentTime: XSD.format(Date())))))
        let opened = try await RawHTTP.post(harness.acsURL, body: inform, authorization: RawHTTP.basic())
        try #require(opened.status == 200, "Inform answered \(opened.status)")
        let cookie = try #require(opened.headers["set-cookie"]?.split(separator: ";").first.map(String.init))
        let request = try await RawHTTP.post(harness.acsURL, body: "", cookie: cookie)
        try #require(request.status == 200, "empty POST answered \(request.status)")
        let message = try CWMPDecoder().decodeACS(Array(request.body.utf8)).message
        cpe.pendingEvents = []
        if apply { _ = cpe.answer(message) }
        return message
    }

    /// The process holding the session is gone: its lease runs out and the sweeper requeues its task.
    static func killHolder(_ harness: TaskHarness) async throws {
        harness.stack.clock.advance(by: ACSConfiguration().session.idleTimeout + 60)
        #expect(await harness.engine.requeueOrphanedTasks() == 1)
    }

    /// A device back in a session as soon as the dead one's lease ran out (a CPE that informs often)
    /// still gets its task back: the live session started after the task, so it is not the one running
    /// it. A task that a live session did start stays running.
    @Test func aTaskOfADeadSessionIsRequeuedWhileTheDeviceIsInANewerSession() async throws {
        try await TaskHarness.with(worker: false) { harness in
            var (cpe, _, device) = try await Self.registered(harness)
            let set = try await harness.queue(#"{"type": "setParameterValues", "parameter_values": [{"name": "\#(Self.interval)", "value": "654", "type": "xsd:unsignedInt"}]}"#, device: device)
            _ = try await Self.hold(&cpe, harness, apply: false)
            #expect(await harness.engine.requeueOrphanedTasks() == 0, "the session running it is live")
            #expect(try await harness.task(set.id, device: device).status == .running)

            // The holder dies; the device opens a new session as soon as its lease ran out, and is in it.
            harness.stack.clock.advance(by: ACSConfiguration().session.idleTimeout + 60)
            cpe.pendingEvents = [InformEvent(code: InformEvent.periodic)]
            let inform = CWMPEncoder().encode(Envelope(version: .v1_0, id: "1", message: CPEMessage.inform(cpe.inform(currentTime: XSD.format(Date())))))
            let opened = try await RawHTTP.post(harness.acsURL, body: inform, authorization: RawHTTP.basic())
            try #require(opened.status == 200, "Inform answered \(opened.status)")
            #expect(await harness.engine.requeueOrphanedTasks() == 1)
            #expect(try await harness.task(set.id, device: device).status == .queued)
        }
    }

    @Test func aChangeTheCPEAppliedBeforeItsSessionDiedIsConfirmedFromTheNextInformNotSentAgain() async throws {
        try await TaskHarness.with(worker: false) { harness in
            var (cpe, runner, device) = try await Self.registered(harness)
            let set = try await harness.queue(#"{"type": "setParameterValues", "parameter_values": [{"name": "\#(Self.interval)", "value": "321", "type": "xsd:unsignedInt"}]}"#, device: device)
            let rpc = try await Self.hold(&cpe, harness, apply: true)
            guard case .setParameterValues(_, let key) = rpc else { Issue.record("first RPC was \(rpc.methodName)"); return }
            #expect(key == set.commandKey && key.count <= 32)
            #expect(cpe.parameterKey == key && cpe.setCounts[Self.interval] == 1)
            #expect(try await harness.task(set.id, device: device).status == .running)

            try await Self.killHolder(harness)
            #expect(try await harness.task(set.id, device: device).status == .queued)
            // A fresh task with the same values, queued after the kill, still runs.
            let fresh = try await harness.queue(#"{"type": "setParameterValues", "parameter_values": [{"name": "\#(Self.interval)", "value": "321", "type": "xsd:unsignedInt"}]}"#, device: device)

            let report = try await runner.run(&cpe)
            #expect(report.rpcs == ["SetParameterValues"], "\(report.rpcs)")
            #expect(cpe.setCounts[Self.interval] == 2, "one set per task: \(cpe.setCounts[Self.interval] ?? 0)")
            #expect(cpe.parameterKey == fresh.commandKey)
            let confirmed = try await harness.task(set.id, device: device)
            #expect(confirmed.status == .done)
            #expect(confirmed.attempts == 2)
            #expect(confirmed.result?["confirmed_from_inform"] == .object(["parameter_key": .string(set.commandKey)]), "\(String(describing: confirmed.result))")
            let ran = try await harness.task(fresh.id, device: device)
            #expect(ran.status == .done && ran.result?["confirmed_from_inform"] == nil)
            // The audit records the confirmation; the parameter cache holds the value the CPE applied.
            let audited = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("""
                    SELECT after::text FROM audit_log WHERE action = 'device_task.done' AND target_id = \(set.id.lowercased)
                    """).values(String.self)
            }
            #expect(audited.count == 1 && audited.first?.contains("confirmed_from_inform") == true, "\(audited)")
            let cached = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT value FROM device_parameters WHERE device_id = \(device) AND path = \(Self.interval)").values(String.self)
            }
            #expect(cached == ["321"])
        }
    }

    @Test func aRequeuedChangeTheCPENeverAppliedOrWhoseKeyItAlreadyHeldIsSentAgain() async throws {
        try await TaskHarness.with(worker: false) { harness in
            var (cpe, runner, device) = try await Self.registered(harness)
            // Not applied: the Inform after the kill does not show the key, so the change is sent again.
            let lost = try await harness.queue(#"{"type": "setParameterValues", "parameter_values": [{"name": "\#(Self.interval)", "value": "400", "type": "xsd:unsignedInt"}]}"#, device: device)
            _ = try await Self.hold(&cpe, harness, apply: false)
            try await Self.killHolder(harness)
            var report = try await runner.run(&cpe)
            #expect(report.rpcs == ["SetParameterValues"], "\(report.rpcs)")
            #expect(cpe.setCounts[Self.interval] == 1)
            let sent = try await harness.task(lost.id, device: device)
            #expect(sent.status == .done && sent.result?["confirmed_from_inform"] == nil)

            // A key another change already set on the device proves nothing about this one.
            let first = try await harness.queue(#"{"type": "setParameterValues", "parameter_values": [{"name": "\#(Self.interval)", "value": "500", "type": "xsd:unsignedInt"}], "parameter_key": "same-key"}"#, device: device)
            report = try await runner.run(&cpe)
            #expect(report.rpcs == ["SetParameterValues"])
            #expect(try await harness.task(first.id, device: device).status == .done)
            let second = try await harness.queue(#"{"type": "setParameterValues", "parameter_values": [{"name": "\#(Self.interval)", "value": "600", "type": "xsd:unsignedInt"}], "parameter_key": "same-key"}"#, device: device)
            _ = try await Self.hold(&cpe, harness, apply: false)
            #expect(cpe.parameterKey == "same-key")
            try await Self.killHolder(harness)
            report = try await runner.run(&cpe)
            #expect(report.rpcs == ["SetParameterValues"], "\(report.rpcs)")
            #expect(cpe.model.nodes[Self.interval]?.value == "600")
            let resent = try await harness.task(second.id, device: device)
            #expect(resent.status == .done && resent.result?["confirmed_from_inform"] == nil)
        }
    }

    @Test func aRebootTheCPERanBeforeItsSessionDiedIsConfirmedByItsMRebootEvent() async throws {
        try await TaskHarness.with(worker: false) { harness in
            var (cpe, runner, device) = try await Self.registered(harness)
            let reboot = try await harness.queue(#"{"type": "reboot"}"#, device: device)
            let rpc = try await Self.hold(&cpe, harness, apply: true)
            guard case .reboot(let key) = rpc else { Issue.record("first RPC was \(rpc.methodName)"); return }
            #expect(key == reboot.commandKey)
            #expect(cpe.pendingEvents.contains(InformEvent(code: InformEvent.mReboot, commandKey: key)))
            try await Self.killHolder(harness)
            let report = try await runner.run(&cpe)
            #expect(report.rpcs.isEmpty, "the reboot ran again: \(report.rpcs)")
            let confirmed = try await harness.task(reboot.id, device: device)
            #expect(confirmed.status == .done)
            #expect(confirmed.result?["confirmed_from_inform"] == .object(["event": .string(InformEvent.mReboot), "command_key": .string(key)]))
        }
    }
}
