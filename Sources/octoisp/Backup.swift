import ArgumentParser
import Foundation
import Logging
import OctoStore
import PostgresNIO

/// `octoisp backup` and `octoisp restore`: the whole database (schema, data, row-level security
/// policies, grants) as one `pg_dump` custom-format archive, taken and restored as the owner role
/// (`OCTOISP_OWNER_DATABASE_URL`). The roles `octoisp_app` and `octoisp_global` must exist in the
/// cluster restored into (they are cluster-wide, not in the archive).
struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write the database to a pg_dump custom-format archive (as OCTOISP_OWNER_DATABASE_URL).")

    @Option(name: .shortAndLong, help: "The archive to write.") var output: String

    func run() async throws {
        let owner = try Environment().url("OCTOISP_OWNER_DATABASE_URL")
        try PostgresTool.run("pg_dump", ["--format=custom", "--compress=6", "--file=\(output)"], database: owner)
        let size = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0
        print("backup of \(owner.database) written to \(output) (\(size) bytes)")
    }
}

/// See ``Backup``.
struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore an archive of `octoisp backup` into the empty database of OCTOISP_OWNER_DATABASE_URL.",
        discussion: """
            The database must exist and be empty (CREATE DATABASE name OWNER octoisp_owner); a database that \
            holds tables is refused. The restore runs in one transaction: it happens entirely or not at all.
            """)

    @Option(name: .shortAndLong, help: "The archive to read.") var input: String

    func run() async throws {
        let owner = try Environment().url("OCTOISP_OWNER_DATABASE_URL")
        guard FileManager.default.isReadableFile(atPath: input) else { throw ValidationError("cannot read the archive \(input)") }
        let tables = try await Self.tables(in: owner)
        guard tables == 0 else {
            throw ValidationError("""
                refusing to restore: database \(owner.database) is not empty (\(tables) tables). Restore into a new, empty \
                database (CREATE DATABASE … OWNER \(owner.username)) and point OCTOISP_OWNER_DATABASE_URL at it.
                """)
        }
        try PostgresTool.run("pg_restore", ["--exit-on-error", "--single-transaction", "--no-owner", "--dbname=\(owner.withoutPassword)", input],
                             database: owner, passDatabase: false)
        print("restored \(input) into \(owner.database)")
    }

    /// Tables and partitioned tables outside the system schemas.
    static func tables(in url: DatabaseURL) async throws -> Int {
        var logger = Logger(label: "octoisp.restore")
        logger.logLevel = .warning
        let connection = try await PostgresConnection.connect(configuration: url.connectionConfiguration(), id: 1, logger: logger)
        defer { Task { try? await connection.close() } }
        let rows = try await connection.query("""
            SELECT count(*)::int FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
            """, logger: logger)
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }
}

/// Runs the PostgreSQL client programs with the password in `PGPASSWORD` (never on the command line).
enum PostgresTool {
    static func run(_ program: String, _ arguments: [String], database: DatabaseURL, passDatabase: Bool = true) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments + (passDatabase ? ["--dbname=\(database.withoutPassword)"] : [])
        var environment = ProcessInfo.processInfo.environment
        if let password = database.password { environment["PGPASSWORD"] = password }
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw ValidationError("cannot run \(program) (install postgresql-client): \(error)")
        }
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError("\(program) failed (exit \(process.terminationStatus)): \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }
}

extension DatabaseURL {
    /// The URL for a client program, without the password.
    var withoutPassword: String {
        var copy = self
        copy.password = nil
        return copy.connectionString
    }
}
