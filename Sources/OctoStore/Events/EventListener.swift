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
    let sink: (@Sendable (RealtimeEvent) async -> Void)?
    let invalidations: (@Sendable (CacheInvalidation) async -> Void)?

    /// Creates a listener on the app role's URL: realtime events go to `sink` (none: not listened to);
    /// with `invalidations`, it also receives ``CacheInvalidation``s (channel `octoisp_cache`) on the same
    /// connection, and ``CacheInvalidation/everything`` each time its `LISTEN` takes effect (after each
    /// (re)connection), since notifications sent while it was not listening are lost.
    public init(url: DatabaseURL, logger: Logger, invalidations: (@Sendable (CacheInvalidation) async -> Void)? = nil,
                sink: (@Sendable (RealtimeEvent) async -> Void)?) {
        self.url = url
        self.logger = logger
        self.invalidations = invalidations
        self.sink = sink
    }

    /// Listens until shutdown.
    public func run() async throws {
        var delay: Duration = .milliseconds(100)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                // NOTIFY reaches listeners on the primary only: with several servers, the one that fits the URL.
                let (connection, _, _) = try await url.connect(id: 0, logger: logger)
                delay = .milliseconds(100)
                do {
                    try await cancelWhenGracefulShutdown {
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            if let sink { group.addTask {
                                try await connection.listen(on: RealtimeEvent.channel) { notifications in
                                    for try await notification in notifications {
                                        guard let event = try? OctoJSON.decoder.decode(RealtimeEvent.self, from: Data(notification.payload.utf8)) else {
                                            logger.warning("dropping malformed realtime event")
                                            continue
                                        }
                                        await sink(event)
                                    }
                                }
                            } }
                            if let invalidations {
                                group.addTask {
                                    try await connection.listen(on: CacheInvalidation.channel) { notifications in
                                        // LISTEN is in effect (the closure runs once the server acknowledged it):
                                        // what changed before is dropped wholesale.
                                        await invalidations(.everything)
                                        for try await notification in notifications {
                                            guard let item = try? JSONDecoder().decode(CacheInvalidation.self, from: Data(notification.payload.utf8)) else {
                                                logger.warning("dropping malformed cache invalidation")
                                                continue
                                            }
                                            await invalidations(item)
                                        }
                                    }
                                }
                            }
                            // Either listen ending (the connection dropped) ends both: reconnect.
                            _ = try await group.next()
                            group.cancelAll()
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
