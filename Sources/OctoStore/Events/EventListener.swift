import Foundation
import Logging
import OctoCore
import PostgresNIO
import ServiceLifecycle

/// Receives realtime events published by any process (PostgreSQL `LISTEN`) and hands them to a sink.
/// Reconnects with back-off when the connection drops.
public struct EventListener: Service {
    let url: DatabaseURL
    let logger: Logger
    let sink: @Sendable (RealtimeEvent) async -> Void

    /// Creates a listener on the app role's URL.
    public init(url: DatabaseURL, logger: Logger, sink: @escaping @Sendable (RealtimeEvent) async -> Void) {
        self.url = url
        self.logger = logger
        self.sink = sink
    }

    /// Listens until shutdown.
    public func run() async throws {
        var delay: Duration = .milliseconds(100)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let connection = try await PostgresConnection.connect(configuration: url.connectionConfiguration(), id: 0, logger: logger)
                delay = .milliseconds(100)
                do {
                    try await cancelWhenGracefulShutdown {
                        try await connection.listen(on: RealtimeEvent.channel) { notifications in
                            for try await notification in notifications {
                                guard let event = try? OctoJSON.decoder.decode(RealtimeEvent.self, from: Data(notification.payload.utf8)) else {
                                    logger.warning("dropping malformed realtime event")
                                    continue
                                }
                                await sink(event)
                            }
                        }
                    }
                } catch {
                    try? await connection.close()
                    throw error
                }
                try? await connection.close()
            } catch where !Task.isCancelled && !Task.isShuttingDownGracefully {
                logger.warning("realtime listener disconnected; retrying", metadata: ["error": "\(error)", "delay": "\(delay)"])
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            } catch {
                return
            }
        }
    }
}
