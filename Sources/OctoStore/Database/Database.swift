import Foundation
import Logging
import OctoCore
import PostgresNIO
import ServiceLifecycle

/// The platform's PostgreSQL access: one pool for tenant work as `octoisp_app` (always under RLS),
/// one for the Global Admin's cross-provider path as `octoisp_global`, and optionally one for read-only
/// tenant work on a replica (``withTenantReading(_:logger:_:)``).
///
/// URLs may list several servers (libpq's multi-host form with `target_session_attrs`): each pool then
/// uses the server that fits and follows a failover (see `RoutedPool`). A transaction that loses its
/// connection fails with ``OctoError/Code/unavailable`` ("not saved, try again"): it was never
/// acknowledged, and the caller (or the CPE, or the API client) retries.
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
        /// The app role on a replica for read-only tenant work (reports, metric queries, dashboard
        /// summaries); `nil`: the app pool serves those reads too.
        public var read: DatabaseURL?
        /// How long a transaction waits for a pooled connection, a failover included, before failing as
        /// unavailable (nothing of it ran).
        public var failoverWait: Duration

        /// Creates a configuration.
        public init(app: DatabaseURL, global: DatabaseURL, maximumConnections: Int = 20, statementTimeout: Duration? = .seconds(30),
                    read: DatabaseURL? = nil, failoverWait: Duration = .seconds(30)) {
            self.app = app
            self.global = global
            self.maximumConnections = maximumConnections
            self.statementTimeout = statementTimeout
            self.read = read
            self.failoverWait = failoverWait
        }
    }

    let appClient: RoutedPool
    let globalClient: RoutedPool
    let readClient: RoutedPool?
    let appGauges: PoolGauges
    let globalGauges: PoolGauges
    let readGauges: PoolGauges?
    /// The logger queries report to.
    public let logger: Logger
    /// Wall-clock time for the store's own decisions (token expiry, throttling windows).
    public let clock: any WallClock

    /// Creates the pools; they connect once ``run()`` runs.
    public init(configuration: Configuration, clock: any WallClock = SystemWallClock(), logger: Logger) {
        appClient = RoutedPool(url: configuration.app, name: "app", maximumConnections: configuration.maximumConnections,
                               statementTimeout: configuration.statementTimeout, failoverWait: configuration.failoverWait, logger: logger)
        globalClient = RoutedPool(url: configuration.global, name: "global", maximumConnections: max(2, configuration.maximumConnections / 4),
                                  statementTimeout: configuration.statementTimeout, failoverWait: configuration.failoverWait, logger: logger)
        readClient = configuration.read.map {
            RoutedPool(url: $0, name: "read", maximumConnections: configuration.maximumConnections, statementTimeout: configuration.statementTimeout,
                       failoverWait: configuration.failoverWait, logger: logger)
        }
        appGauges = PoolGauges(pool: "app", size: configuration.maximumConnections)
        globalGauges = PoolGauges(pool: "global", size: max(2, configuration.maximumConnections / 4))
        readGauges = configuration.read.map { _ in PoolGauges(pool: "read", size: configuration.maximumConnections) }
        self.logger = logger
        self.clock = clock
    }

    /// Runs the pools until cancelled or shut down.
    public func run() async throws {
        // The pools end on cancellation; a graceful shutdown of the service group cancels them.
        try? await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.appClient.run() }
                group.addTask { await self.globalClient.run() }
                if let readClient = self.readClient { group.addTask { await readClient.run() } }
            }
        }
    }

    /// The server each pool uses now (`host:port`, and whether it is a standby); for logs, `/ready`
    /// details and tests.
    public var servers: [String: (endpoint: DatabaseURL.Endpoint, standby: Bool)] {
        var servers: [String: (endpoint: DatabaseURL.Endpoint, standby: Bool)] = [:]
        for pool in [appClient, globalClient] + (readClient.map { [$0] } ?? []) {
            if let server = pool.server { servers[pool.name] = (server.endpoint, server.state.inRecovery) }
        }
        return servers
    }

    /// Runs `body` in a read-only transaction bound to `providerID` (RLS applies as in
    /// ``withTenant(_:logger:_:)``), on the replica of `OCTOISP_READ_DATABASE_URL` when one is
    /// configured, else on the app pool. For reads that may lag the primary by a moment (reports,
    /// metric queries, dashboard summaries); a write in `body` fails.
    public func withTenantReading<Result: Sendable>(
        _ providerID: UUID?,
        logger: Logger? = nil,
        _ body: (Transaction) async throws -> Result
    ) async throws -> Result {
        let logger = logger ?? self.logger
        do {
            return try await (readGauges ?? appGauges).track { lease in try await (readClient ?? appClient).withTransaction(logger: logger) { connection in
                lease.entered()
                try await connection.answer("SET TRANSACTION READ ONLY", logger: logger)
                let tenant = providerID?.uuidString.lowercased() ?? ""
                try await connection.answer("SELECT set_config('app.provider_id', \(tenant), true)", logger: logger)
                return try await body(Transaction(connection: connection, providerID: providerID, logger: logger, clock: clock))
            } }
        } catch {
            throw StoreError.translate(error)
        }
    }

    /// Runs `body` in a transaction bound to `providerID`: every row it reads or writes is that
    /// provider's (row-level security). With `nil`, RLS shows nothing.
    ///
    /// `body` reads the rows it needs before it returns (`values`, `decode`, `collect`): a row stream
    /// returned out of the transaction is read only after COMMIT, and while unread rows wait for their
    /// consumer the connection stops reading the server's replies, so COMMIT's answer may never be
    /// read and the call never returns (the same holds for every transaction of this type).
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
                try await connection.answer("SELECT set_config('app.provider_id', \(tenant), true)", logger: logger)
                return try await body(Transaction(connection: connection, providerID: providerID, logger: logger, clock: clock, hooks: hooks))
            } }
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
                try await connection.answer("SELECT set_config('app.provider_id', \(tenant), true)", logger: logger)
                return try await body(Transaction(connection: connection, providerID: providerID, logger: logger, clock: clock, hooks: hooks))
            } }
        } catch {
            throw StoreError.translate(error)
        }
        await hooks.run(self, logger: logger)
        return result
    }

    /// Whether the database answers (for `/ready`).
    public func ping() async -> Bool {
        do {
            _ = try await appClient.query("SELECT 1", logger: logger)
            return true
        } catch {
            return false
        }
    }
}
