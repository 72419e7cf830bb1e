import Foundation

/// One CWMP session as a value-type state machine: it consumes what the CPE posts and says what to
/// answer, with the effects the ACS must apply. No sockets, no database, no clock of its own.
///
/// Flow: Inform → InformResponse (MaxEnvelopes 1); the CPE's own requests (TransferComplete,
/// GetRPCMethods) are answered; the CPE's empty POST hands the turn to the ACS, which sends the next
/// queued RPC or finishes with 204 No Content.
public struct CWMPSession: Sendable {
    /// Tunables.
    public struct Configuration: Sendable, Hashable {
        /// Seconds without a request after which the session is over.
        public var idleTimeout: TimeInterval
        /// Parameter names per GetParameterValues during discovery.
        public var discoveryBatchSize: Int

        /// Creates a configuration.
        public init(idleTimeout: TimeInterval = 30, discoveryBatchSize: Int = 200) {
            self.idleTimeout = idleTimeout
            self.discoveryBatchSize = max(1, discoveryBatchSize)
        }
    }

    /// Where the session stands.
    public enum State: Sendable, Hashable {
        /// Waiting for the Inform that opens it.
        case awaitingInform
        /// The CPE may send its own requests; its empty POST gives the ACS the turn.
        case cpeTurn
        /// The ACS sent an RPC and waits for its answer.
        case awaitingResponse(PendingRPC)
        /// Over.
        case closed(SessionEnd)
    }

    /// What the CPE did.
    public enum Input: Sendable, Hashable {
        /// It posted a CWMP envelope.
        case message(Envelope<CPEMessage>, at: Date)
        /// It posted an empty body.
        case emptyPost(at: Date)
        /// Time passed without a request (the ACS's sweeper).
        case tick(Date)
    }

    /// What the ACS must do in answer.
    public enum Action: Sendable, Hashable {
        /// Answer 200 with this envelope, after applying the effects.
        case send(Envelope<ACSMessage>, effects: [SessionEffect])
        /// Answer 204 No Content; the session is over.
        case finish(effects: [SessionEffect])
        /// Answer 400; the session is over.
        case reject(SessionError, effects: [SessionEffect])
        /// Nothing to answer (a tick that changed nothing, or the effects of a timeout).
        case none(effects: [SessionEffect])
    }

    /// The configuration.
    public let configuration: Configuration
    /// The current state.
    public private(set) var state: State = .awaitingInform
    /// The namespace version the CPE speaks (known after the Inform).
    public private(set) var version: CWMPVersion = .v1_0
    /// The Inform that opened the session.
    public private(set) var inform: Inform?
    /// RPCs waiting for the ACS's turn, in order.
    public private(set) var queue: [PendingRPC] = []
    /// When the CPE last posted.
    public private(set) var lastActivity: Date
    /// Requests sent by the ACS so far (numbers the `cwmp:ID`s).
    public private(set) var sentCount = 0

    /// Creates a session that starts at `start`.
    public init(configuration: Configuration = Configuration(), start: Date) {
        self.configuration = configuration
        self.lastActivity = start
    }

