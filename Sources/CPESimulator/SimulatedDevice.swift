import CPEReach
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
    /// XMPP connection requests answered (Annex K), a subset of ``connectionRequests``.
    public private(set) var xmppRequests = 0
    /// UDP connection requests accepted (Annex G), a subset of ``connectionRequests``.
    public private(set) var udpRequests = 0
    let runner: CPESessionRunner
    let listener: ConnectionRequestListener?
    let udpListener: UDPConnectionRequestListener?
    let xmpp: XMPPEndpoint?

    /// A CPE's XMPP side: its account and the connection-request credentials an IQ must carry.
    public struct XMPPEndpoint: Sendable {
        /// The CPE's account on the XMPP server.
        public var account: XMPPConnection.Account
        /// The connection-request user name.
        public var username: String
        /// The connection-request password.
        public var password: String

        /// Creates an endpoint.
        public init(account: XMPPConnection.Account, username: String, password: String) {
            self.account = account
            self.username = username
            self.password = password
        }
    }

    /// Creates a device; with `listener`, ``serve(periodicInterval:onListening:)`` answers HTTP connection
    /// requests, with `udpListener` UDP ones (and keeps its STUN binding), with `xmpp` XMPP ones; sessions
    /// come from the listener's address as a real CPE's do.
    public init(cpe: SimulatedCPE, runner: CPESessionRunner, listener: ConnectionRequestListener? = nil,
                udpListener: UDPConnectionRequestListener? = nil, xmpp: XMPPEndpoint? = nil) {
        self.cpe = cpe
        var runner = runner
        if let listener, runner.sourceAddress == nil { runner.sourceAddress = listener.host }
        if let udpListener, runner.sourceAddress == nil { runner.sourceAddress = udpListener.host }
        self.runner = runner
        self.listener = listener
        self.udpListener = udpListener
        self.xmpp = xmpp
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
        // Sessions to open: connection requests, and value changes (a new STUN binding, which TR-111
        // makes an active-notification parameter: the CPE informs the ACS at once).
        let (requests, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(2))
        // onListening runs once every configured way in is ready, with the TCP URL (or the first other one).
        let ready = ReadyCounter(expected: (listener == nil ? 0 : 1) + (udpListener == nil ? 0 : 1) + (xmpp == nil ? 0 : 1))
        try await withThrowingTaskGroup(of: Void.self) { group in
            if let listener {
                group.addTask {
                    try await listener.run(bound: { url in
                        await self.setConnectionRequestURL(url)
                        if let all = await ready.arrive(url) { await onListening(all) }
                    }, onRequest: { continuation.yield(InformEvent.connectionRequest) })
                }
            }
            if let udpListener {
                group.addTask {
                    try await udpListener.run(settings: { await self.cpe.stunSettings }, bound: { port in
                        // Behind NAT the TCP URL is not reachable: the CPE reports one nobody answers on.
                        if self.listener == nil { await self.setConnectionRequestURL("http://\(udpListener.host):\(port)/cr") }
                        if let all = await ready.arrive("udp://\(udpListener.host):\(port)") { await onListening(all) }
                    }, learned: { address, nat in
                        await self.modify { $0.setUDPBinding(address, natDetected: nat) }
                        // Before its first session the binding simply goes in the first Inform.
                        if await !self.reports.isEmpty { continuation.yield(InformEvent.valueChange) }
                    }, onRequest: {
                        continuation.yield(InformEvent.connectionRequest)
                        Task { await self.count(udp: true) }
                    })
                }
            }
            if let xmpp {
                group.addTask {
                    let connection = try await XMPPConnection.connect(xmpp.account) { stanza, connection in
                        guard let request = ConnectionRequestIQ(stanza) else { return }
                        let jid = connection.jid
                        if request.username == xmpp.username && request.password == xmpp.password {
                            Task {
                                try? await connection.send(request.result(from: jid))
                                await self.count(udp: false)
                                continuation.yield(InformEvent.connectionRequest)
                            }
                        } else {
                            Task { try? await connection.send(request.error(from: jid, condition: "not-authorized")) }
                        }
                    }
                    defer { connection.close() }
                    let jid = connection.jid
                    await self.modify { $0.setJabberID(jid) }
                    if let all = await ready.arrive("xmpp:\(jid)") { await onListening(all) }
                    while connection.isActive { try await Task.sleep(for: .milliseconds(200)) }
                    throw XMPPConnection.Failure("the XMPP session of the CPE ended")
                }
            }
            if listener == nil && udpListener == nil && xmpp == nil {
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
            for await code in requests {
                if code == InformEvent.connectionRequest {
                    connectionRequests += 1
                    _ = try? await runSession(events: [InformEvent(code: code)])
                    continue
                }
                // A value change can meet a session still running (the ACS answers 503): retried as a
                // CPE's session retry policy does.
                for attempt in 1...3 {
                    if (try? await runSession(events: [InformEvent(code: code)])) != nil { break }
                    try? await Task.sleep(for: .milliseconds(500 * attempt))
                }
            }
            group.cancelAll()
        }
    }

    func count(udp: Bool) {
        if udp { udpRequests += 1 } else { xmppRequests += 1 }
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

/// Counts ways in that became ready; answers the first one's description once all have.
actor ReadyCounter {
    var remaining: Int
    var first: String?

    init(expected: Int) {
        remaining = expected
    }

    func arrive(_ what: String) -> String? {
        if first == nil { first = what }
        remaining -= 1
        return remaining == 0 ? first : nil
    }
}
