import CWMP
import Foundation
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

    struct State {
        var machine: CWMPSession
        var busy = false
        /// Whether first-contact discovery runs in this session and has not failed.
        var discovering: Bool
    }

    let state: Mutex<State>

    init(token: String, providerID: UUID, slug: String, deviceID: UUID, machine: CWMPSession, discovering: Bool) {
        self.token = token
        self.providerID = providerID
        self.slug = slug
        self.deviceID = deviceID
        self.state = Mutex(State(machine: machine, discovering: discovering))
    }

    /// Claims the session for one request; `false` when another request is being handled.
    func claim() -> Bool {
        state.withLock { state in
            guard !state.busy else { return false }
            state.busy = true
            return true
        }
    }

    /// Feeds one input to the claimed session and releases the claim.
    func receive(_ input: CWMPSession.Input) -> (CWMPSession.Action, discovering: Bool) {
        state.withLock { state in
            let action = state.machine.receive(input)
            state.busy = false
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

    /// Releases a claim without feeding input.
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