    /// Whether the session is over.
    public var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }

    /// Whether the session has been idle past its timeout at `now`.
    public func isExpired(at now: Date) -> Bool {
        now.timeIntervalSince(lastActivity) > configuration.idleTimeout
    }

    /// Appends an RPC to run in this session.
    public mutating func enqueue(_ rpc: PendingRPC) {
        queue.append(rpc)
    }

    /// Drops queued (not yet sent) RPCs with `purpose`, e.g. the rest of a task whose first RPC faulted.
    public mutating func dequeue(purpose: PendingRPC.Purpose) {
        queue.removeAll { $0.purpose == purpose }
    }

    /// Queues first-contact discovery under `root` (`Device.` or `InternetGatewayDevice.`):
    /// GetParameterNames of the whole tree, then GetParameterValues in batches. Runs before other
    /// queued RPCs.
    public mutating func enqueueDiscovery(root: String) {
        queue.insert(PendingRPC(.getParameterNames(path: root, nextLevel: false), purpose: .discoverNames), at: 0)
    }

    /// Consumes one input.
    public mutating func receive(_ input: Input) -> Action {
        switch input {
        case .tick(let now):
            guard !isClosed, isExpired(at: now) else { return .none(effects: []) }
            return .none(effects: timeout())
        case .emptyPost(let now):
            if let expired = expire(at: now) { return expired }
            lastActivity = now
            return emptyPost()
        case .message(let envelope, let now):
            if let expired = expire(at: now) { return expired }
            lastActivity = now
            return message(envelope)
        }
    }

    /// Closes the session for idle timeout and reports any unanswered RPC.
    mutating func timeout() -> [SessionEffect] {
        var effects: [SessionEffect] = []
        if case .awaitingResponse(let rpc) = state { effects.append(.abandoned(rpc)) }
        state = .closed(.idleTimeout)
        effects.append(.ended(.idleTimeout))
        return effects
    }

    mutating func expire(at now: Date) -> Action? {
        switch state {
        case .closed:
            return .reject(SessionError(.sessionClosed, "the session is over"), effects: [])
        case .awaitingInform, .cpeTurn, .awaitingResponse:
            guard isExpired(at: now) else { return nil }
            return .reject(SessionError(.sessionClosed, "idle for more than \(Int(configuration.idleTimeout)) s"), effects: timeout())
        }
    }

    mutating func emptyPost() -> Action {
        switch state {
        case .awaitingInform:
            return fail(SessionError(.expectedInform, "empty POST before Inform"), effects: [])
        case .cpeTurn:
            return next(effects: [])
        case .awaitingResponse(let rpc):
            return next(effects: [.abandoned(rpc)])
        case .closed:
            return .reject(SessionError(.sessionClosed, "the session is over"), effects: [])
        }
    }

    mutating func message(_ envelope: Envelope<CPEMessage>) -> Action {
        switch state {
        case .closed:
            return .reject(SessionError(.sessionClosed, "the session is over"), effects: [])
        case .awaitingInform:
            guard case .inform(let inform) = envelope.message else {
                return fail(SessionError(.expectedInform, "first message is not an Inform"), effects: [])
            }
            self.inform = inform
            version = envelope.version
            state = .cpeTurn
            return .send(Envelope(version: version, id: envelope.id, message: .informResponse(maxEnvelopes: 1)), effects: [.informed(inform)])
        case .cpeTurn:
            return cpeRequest(envelope, effects: [])
        case .awaitingResponse(let rpc):
            return response(envelope, to: rpc)
        }
    }

    /// A request of the CPE's own (only allowed on its turn).
    mutating func cpeRequest(_ envelope: Envelope<CPEMessage>, effects: [SessionEffect]) -> Action {
        let reply: ACSMessage
        var effects = effects
        switch envelope.message {
        case .inform:
            return fail(SessionError(.unexpectedInform, "Inform inside a session"), effects: effects)
        case .transferComplete(let value):
            effects.append(.transferCompleted(value, autonomous: false))
            reply = .transferCompleteResponse
        case .autonomousTransferComplete(let value):
            effects.append(.transferCompleted(value, autonomous: true))
            reply = .autonomousTransferCompleteResponse
        case .getRPCMethods:
            reply = .getRPCMethodsResponse(ACSMessage.supportedMethods)
        case .fault, .getParameterNamesResponse, .getParameterValuesResponse, .setParameterValuesResponse,
             .getParameterAttributesResponse, .setParameterAttributesResponse, .addObjectResponse, .deleteObjectResponse,
             .rebootResponse, .factoryResetResponse, .downloadResponse, .scheduleInformResponse, .getRPCMethodsResponse:
            return fail(SessionError(.unexpectedResponse, "an answer arrived but no RPC is outstanding"), effects: effects)
        }
        return .send(Envelope(version: version, id: envelope.id, message: reply), effects: effects)
    }

    /// The CPE's answer to `rpc`.
    mutating func response(_ envelope: Envelope<CPEMessage>, to rpc: PendingRPC) -> Action {
        var effects: [SessionEffect] = []
        switch envelope.message {
        case .fault(let fault):
            effects.append(.faulted(rpc, fault))
        case .inform, .transferComplete, .autonomousTransferComplete, .getRPCMethods:
            // A CPE request while an answer is due: the RPC is lost; serve the request on the CPE's turn.
            state = .cpeTurn
            return cpeRequest(envelope, effects: [.abandoned(rpc)])
        default:
            guard Self.answers(envelope.message, rpc.message) else {
                return fail(SessionError(.unexpectedResponse, "\(rpc.message.methodName) was answered with another method"),
                            effects: [.abandoned(rpc)])
            }
            switch (rpc.purpose, envelope.message) {
            case (.discoverNames, .getParameterNamesResponse(let names)):
                effects.append(.discoveredNames(names))
                let leaves = names.filter { !$0.isObject }.map(\.name)
                var batches: [PendingRPC] = []
                var start = 0
                while start < leaves.count {
                    let end = min(start + configuration.discoveryBatchSize, leaves.count)
                    batches.append(PendingRPC(.getParameterValues(Array(leaves[start..<end])), purpose: .discoverValues))
                    start = end
                }
                queue.insert(contentsOf: batches, at: 0)
            case (.discoverValues, .getParameterValuesResponse(let values)):
                effects.append(.discoveredValues(values))
            default:
                effects.append(.completed(rpc, envelope.message))
            }
        }
        return next(effects: effects)
    }

    /// Whether `answer` is the response method of `request`.
    static func answers(_ answer: CPEMessage, _ request: ACSMessage) -> Bool {
        switch (request, answer) {
        case (.getParameterNames, .getParameterNamesResponse), (.getParameterValues, .getParameterValuesResponse),
             (.setParameterValues, .setParameterValuesResponse), (.getParameterAttributes, .getParameterAttributesResponse),
             (.setParameterAttributes, .setParameterAttributesResponse), (.addObject, .addObjectResponse),
             (.deleteObject, .deleteObjectResponse), (.reboot, .rebootResponse), (.factoryReset, .factoryResetResponse),
             (.download, .downloadResponse), (.scheduleInform, .scheduleInformResponse), (.getRPCMethods, .getRPCMethodsResponse):
            return true
        default:
            return false
        }
    }

    /// The ACS's turn: the next queued RPC, or the end of the session.
    mutating func next(effects: [SessionEffect]) -> Action {
        guard !queue.isEmpty else {
            state = .closed(.completed)
            return .finish(effects: effects + [.ended(.completed)])
        }
        let rpc = queue.removeFirst()
        sentCount += 1
        state = .awaitingResponse(rpc)
        return .send(Envelope(version: version, id: "acs-\(sentCount)", message: rpc.message), effects: effects)
    }

    mutating func fail(_ error: SessionError, effects: [SessionEffect]) -> Action {
        state = .closed(.protocolError)
        return .reject(error, effects: effects + [.ended(.protocolError)])
    }
}
