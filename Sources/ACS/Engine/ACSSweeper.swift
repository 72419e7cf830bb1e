import Logging
import ServiceLifecycle

/// Closes idle sessions every second until shutdown.
public struct ACSSweeper: Service {
    let engine: ACSEngine

    /// Creates the sweeper for `engine`.
    public init(engine: ACSEngine) {
        self.engine = engine
    }

    /// Sweeps until cancelled.
    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await engine.sweep()
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
