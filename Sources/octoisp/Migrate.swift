import ArgumentParser
import Logging
import OctoStore

/// `octoisp migrate`: applies pending migrations as the owner role.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Apply pending database migrations (OCTOISP_OWNER_DATABASE_URL).")

    func run() async throws {
        let environment = Environment()
        Logs.bootstrap(environment)
        let logger = Logger(label: "octoisp.migrate")
        let applied = try await Migrator(ownerURL: try environment.url("OCTOISP_OWNER_DATABASE_URL"), logger: logger).migrate()
        print(applied.isEmpty ? "database is up to date" : "applied migrations: \(applied.map(String.init).joined(separator: ", "))")
    }
}
