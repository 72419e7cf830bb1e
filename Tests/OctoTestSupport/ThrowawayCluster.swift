import Foundation
import OctoStore

/// A throwaway PostgreSQL cluster of a test's own (`scripts/postgres.sh` in a temporary directory, on
/// a free loopback port), so the test can stop, start or reconfigure it without touching the shared
/// test server.
public struct ThrowawayCluster: Sendable {
    public let directory: String
    public let port: Int
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// Runs a script of the repository to completion (see `ChildProcess`: the server it starts must
    /// not inherit the test's sockets).
    @discardableResult
    public static func script(_ arguments: [String]) async throws -> String {
        let run = try await ChildProcess.run(["\(repository)/scripts/\(arguments[0])"] + arguments.dropFirst())
        guard run.succeeded else { throw TestSetupError("scripts/\(arguments.joined(separator: " ")) failed (\(run.termination)): \(run.text)") }
        return run.output
    }

    /// Initialises and starts a new cluster; `name` goes into its directory's name.
    public static func create(_ name: String = "cluster") async throws -> ThrowawayCluster {
        let port = Int(try await script(["free-port.sh"]).trimmingCharacters(in: .whitespacesAndNewlines))!
        let cluster = ThrowawayCluster(directory: NSTemporaryDirectory() + "octoisp-\(name)-\(UUID().uuidString.prefix(8))", port: port)
        try await cluster.start()
        return cluster
    }

    public func start() async throws { try await Self.script(["postgres.sh", "start", directory, "\(port)"]) }
    public func stop() async throws { try await Self.script(["postgres.sh", "stop", directory]) }
    public func destroy() async {
        try? await stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A URL of the cluster's `env` file (`DATABASE_URL`, `OCTOISP_GLOBAL_DATABASE_URL`, `OCTOISP_OWNER_DATABASE_URL`).
    public func url(_ name: String) throws -> DatabaseURL {
        let env = try String(contentsOfFile: directory + "/env", encoding: .utf8)
        for line in env.split(separator: "\n") where line.hasPrefix("export \(name)=") {
            return try DatabaseURL(String(line.dropFirst("export \(name)=".count)))
        }
        throw TestSetupError("\(name) missing in \(directory)/env")
    }

    /// Runs `sql` as the cluster's superuser (psql over the cluster's Unix socket, database `octoisp`)
    /// and returns its unaligned, tuples-only output.
    @discardableResult
    public func superuser(_ sql: String) async throws -> String {
        let root = getuid() == 0
        let user = root ? "postgres" : (ProcessInfo.processInfo.environment["USER"] ?? "postgres")
        let psql = ["/usr/lib/postgresql/15/bin/psql", "-h", directory + "/run", "-p", "\(port)", "-U", user, "-d", "octoisp",
                    "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql]
        let run = try await ChildProcess.run(root ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + psql : psql)
        guard run.succeeded else { throw TestSetupError("psql \(sql) failed (\(run.termination)): \(run.text)") }
        return run.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
