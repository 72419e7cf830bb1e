import CWMP
import Foundation
import Logging
import OctoCore
import Synchronization

/// A session in progress in this process: the state machine plus what binds it to a tenant, a device
/// and its cross-process lease. Requests on one session are handled one at a time.
final class LiveSession: Sendable {
    /// The cookie value (also the lease token).
    let token: String
    /// The provider.
    let providerID: UUID
    /// The provider slug the session was opened under.
    let slug: String
    /// The device.
    let deviceID: UUID
    /// `Device.` or `InternetGatewayDevice.`.
    let root: String
    /// Base URL of the file server for this device's downloads.
    let fileBaseURL: String
    /// When the session opened (for its duration metric).
    let opened: ContinuousClock.Instant = .now
    /// The `ManagementServer.ParameterKey` the session's Inform reported, if any.
    let informParameterKey: String?
    /// The events of the session's Inform (with their CommandKeys).
    let informEvents: [InformEvent]

    struct State {
        var machine: CWMPSession
        var busy = false
        /// Whether first-contact discovery runs in this session and has not failed.
        var discovering: Bool
        /// Device tasks handed to the state machine and not yet settled, by id.
        var tasks: [String: DeviceTask] = [:]
        /// Whether the device may still have queued tasks: known at Inform, cleared when none is left.
        /// A task queued during the session runs in the next one, which its connection request asks for.
        var mayHaveTasks: Bool
    }

    let state: Mutex<State>

    init(token: String, providerID: UUID, slug: String, deviceID: UUID, root: String, fileBaseURL: String, machine: CWMPSession,
         discovering: Bool, hasQueuedTasks: Bool, informParameterKey: String? = nil, informEvents: [InformEvent] = []) {
        self.token = token
        self.informParameterKey = informParameterKey
        self.informEvents = informEvents
        self.providerID = providerID
        self.slug = slug
        self.deviceID = deviceID
        self.root = root
        self.fileBaseURL = fileBaseURL
        self.state = Mutex(State(machine: machine, discovering: discovering, mayHaveTasks: hasQueuedTasks))
    }

    /// Whether `input` may give the ACS the turn while no RPC waits in the machine's queue: then the
    /// device's next queued task should be loaded first.
    func wantsTask(before input: CWMPSession.Input) -> Bool {
        state.withLock { state in
            guard state.mayHaveTasks, state.machine.queue.isEmpty else { return false }
            switch (state.machine.state, input) {
            case (.awaitingResponse, .message), (.awaitingResponse, .emptyPost), (.cpeTurn, .emptyPost): return true
            default: return false
            }
        }
    }

    /// Records that the device has no queued task left.
    func noTasksLeft() {
        state.withLock { $0.mayHaveTasks = false }
    }

    /// Hands a task's RPCs (one, or two for a refresh) to the state machine.
    func load(_ task: DeviceTask, messages: [ACSMessage]) {
        state.withLock { state in
            state.tasks[task.id.lowercased] = task
            for message in messages { state.machine.enqueue(PendingRPC(message, purpose: .task(task.id.lowercased))) }
        }
    }

    /// The loaded task an answered RPC belongs to, and whether it was the task's last RPC (then the
    /// task is forgotten here).
    func answered(_ rpc: PendingRPC) -> (task: DeviceTask, last: Bool)? {
        guard case .task(let id) = rpc.purpose else { return nil }
        return state.withLock { state in
            guard let task = state.tasks[id] else { return nil }
            var last = !state.machine.queue.contains { $0.purpose == rpc.purpose }
            if case .awaitingResponse(let sent) = state.machine.state, sent.purpose == rpc.purpose { last = false }
            if last { state.tasks.removeValue(forKey: id) }
            return (task, last)
        }
    }

    /// The loaded task of a faulted or abandoned RPC; its remaining RPCs are dropped and it is forgotten here.
    func abort(_ rpc: PendingRPC) -> DeviceTask? {
        guard case .task(let id) = rpc.purpose else { return nil }
        return state.withLock { state in
            state.machine.dequeue(purpose: rpc.purpose)
            return state.tasks.removeValue(forKey: id)
        }
    }

    /// Tasks loaded into the machine and not settled when the session ended.
    /// Whether device tasks were loaded and are not settled yet.
    var hasUnsettledTasks: Bool {
        state.withLock { !$0.tasks.isEmpty }
    }

    func unsettledTasks() -> [DeviceTask] {
        state.withLock { state in
            defer { state.tasks.removeAll() }
            return Array(state.tasks.values)
        }
    }

    /// Claims the session for one request; `false` when another request is being handled.
    func claim() -> Bool {
        state.withLock { state in
            guard !state.busy else { return false }
            state.busy = true
            return true
        }
    }

    /// Feeds one input to the claimed session. The claim stays until ``release()``: the caller releases
    /// it only once the action's effects are stored, so a CPE that repeats the request meanwhile is told
    /// to retry (503) instead of having it handled a second time.
    func receive(_ input: CWMPSession.Input) -> (CWMPSession.Action, discovering: Bool) {
        state.withLock { state in
            let action = state.machine.receive(input)
            for effect in action.effects {
                switch effect {
                case .faulted(let rpc, _), .abandoned(let rpc):
                    if rpc.purpose == .discoverNames || rpc.purpose == .discoverValues { state.discovering = false }
                case .informed, .discoveredNames, .discoveredValues, .completed, .transferCompleted, .ended:
                    break
                }
            }
            return (action, state.discovering)
        }
    }

    /// Releases the claim.
    func release() {
        state.withLock { $0.busy = false }
    }
}

extension CWMPSession.Action {
    /// The effects the action carries.
    var effects: [SessionEffect] {
        switch self {
        case .send(_, let effects), .finish(let effects), .reject(_, let effects), .none(let effects): effects
        }
    }
}

extension LiveSession {
    /// The session's provider and device for a log line, with `extra` (pass it where the logger takes
    /// metadata lazily, so nothing is formatted for a level that is off).
    func logMetadata(_ extra: Logger.Metadata = [:]) -> Logger.Metadata {
        extra.merging(["provider.id": "\(providerID.lowercased)", "device.id": "\(deviceID.lowercased)"]) { mine, _ in mine }
    }
}
