import Logging
import ServiceLifecycle

/// Closes idle sessions every second; every ten, expires overdue device tasks and requeues the running
/// tasks of sessions that ended with their process. Until shutdown.
public struct ACSSweeper: Service {
    let engine: ACSEngine

    /// Creates the sweeper for `engine`.
    public init(engine: ACSEngine) {
        self.engine = engine
    }

    /// Sweeps until cancelled.
    public func run() async throws {
        var rounds = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await engine.sweep()
            if rounds % 10 == 0 {
                await engine.expireTasks()
                await engine.requeueOrphanedTasks()
            }
            rounds += 1
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
