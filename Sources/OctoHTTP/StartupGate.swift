import Synchronization

/// Start-up work that `GET /ready` waits for: a process is ready only once every step named at its
/// creation has finished (the first Global Admin created, say), so a client that waits for readiness
/// never meets a half-started server.
public final class StartupGate: Sendable {
    private let pending: Mutex<Set<String>>

    /// A gate that waits for `steps`; with none it is open from the start.
    public init(waitingFor steps: Set<String> = []) {
        pending = Mutex(steps)
    }

    /// Marks `step` finished.
    public func finish(_ step: String) {
        _ = pending.withLock { $0.remove(step) }
    }

    /// The steps not finished yet, in a stable order.
    public var waiting: [String] {
        pending.withLock { $0.sorted() }
    }
}
