import Logging
import ServiceLifecycle

/// Runs `round` now and then every `interval` until the task is cancelled or graceful shutdown
/// begins. A round that throws is logged at `level` as `failure` with the error, and the next round
/// runs on time: the background services (sweepers, maintenance, heartbeats) keep going through a
/// database restart. The wait between rounds ends early on graceful shutdown.
public func repeatUntilShutdown(every interval: Duration, logger: Logger, failure: Logger.Message, level: Logger.Level = .error,
                                _ round: () async throws -> Void) async {
    while !Task.isCancelled && !Task.isShuttingDownGracefully {
        do {
            try await round()
        } catch {
            logger.log(level: level, failure, metadata: ["error": "\(error)"])
        }
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
    }
}
