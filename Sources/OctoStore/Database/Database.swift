import Foundation
import Logging
import OctoCore
import PostgresNIO
import ServiceLifecycle

/// The platform's PostgreSQL access: one pool for tenant work as `octoisp_app` (always under RLS) and
/// one for the Global Admin's cross-provider path as `octoisp_global`.
///
/// Run it as a `Service`; queries wait until ``run()`` has started the pools.
public final class Database: Service, Sendable {
    /// Connection settings.
    public struct Configuration: Sendable {
        /// The app role: tenant work.
        public var app: DatabaseURL
        /// The global role: cross-provider work of Global Admins and platform tasks.
        public var global: DatabaseURL
        /// Pool size per role.
        public var maximumConnections: Int
        /// Longest a statement of either pool may run before PostgreSQL cancels it (`statement_timeout`
        /// of every pooled connection; `nil`: no limit). A long job may raise it for its own
        /// transaction with `SET LOCAL statement_timeout`.
        public var statementTimeout: Duration?

        /// Creates a configuration.
        public init(app: DatabaseURL, global: DatabaseURL, maximumConnections: Int = 20, statementTimeout: Duration? = .seconds(30)) {
            self.app = app
            self.global = global
            self.maximumConnections = maximumConnections
            self.statementTimeout = statementTimeout
        }
    }

    let appClient: PostgresClient
    let globalClient: PostgresClient
    let appGauges: PoolGauges
    let globalGauges: PoolGauges
    /// The logger queries report to.
    public let logger: Logger
    /// Wall-clock time for the store's own decisions (token expiry, throttling windows).
    public let clock: any WallClock

    /// Creates the pools; they connect once ``run()`` runs.
    public init(configuration: Configuration, clock: any WallClock = SystemWallClock(), logger: Logger) {
        appClient = PostgresClient(configuration: configuration.app.clientConfiguration(maximumConnections: configuration.maximumConnections,
                                                                                       statementTimeout: configuration.statementTimeout),
                                   backgroundLogger: logger)
        globalClient = PostgresClient(configuration: configuration.global.clientConfiguration(maximumConnections: max(2, configuration.maximumConnections / 4),
                                                                                             statementTimeout: configuration.statementTimeout),
                                      backgroundLogger: logger)
        appGauges = PoolGauges(pool: "app", size: configuration.maximumConnections)
        globalGauges = PoolGauges(pool: "global", size: max(2, configuration.maximumConnections / 4))
        self.logger = logger
        self.clock = clock
    }

    /// Runs both pools until cancelled or shut down.
    public func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.appClient.run() }
            group.addTask { await self.globalClient.run() }
        }
    }

    /// Runs `body` in a transaction bound to `providerID`: every row it reads or writes is that
    /// provider's (row-level security). With `nil`, RLS shows nothing.
    public func withTenant<Result: Sendable>(
        _ providerID: UUID?,
        logger: Logger? = nil,
        _ body: (Transaction) async throws -> Result
    ) async throws -> Result {
        let logger = logger ?? self.logger
        let hooks = CommitHooks()
        let result: Result
        do {
            result = try await appGauges.track { lease in try await appClient.withTransaction(logger: logger) { connection in
                lease.entered()
                let tenant = providerID?.uuidString.lowercased() ?? ""
                try await connection.query("SELECT set_config('app.provider_id', \(tenant), true)", logger: logger)
                return try await body(Transaction(connection: connection, providerID: providerID, logger: logger, clock: clock, hooks: hooks))
            } }
        } catch let error as PostgresTransactionError {
            throw StoreError.translate(error.closureError ?? error.commitError ?? error.beginError ?? error)
        } catch {
            throw StoreError.translate(error)
        }
        await hooks.run(self, logger: logger)
        return result
    }

    /// Runs `body` on the Global Admin's cross-provider path (role `octoisp_global`, no RLS). Callers
    /// record what they do in the audit log through the transaction.
    public func withGlobal<Result: Sendable>(
        acting providerID: UUID? = nil,
        logger: Logger? = nil,
        _ body: (Transaction) async throws -> Result
    ) async throws -> Result {
        let logger = logger ?? self.logger
        let hooks = CommitHooks()
        let result: Result
        do {
            result = try await globalGauges.track { lease in try await globalClient.withTransaction(logger: logger) { connection in
                lease.entered()
                let tenant = providerID?.uuidString.lowercased() ?? ""
                try await connection.query("SELECT set_config('app.provider_id', \(tenant), true)", logger: logger)
                return try await body(Transaction(connection: connection, providerID: providerID, logger: logger, clock: clock, hooks: hooks))
            } }
        } catch let error as PostgresTransactionError {
            throw StoreError.translate(error.closureError ?? error.commitError ?? error.beginError ?? error)
        } catch {
            throw StoreError.translate(error)
        }
        await hooks.run(self, logger: logger)
        return result
    }

    /// Whether the database answers (for `/ready`).
    public func ping() async -> Bool {
        do {
            try await appClient.query("SELECT 1", logger: logger)
            return true
        } catch {
            return false
        }
    }
}
