import CWMP
import Foundation

/// One simulated CPE over time: its sessions run one after another, and an optional
/// connection-request listener starts a session with `6 CONNECTION REQUEST` whenever the ACS asks.
public actor SimulatedDevice {
    /// The CPE's state between sessions.
    public private(set) var cpe: SimulatedCPE
    /// What each session did, oldest first.
    public private(set) var reports: [CPESessionRunner.Report] = []
    /// Authenticated connection requests received.
    public private(set) var connectionRequests = 0
    /// Sessions that failed, with why.
    public private(set) var failures: [String] = []
    let runner: CPESessionRunner
    let listener: ConnectionRequestListener?

    /// Creates a device; with `listener`, ``serve(periodicInterval:onListening:)`` answers connection
    /// requests, and sessions come from the listener's address as a real CPE's do.
    public init(cpe: SimulatedCPE, runner: CPESessionRunner, listener: ConnectionRequestListener? = nil) {
        self.cpe = cpe
        var runner = runner
        if let listener, runner.sourceAddress == nil { runner.sourceAddress = listener.host }
        self.runner = runner
        self.listener = listener
    }

    /// Runs one session now, adding `events` to the pending ones.
    @discardableResult
    public func runSession(events: [InformEvent] = []) async throws -> CPESessionRunner.Report {
        var state = cpe
        if !events.isEmpty {
            state.pendingEvents.removeAll { $0.code == InformEvent.periodic }
            state.pendingEvents += events.filter { event in !state.pendingEvents.contains { $0.code == event.code } }
        }
        do {
            let report = try await runner.run(&state)
            cpe = state
            reports.append(report)
            // Finished diagnostics are reported at once, in a session of their own (as a CPE does).
            if state.pendingEvents.contains(where: { $0.code == InformEvent.diagnosticsComplete }) {
                _ = try? await runSession()
            }
            return report
        } catch {
            failures.append("\(error)")
            throw error
        }
    }

    /// Listens for connection requests (each starts a session) and, with `periodicInterval`, informs
    /// periodically, until cancelled. `onListening` receives the URL the CPE reports.
    public func serve(periodicInterval: Duration? = nil, onListening: @escaping @Sendable (String) async -> Void = { _ in }) async throws {
        let (requests, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        try await withThrowingTaskGroup(of: Void.self) { group in
            if let listener {
                group.addTask {
                    try await listener.run(bound: { url in
                        await self.setConnectionRequestURL(url)
                        await onListening(url)
                    }, onRequest: { continuation.yield() })
                }
            } else {
                await onListening("")
            }
            if let periodicInterval {
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: periodicInterval)
                        _ = try? await self.runSession()
                    }
                }
            }
            for await _ in requests {
                connectionRequests += 1
                _ = try? await runSession(events: [InformEvent(code: InformEvent.connectionRequest)])
            }
            group.cancelAll()
        }
    }

    /// Changes the CPE's state between sessions (a local change on the device, a firmware quirk).
    public func modify(_ change: @Sendable (inout SimulatedCPE) -> Void) {
        change(&cpe)
    }

    /// Sets the ConnectionRequestURL the next Inform reports.
    public func setConnectionRequestURL(_ url: String) {
        cpe.connectionRequestURL = url
    }
}
