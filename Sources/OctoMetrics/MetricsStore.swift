import Foundation
import OctoCore
import OctoStore

/// The metrics store's read configuration as the HTTP edge needs it: the database, the retention
/// (to pick resolutions) and the clock.
public struct MetricsStore: Sendable {
    /// The pools.
    public let database: Database
    /// Retention per resolution.
    public let retention: MetricsRetention
    /// Wall-clock time.
    public let clock: any WallClock

    /// Creates the store facade.
    public init(database: Database, retention: MetricsRetention = MetricsRetention(), clock: any WallClock = SystemWallClock()) {
        self.database = database
        self.retention = retention
        self.clock = clock
    }

    /// A reader in `tx`.
    public func reader(_ tx: Transaction) -> MetricsReader {
        MetricsReader(tx: tx, retention: retention, now: clock.now)
    }
}
