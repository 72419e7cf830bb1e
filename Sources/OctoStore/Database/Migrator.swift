import Crypto
import Foundation
import Logging
import OctoCore
import PostgresNIO

/// Applies the numbered SQL migrations in `Migrations/` as the owner role, then synchronises the
/// permission catalog and predefined roles from ``OctoCore``.
///
/// Migrations are never edited once landed: each applied file's SHA-256 is recorded and a changed file
/// stops the migrator. Concurrent migrators serialise on an advisory lock.
public struct Migrator: Sendable {
    /// One migration file.
    public struct Migration: Sendable, Hashable {
        /// The number in the file name (`0001_…` → 1).
        public var version: Int
        /// The file name.
        public var name: String
        /// The SQL text.
        public var sql: String
        /// SHA-256 of the SQL text, hex.
        public var checksum: String { SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined() }
    }

    /// Errors of the migrator.
    public struct Failure: Error, CustomStringConvertible {
        /// What went wrong.
        public var description: String
    }

    /// The migrations shipped with this build, in order.
    public static func bundled() throws -> [Migration] {
        guard let directory = Bundle.module.url(forResource: "Migrations", withExtension: nil) else {
            throw Failure(description: "migrations are missing from the bundle")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sql") }.sorted()
        return try files.map { file in
            guard let version = Int(file.prefix { $0.isNumber }) else {
                throw Failure(description: "migration \(file) does not start with a number")
            }
            let sql = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            return Migration(version: version, name: file, sql: sql)
        }
    }

    let url: DatabaseURL
    let logger: Logger

    /// A migrator connecting with the owner role's URL.
    public init(ownerURL: DatabaseURL, logger: Logger) {
        self.url = ownerURL
        self.logger = logger
    }

    /// Applies what is missing and syncs the catalog; returns the versions applied now.
    @discardableResult
    public func migrate() async throws -> [Int] {
        try await migrate(through: .max)
    }

    /// Applies what is missing up to and including version `last` and syncs the catalog; returns the
    /// versions applied now. An earlier `last` builds an older schema, to test a later migration's conversion.
    @discardableResult
    public func migrate(through last: Int) async throws -> [Int] {
        let migrations = try Self.bundled().filter { $0.version <= last }
        let (connection, _, _) = try await url.connect(id: 1, logger: logger)
        do {
            let applied = try await migrate(migrations, on: connection)
            try await Self.unlock(connection, logger: logger)
            try await connection.close()
            return applied
        } catch {
            try? await Self.unlock(connection, logger: logger)
            try? await connection.close()
            throw error
        }
    }

    /// Releases the migration lock explicitly: closing the connection releases it too, but a close
    /// the server has not seen yet would keep the next migrator waiting.
    private static func unlock(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT pg_advisory_unlock_all()", logger: logger)
    }

    private func migrate(_ migrations: [Migration], on connection: PostgresConnection) async throws -> [Int] {
        try await connection.query("SELECT pg_advisory_lock(hashtextextended('octoisp:migrate', 0))", logger: logger)
        try await connection.query("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    integer PRIMARY KEY,
                name       text NOT NULL,
                checksum   text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """, logger: logger)
        // The lock is released explicitly at the end, and in any case when the connection closes.

        var known: [Int: String] = [:]
        for try await (version, checksum) in try await connection.query("SELECT version, checksum FROM schema_migrations", logger: logger)
            .decode((Int, String).self) {
            known[version] = checksum
        }
        var appliedNow: [Int] = []
        for migration in migrations {
            if let checksum = known[migration.version] {
                guard checksum == migration.checksum else {
                    throw Failure(description: "migration \(migration.name) was changed after it was applied; add a new migration instead")
                }
                continue
            }
            logger.info("applying migration", metadata: ["migration": "\(migration.name)"])
            do {
                try await connection.withTransaction(logger: logger) { connection in
                    for statement in SQLScript.statements(migration.sql) {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query("""
                        INSERT INTO schema_migrations (version, name, checksum)
                        VALUES (\(migration.version), \(migration.name), \(migration.checksum))
                        """, logger: logger)
                }
            } catch let error as PostgresTransactionError {
                let cause = error.closureError ?? error.commitError ?? error.beginError ?? error
                throw Failure(description: "migration \(migration.name) failed: \(String(reflecting: cause))")
            }
            appliedNow.append(migration.version)
        }
        try await syncCatalog(on: connection)
        return appliedNow
    }

    /// Makes `permissions` and the predefined rows of `roles` match the catalog in code.
    private func syncCatalog(on connection: PostgresConnection) async throws {
        try await connection.withTransaction(logger: logger) { connection in
            let keys = Permission.catalog.map(\.key)
            let modules = Permission.catalog.map(\.module.rawValue)
            let actions = Permission.catalog.map(\.action.rawValue)
            try await connection.query("""
                INSERT INTO permissions (key, module, action)
                SELECT * FROM unnest(\(keys)::text[], \(modules)::text[], \(actions)::text[])
                ON CONFLICT (key) DO UPDATE SET module = EXCLUDED.module, action = EXCLUDED.action
                """, logger: logger)
            try await connection.query("DELETE FROM permissions WHERE NOT (key = ANY(\(keys)::text[]))", logger: logger)
            for role in PredefinedRole.allCases {
                let permissions = role.permissions.sorted().map(\.key)
                try await connection.query("""
                    INSERT INTO roles (provider_id, key, name, description, permissions)
                    VALUES (NULL, \(role.key), \(role.nameEn), \(role.namePtBR), \(permissions))
                    ON CONFLICT (coalesce(provider_id, '00000000-0000-0000-0000-000000000000'::uuid), key)
                    DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description, permissions = EXCLUDED.permissions
                    """, logger: logger)
            }
        }
    }
}
